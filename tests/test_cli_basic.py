"""The everyday commands on real data: import, channels, search (ru inflection, en), stats --json."""

from __future__ import annotations

import json
import re

import pytest

from conftest import shared
from svodka.errors import ConfigError


def test_channels_add_every_identifier_form_then_list_tier_group_remove(cli_run) -> None:  # type: ignore[no-untyped-def]
    forms = {
        "@rian_ru": "rian_ru",
        "meduzalive": "meduzalive",
        "t.me/bbcrussian": "bbcrussian",
        "https://t.me/s/tass_agency": "tass_agency",
        "https://telegram.me/Interfaxonline": "interfaxonline",
        "-1001000724666": None,
        "https://feeds.bbci.co.uk/news/rss.xml": "https://feeds.bbci.co.uk/news/rss.xml",
    }
    result = cli_run("channels", "add", "--group", "news", "--tier", "2", "--", *forms)
    assert result.exit_code == 0, result.output
    listed = json.loads(cli_run("channels", "list", "--json").output)
    assert len(listed) == len(forms)
    handles = {c["handle"] for c in listed}
    assert {h for h in forms.values() if h} <= handles
    assert any(c["tg_id"] == 1000724666 and c["handle"] is None for c in listed)
    assert {c["platform"] for c in listed} == {"telegram", "rss"}
    assert all(c["tier"] == 2 and c["groups"] == ["news"] for c in listed)

    assert cli_run("channels", "set-tier", "rian_ru", "1").exit_code == 0
    assert cli_run("channels", "set-group", "rian_ru", "state", "--add").exit_code == 0
    rian = next(
        c for c in json.loads(cli_run("channels", "list", "--json").output) if c["handle"] == "rian_ru"
    )
    assert rian["tier"] == 1 and sorted(rian["groups"]) == ["news", "state"]
    state = json.loads(cli_run("channels", "list", "--group", "state", "--json").output)
    assert [c["handle"] for c in state] == ["rian_ru"]

    assert cli_run("channels", "remove", "rian_ru", "--yes").exit_code == 0
    assert len(json.loads(cli_run("channels", "list", "--json").output)) == len(forms) - 1

    bad = cli_run("channels", "add", "t.me/+AbCdEf")
    assert bad.exit_code != 0


def test_search_russian_inflection_and_english(cli_run) -> None:  # type: ignore[no-untyped-def]
    ru = shared("tg_ru_news_2024", "posts.jsonl")
    en = shared("tg_en_bbcbreaking_2017", "bbcbreaking_telegram_posts.jsonl")
    assert cli_run("import", str(ru), str(en)).exit_code == 0
    texts_ru = [json.loads(line)["text"] or "" for line in ru.read_text(encoding="utf-8").splitlines()]
    # "выборы" must also find "выборах", "выборов" …: count posts containing any form, independently
    forms = re.compile(r"\bвыбор(ы|ов|ах|ам|ами|а|е|у)?\b", re.IGNORECASE)
    expected = sum(bool(forms.search(t)) for t in texts_ru)
    assert expected > 10
    hits = json.loads(cli_run("search", "выборы", "--limit", "100000", "--json").output)
    found_ids = {h["id"] for h in hits}
    assert len(found_ids) >= expected
    assert any("выборах" in h["snippet"].lower() for h in hits)
    texts_en = [json.loads(line)["text"] or "" for line in en.read_text(encoding="utf-8").splitlines()]
    want_en = sum(bool(re.search(r"\belection", t, re.IGNORECASE)) for t in texts_en)
    en_hits = json.loads(
        cli_run("search", "elections", "--channel", "bbcbreaking", "--limit", "1000", "--json").output
    )
    # the stem "elect" is searched as a prefix: every "election…" post, and no post without "elect…"
    most = sum(bool(re.search(r"\belect", t, re.IGNORECASE)) for t in texts_en)
    assert want_en > 5 and want_en <= len(en_hits) <= most
    assert all("[elect" in h["snippet"].lower() for h in en_hits)
    # a group filter is the channels of the group
    assert cli_run("channels", "set-group", "bbcbreaking", "english").exit_code == 0
    by_group = json.loads(
        cli_run("search", "elections", "--group", "english", "--limit", "1000", "--json").output
    )
    assert [h["id"] for h in by_group] == [h["id"] for h in en_hits]
    with pytest.raises(ConfigError, match="no channel is in group 'nobody'"):
        cli_run("search", "elections", "--group", "nobody")


def test_stats_json_per_channel(cli_run) -> None:  # type: ignore[no-untyped-def]
    path = shared("tg_desktop_export_samples", "trantor_library_TG101_result.json")
    assert cli_run("import", str(path)).exit_code == 0
    data = json.loads(path.read_text(encoding="utf-8"))
    msgs = [m for m in data["messages"] if m["type"] == "message"]
    stats = json.loads(cli_run("stats", "--json").output)
    assert len(stats) == 1
    row = stats[0]
    assert row["title"] == data["name"] and row["posts"] == len(msgs) == 908
    assert row["edits"] == 0 and row["deletions"] == 0
    text = cli_run("stats").output
    assert "908" in text


def test_import_json_report(cli_run) -> None:  # type: ignore[no-untyped-def]
    path = shared("tg_desktop_export_samples", "uponthepathofsalaf_result.json")
    out = json.loads(cli_run("import", "--json", str(path)).output)
    assert out[0]["format"] == "telegram-json"
    assert out[0]["new"] == 208 and out[0]["skipped"] == {"service message": 5}
    again = json.loads(cli_run("import", "--json", str(path)).output)
    assert again[0]["new"] == 0 and again[0]["unchanged"] == 208


def test_every_command_explains_itself() -> None:
    import click

    from svodka.cli import cli

    def walk(group: click.Group, path: str) -> list[tuple[str, click.Command]]:
        out = []
        for name, cmd in group.commands.items():
            out.append((f"{path} {name}", cmd))
            if isinstance(cmd, click.Group):
                out.extend(walk(cmd, f"{path} {name}"))
        return out

    commands = walk(cli, "svodka")
    assert len(commands) > 30
    silent = [p for p, c in commands if not (c.help or "").strip() or not c.get_short_help_str().strip()]
    assert not silent, f"commands without help: {silent}"
