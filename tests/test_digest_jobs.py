"""Scheduled digest jobs without a loop: the config tables (and the compact form), clear errors, and the
slot rules — a new job waits for its slot, missed slots collapse into one, a changed schedule restarts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from svodka.digest.jobs import jobs_from, open_slot, sync
from svodka.digest.model import JobState
from svodka.digest.schedule import parse_schedule
from svodka.errors import ConfigError
from svodka.settings import Tables, defaults, load


def test_missed_slots_collapse_into_one_and_new_jobs_wait_for_their_slot() -> None:
    settings = defaults(
        digest__jobs=Tables([{"name": "m", "schedule": "every day at 08:00 Europe/Moscow", "out": "x"}])
    )
    (job,) = jobs_from(settings)
    assert job.tz == "Europe/Moscow"  # the schedule's zone, when it names one
    s = sync(job, JobState("m"), datetime(2024, 11, 30, 6, tzinfo=UTC))
    assert s.next_due == datetime(2024, 12, 1, 5, tzinfo=UTC)  # 08:00 Moscow is 05:00 UTC
    late = datetime(2024, 12, 4, 9, tzinfo=UTC)  # down from the 1st to the 4th
    opened, superseded = open_slot(job, s, late)
    assert superseded is None and opened.pending is not None
    assert opened.pending.slot == datetime(2024, 12, 4, 5, tzinfo=UTC)
    assert opened.pending.since == datetime(2024, 12, 3, 5, tzinfo=UTC)  # first digest: one step back
    assert opened.next_due == datetime(2024, 12, 5, 5, tzinfo=UTC)
    assert open_slot(job, opened, late + timedelta(hours=1))[0] is opened  # not due again
    done = replace(opened, pending=None, last_until=opened.pending.until)
    again, _ = open_slot(job, done, datetime(2024, 12, 5, 5, 0, 1, tzinfo=UTC))
    assert again.pending is not None and again.pending.since == datetime(2024, 12, 4, 5, tzinfo=UTC)
    # A changed schedule starts from its own next slot.
    moved = replace(job, schedule=parse_schedule("every 6h"))
    assert sync(moved, again, datetime(2024, 12, 5, 7, tzinfo=UTC)).next_due == datetime(
        2024, 12, 5, 12, tzinfo=UTC
    )
    assert parse_schedule("every 6h").previous_run(datetime(2024, 12, 5, 12, tzinfo=UTC)) == datetime(
        2024, 12, 5, 12, tzinfo=UTC
    )


def test_jobs_come_from_toml_tables_and_bad_ones_are_one_clear_line(tmp_path: Path) -> None:
    cfg = tmp_path / "svodka.toml"
    cfg.write_text(
        '[digest]\ntop = 7\n\n[[digest.jobs]]\nname = "a"\nschedule = "every 6h"\nbot_chat = "@me"\n'
        'out = ""\n\n[[digest.jobs]]\nname = "b"\nemail = "x@example.org, y@example.org"\n'
        'topic = "economy"\n',
        encoding="utf-8",
    )
    a, b = jobs_from(load(cfg, environ={}))
    assert (a.targets, a.top, a.period) == (("telegram",), 7, "last")
    assert b.schedule.text == "every day at 08:00 UTC" and b.targets == ("files", "email")
    assert b.email == ("x@example.org", "y@example.org") and b.topic == "economy"
    env = load(None, environ={"SVODKA_DIGEST_JOBS": '[{"name": "e", "schedule": "every 2h", "out": "d"}]'})
    assert jobs_from(env)[0].schedule.interval == timedelta(hours=2)
    for bad, message in [
        ({"name": "a b", "out": "x"}, "name"),
        ({"name": "a", "schedule": "daily"}, "digest job 'a': schedule 'daily' not understood"),
        ({"name": "a", "tpoic": "economy"}, "unknown key"),
        ({"name": "a", "out": ""}, "nowhere to deliver"),
        ({"name": "a", "period": "forever"}, "digest job 'a': period"),
        ({"name": "a", "formats": ["doc"]}, "unknown format"),
    ]:
        with pytest.raises(ConfigError, match=message) as info:
            jobs_from(defaults(digest__jobs=Tables([bad])))
        assert "\n" not in str(info.value)
    with pytest.raises(ConfigError, match="used twice"):
        jobs_from(defaults(digest__jobs=Tables([{"name": "a"}, {"name": "a"}])))
    # The compact form: digest.schedule alone (set, not defaulted) is one job named "digest".
    assert jobs_from(load(None, environ={})) == []
    cfg.write_text('[digest]\nschedule = "every 6h"\nemail = ["me@example.org"]\nsince = "last"\n')
    (one,) = jobs_from(load(cfg, environ={}))
    assert (one.name, one.schedule.text, one.period, one.targets) == (
        "digest",
        "every 6h",
        "last",
        ("files", "email"),
    )
