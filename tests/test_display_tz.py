"""One display zone, ``display.tz``, for the web app, the CLI and the digests: ``auto`` is Moscow for a
Russian interface and UTC otherwise; the old name ``digest.tz`` still works (config, environment, flags)
with a one-line warning."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import shared
from svodka import settings
from svodka.digest import DigestQuery, build_digest
from svodka.digest.jobs import jobs_from
from svodka.digest.render import render_markdown
from svodka.errors import ConfigError
from svodka.evaluate.gold import gold_stories
from svodka.i18n import display_tz
from svodka.store import Store
from svodka.web.auth import WebConfig

DAY = (datetime(2024, 11, 30, tzinfo=UTC), datetime(2024, 12, 1, tzinfo=UTC))


def test_auto_is_moscow_for_russian_and_utc_otherwise() -> None:
    assert display_tz("auto", "ru") == "Europe/Moscow"
    assert display_tz("auto", "en") == display_tz("auto", "auto") == "UTC"
    assert display_tz("Asia/Yekaterinburg", "ru") == "Asia/Yekaterinburg"
    with pytest.raises(ConfigError, match=r"^display.tz: unknown time zone 'Mars/Olympus'") as e:
        display_tz("Mars/Olympus", "ru")
    assert "\n" not in str(e.value)
    assert settings.defaults()["display.tz"] == "auto" and settings.defaults()["digest.language"] == "auto"


def test_the_old_name_in_the_config_file_still_works(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = tmp_path / "svodka.toml"
    config.write_text('[digest]\ntz = "Europe/Moscow"\ntop = 5\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="svodka.settings"):
        s = settings.load(config, environ={})
    assert s["display.tz"] == "Europe/Moscow" and s.origin("display.tz") == str(config)
    assert s["digest.tz"] == "Europe/Moscow"  # a reader of the old name gets the setting
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [f"{config}: digest.tz is an old name; write display.tz"]
    config.write_text('[digest]\ntz = "Europe/Moscow"\n[display]\ntz = "Asia/Tokyo"\n', encoding="utf-8")
    assert settings.load(config, environ={})["display.tz"] == "Asia/Tokyo"  # the new name wins


def test_the_old_environment_variable_still_works(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="svodka.settings"):
        s = settings.load(None, environ={"SVODKA_DIGEST_TZ": "Europe/Moscow"})
    assert s["display.tz"] == "Europe/Moscow" and s.origin("display.tz") == "$SVODKA_DIGEST_TZ"
    assert "$SVODKA_DIGEST_TZ is an old name; set $SVODKA_DISPLAY_TZ" in caplog.text
    both = {"SVODKA_DIGEST_TZ": "Europe/Moscow", "SVODKA_DISPLAY_TZ": "Asia/Tokyo"}
    assert settings.load(None, environ=both)["display.tz"] == "Asia/Tokyo"
    assert settings.load(None, {"digest.tz": "Asia/Tokyo"}, environ={})["display.tz"] == "Asia/Tokyo"
    assert settings.defaults(digest__tz="Asia/Tokyo")["display.tz"] == "Asia/Tokyo"
    assert "SVODKA_DIGEST_TZ" in settings.markdown_table()  # the reference names the old variable


def test_the_web_app_reads_display_tz() -> None:
    assert (
        WebConfig.from_settings(settings.load(None, {"display.tz": "Asia/Tokyo"}, environ={})).tz
        == "Asia/Tokyo"
    )
    auto = WebConfig.from_settings(settings.load(None, environ={}))
    assert auto.tz == "auto"  # settled by create_app once the app's language is known
    assert auto.settled("en").tz == "UTC" and auto.settled("ru").tz == "Europe/Moscow"
    with pytest.raises(ConfigError, match="unknown time zone"):
        WebConfig.from_settings(settings.load(None, {"display.tz": "Mars/Olympus"}, environ={}))


def _job(tmp_path: Path, table: str, env: dict[str, str] | None = None) -> tuple[str, str]:
    config = tmp_path / "svodka.toml"
    config.write_text(f'[[digest.jobs]]\nname = "morning"\nout = "out"\n{table}\n', encoding="utf-8")
    (job,) = jobs_from(settings.load(config, environ=env or {}))
    return job.language, job.tz


def test_a_jobs_language_and_zone(tmp_path: Path) -> None:
    assert _job(tmp_path, 'language = "ru"') == ("ru", "Europe/Moscow")
    assert _job(tmp_path, 'language = "en"') == ("en", "UTC")
    assert _job(tmp_path, "") == ("auto", "auto")  # settled by the digest's posts when it is built
    assert _job(tmp_path, 'language = "ru"\ntz = "Asia/Omsk"') == ("ru", "Asia/Omsk")
    assert _job(tmp_path, 'schedule = "every day at 08:00 Asia/Tokyo"') == ("auto", "Asia/Tokyo")
    assert _job(tmp_path, "", {"SVODKA_DIGEST_TZ": "Asia/Omsk"}) == ("auto", "Asia/Omsk")
    with pytest.raises(ConfigError, match=r"^digest job 'morning'.*unknown language 'fr'"):
        _job(tmp_path, 'language = "fr"')


def test_auto_settles_russian_and_moscow_from_the_digests_posts(store: Store, tmp_path: Path) -> None:
    gold = gold_stories(store, shared("stories_dev"))
    digest = build_digest(gold.stories, DigestQuery(*DAY, top=5, tz="auto", language="auto"))
    assert (digest.query.language, digest.query.tz) == ("ru", "Europe/Moscow")
    md = render_markdown(digest)
    assert "Сводка за 30 ноября 2024, 03:00 – 1 декабря 2024, 03:00 МСК" in md and "первым сообщил" in md
    english = build_digest(gold.stories, DigestQuery(*DAY, top=5, tz="auto", language="en"))
    assert (
        english.query.tz == "UTC"
        and "Digest 2024-11-30 00:00 – 2024-12-01 00:00 (UTC)" in render_markdown(english)
    )
    pinned = build_digest(gold.stories, DigestQuery(*DAY, top=5, tz="Asia/Tokyo", language="auto"))
    assert (pinned.query.language, pinned.query.tz) == ("ru", "Asia/Tokyo")
