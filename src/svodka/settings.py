"""The one table of settings: it drives the TOML config, the environment overrides, ``svodka settings``
and ``docs/settings.md``.

A setting ``section.name`` is read, later ones winning, from:

1. its default in :data:`TABLE`;
2. the config file (``svodka.toml`` in the working directory, or ``--config PATH``)::

       [store]
       db = "svodka.db"

3. the environment: ``SVODKA_SECTION_NAME`` (``SVODKA_STORE_DB``), or the setting's short alias
   (``SVODKA_DB``) — the place for secrets such as ``SVODKA_TELEGRAM_API_HASH``;
4. command-line flags (``--db``), passed as ``overrides``.

To add a setting, add one row to :data:`TABLE` in the section of its stage; nothing else needs to know.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from svodka.errors import ConfigError

CONFIG_FILE = "svodka.toml"


@dataclass(frozen=True, slots=True)
class Setting:
    name: str  # "section.key"
    default: Any
    help: str
    type: type = str
    secret: bool = False  # never printed; meant for the environment
    alias: str | None = None  # short environment name, e.g. SVODKA_DB

    @property
    def env(self) -> str:
        return "SVODKA_" + self.name.upper().replace(".", "_").replace("-", "_")


S = Setting

TABLE: tuple[Setting, ...] = (
    # --- store ---
    S("store.db", "svodka.db", "Database: a SQLite file path, or a postgresql:// URL.", alias="SVODKA_DB"),
    S("store.batch_size", 5000, "Posts written per transaction when importing or collecting.", int),
    S("store.busy_timeout", 10.0, "Seconds to wait for another writer before giving up.", float),
    # --- import ---
    S("import.max_file_mb", 0, "Refuse input files larger than this many MiB (0: no limit).", int),
    # --- telegram ---
    S("telegram.web_base_url", "https://t.me", "Base URL of Telegram's public web preview (t.me/s/…)."),
    S("telegram.api_id", 0, "MTProto api_id from my.telegram.org (for the Telethon source).", int, secret=True),
    S("telegram.api_hash", "", "MTProto api_hash from my.telegram.org.", secret=True),
    S("telegram.session", "svodka.session", "Telethon session file, or a session string.", secret=True),
    S("telegram.bot_api_url", "https://api.telegram.org", "Base URL of the Telegram Bot API (delivery)."),
    S("telegram.bot_token", "", "Bot token for delivering digests by Telegram bot.", secret=True),
    # --- network ---
    S("network.proxy", "", "Proxy for web and RSS sources: http://, socks5:// URL (empty: none)."),
    S("network.timeout", 20.0, "Seconds before an HTTP request is abandoned.", float),
    S("network.user_agent", "svodka/0.1 (+https://github.com/svodka)", "User-Agent sent to web sources."),
    # --- collect ---
    # --- pipeline ---
    # --- digest ---
    # --- smtp ---
    # --- web ---
    # --- questions ---
)

_BY_NAME = {s.name: s for s in TABLE}


def setting(name: str) -> Setting:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ConfigError(f"unknown setting {name!r} (see `svodka settings`)") from None


def _convert(s: Setting, value: Any, origin: str) -> Any:
    if s.type is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{origin}: {s.name} must be true or false, not {value!r}")
    if s.type in (list, tuple):
        if isinstance(value, (list, tuple)):
            return tuple(str(v) for v in value)
        return tuple(v.strip() for v in str(value).split(",") if v.strip())
    try:
        return s.type(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{origin}: {s.name} must be {s.type.__name__}, not {value!r}") from None


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        name = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, name + "."))
        else:
            out[name] = v
    return out


class Settings(Mapping[str, Any]):
    """Resolved settings: a read-only mapping from ``section.name`` to a typed value."""

    def __init__(self, values: Mapping[str, Any], origins: Mapping[str, str], path: Path | None) -> None:
        self._values = dict(values)
        self._origins = dict(origins)
        self.path = path

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            setting(name)  # raises a ConfigError naming the unknown setting
        return self._values[name]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def origin(self, name: str) -> str:
        """Where the value came from: default, the config file, an environment variable or a flag."""
        return self._origins[name]

    def section(self, prefix: str) -> dict[str, Any]:
        p = prefix.rstrip(".") + "."
        return {k[len(p) :]: v for k, v in self._values.items() if k.startswith(p)}

    def replace(self, **overrides: Any) -> Settings:
        """A copy with some values replaced; keys use ``__`` for the dot (``store__db``)."""
        values, origins = dict(self._values), dict(self._origins)
        for key, value in overrides.items():
            name = key.replace("__", ".")
            s = setting(name)
            values[name] = _convert(s, value, "override")
            origins[name] = "override"
        return Settings(values, origins, self.path)


def load(
    path: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve every setting from defaults, the TOML file, the environment and ``overrides``.

    ``path`` None means ``./svodka.toml`` if it exists (then ``SVODKA_CONFIG``); a path that is given
    must exist.
    """
    env = os.environ if environ is None else environ
    if path is None and env.get("SVODKA_CONFIG"):
        path = env["SVODKA_CONFIG"]
    file_path: Path | None = None
    file_values: dict[str, Any] = {}
    if path is not None:
        file_path = Path(path)
        if not file_path.is_file():
            raise ConfigError(f"{file_path}: config file not found")
    elif Path(CONFIG_FILE).is_file():
        file_path = Path(CONFIG_FILE)
    if file_path is not None:
        try:
            file_values = _flatten(tomllib.loads(file_path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"{file_path}: not valid TOML: {e}") from None
        for name in file_values:
            if name not in _BY_NAME:
                raise ConfigError(f"{file_path}: unknown setting {name!r} (see `svodka settings`)")

    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for s in TABLE:
        value, origin = s.default, "default"
        if s.name in file_values:
            value, origin = _convert(s, file_values[s.name], str(file_path)), str(file_path)
        for var in (s.env, s.alias):
            if var and var in env:
                value, origin = _convert(s, env[var], f"${var}"), f"${var}"
                break
        if overrides and overrides.get(s.name) is not None:
            value, origin = _convert(s, overrides[s.name], "flag"), "flag"
        values[s.name], origins[s.name] = value, origin
    return Settings(values, origins, file_path)


def defaults(**overrides: Any) -> Settings:
    """Every setting at its default (no file, no environment), with ``overrides`` (``store__db=…``)."""
    base = Settings({s.name: s.default for s in TABLE}, {s.name: "default" for s in TABLE}, None)
    return base.replace(**overrides) if overrides else base


def markdown_table() -> str:
    """The settings reference as Markdown: the body of ``docs/settings.md``."""
    lines = [
        "# Settings",
        "",
        "Generated from `svodka.settings.TABLE` by `svodka settings --markdown`; do not edit by hand.",
        "",
        "Each setting can be set in `svodka.toml` (`[section]` then `name = value`), or in the environment",
        "as `SVODKA_SECTION_NAME`. Secrets belong in the environment.",
        "",
        "| setting | default | environment | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for s in TABLE:
        env = f"`{s.env}`" + (f" or `{s.alias}`" if s.alias else "")
        default = "*(secret)*" if s.secret and s.default else f"`{s.default!r}`"
        lines.append(f"| `{s.name}` | {default} | {env} | {s.help} |")
    return "\n".join(lines) + "\n"
