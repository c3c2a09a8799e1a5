"""Schedules: `every day at 08:00 Europe/Moscow`, `every 6h`, weekdays, daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from svodka.digest.schedule import parse_schedule
from svodka.errors import ConfigError


def test_every_day_at_a_local_time() -> None:
    s = parse_schedule("every day at 08:00 Europe/Moscow")
    assert s.next_run(datetime(2024, 11, 30, 4, 59, tzinfo=UTC)) == datetime(2024, 11, 30, 5, 0, tzinfo=UTC)
    assert s.next_run(datetime(2024, 11, 30, 5, 0, tzinfo=UTC)) == datetime(2024, 12, 1, 5, 0, tzinfo=UTC)


def test_wall_clock_is_kept_across_daylight_saving() -> None:
    s = parse_schedule("every day at 09:30 Europe/Berlin")
    before = s.next_run(datetime(2024, 3, 30, 12, tzinfo=UTC))  # CET, UTC+1
    after = s.next_run(before)  # CEST, UTC+2 from 31 March
    assert before == datetime(2024, 3, 31, 7, 30, tzinfo=UTC)
    assert after == datetime(2024, 4, 1, 7, 30, tzinfo=UTC)
    assert after - before == timedelta(hours=24)
    assert s.next_run(datetime(2024, 3, 30, 12, tzinfo=UTC)) == before


def test_every_n_hours_is_aligned() -> None:
    s = parse_schedule("every 6h")
    assert s.next_run(datetime(2024, 11, 30, 7, 15, tzinfo=UTC)) == datetime(2024, 11, 30, 12, tzinfo=UTC)
    assert s.next_run(datetime(2024, 11, 30, 12, tzinfo=UTC)) == datetime(2024, 11, 30, 18, tzinfo=UTC)
    assert parse_schedule("every 90 minutes").interval == timedelta(minutes=90)


def test_weekdays_and_named_days() -> None:
    friday_evening = datetime(2024, 11, 29, 20, tzinfo=UTC)
    assert parse_schedule("every weekday at 07:00").next_run(friday_evening) == datetime(
        2024, 12, 2, 7, tzinfo=UTC
    )
    assert parse_schedule("every sunday at 10:00 UTC").next_run(friday_evening) == datetime(
        2024, 12, 1, 10, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text", ["daily", "every day at 25:00", "every 0h", "every day at 08:00 Mars/Olympus"]
)
def test_bad_schedules_say_what_to_write(text: str) -> None:
    with pytest.raises(ConfigError, match="schedule"):
        parse_schedule(text)


def test_due() -> None:
    s = parse_schedule("every day at 08:00 Europe/Moscow")
    last = datetime(2024, 11, 30, 5, 0, tzinfo=UTC)
    assert s.due(None, last)
    assert not s.due(last, last + timedelta(hours=23, minutes=59))
    assert s.due(last, last + timedelta(hours=24))
