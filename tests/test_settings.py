"""The one settings table: defaults, TOML file, environment, flags, docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from svodka import settings
from svodka.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_come_from_the_table() -> None:
    s = settings.load(path=None, environ={})
    for row in settings.TABLE:
        assert s[row.name] == row.default
        assert s.origin(row.name) == "default"


def test_file_then_environment_then_flags(tmp_path: Path) -> None:
    cfg = tmp_path / "svodka.toml"
    cfg.write_text(
        '[store]\ndb = "from-file.db"\nbatch_size = 10\n[network]\ntimeout = 3\n', encoding="utf-8"
    )
    s = settings.load(cfg, environ={"SVODKA_STORE_BATCH_SIZE": "20", "SVODKA_TELEGRAM_API_HASH": "sekrit"})
    assert s["store.db"] == "from-file.db" and s.origin("store.db") == str(cfg)
    assert s["store.batch_size"] == 20 and s.origin("store.batch_size") == "$SVODKA_STORE_BATCH_SIZE"
    assert s["network.timeout"] == 3.0 and isinstance(s["network.timeout"], float)
    assert s["telegram.api_hash"] == "sekrit"
    s2 = settings.load(cfg, overrides={"store.db": "flag.db"}, environ={"SVODKA_DB": "alias.db"})
    assert s2["store.db"] == "flag.db" and s2.origin("store.db") == "flag"
    s3 = settings.load(cfg, environ={"SVODKA_DB": "alias.db"})
    assert s3["store.db"] == "alias.db"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[store\ndb = 1", "not valid TOML"),
        ('[store]\nnope = "x"', "unknown setting 'store.nope'"),
        ('[store]\nbatch_size = "many"', "store.batch_size must be int"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    cfg = tmp_path / "svodka.toml"
    cfg.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        settings.load(cfg, environ={})
    assert str(cfg) in str(info.value) and "\n" not in str(info.value)


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"\$SVODKA_STORE_BATCH_SIZE"):
        settings.load(None, environ={"SVODKA_STORE_BATCH_SIZE": "lots"})


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        settings.load(tmp_path / "absent.toml", environ={})


def test_docs_are_generated_from_the_table() -> None:
    docs = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert docs == settings.markdown_table(), "docs/settings.md is stale: run `svodka settings --markdown`"


def test_every_setting_is_documented_in_help(cli_run) -> None:  # type: ignore[no-untyped-def]
    result = cli_run("settings", "--help")
    for row in settings.TABLE:
        assert row.name in result.output


def test_secrets_are_not_printed(cli_run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SVODKA_TELEGRAM_API_HASH", "very-secret-hash")
    result = cli_run("settings")
    assert "very-secret-hash" not in result.output
    assert "telegram.api_hash" in result.output and "$SVODKA_TELEGRAM_API_HASH" in result.output
