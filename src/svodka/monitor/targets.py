"""Where alerts go: ``[[alerts.targets]]`` tables, each e-mail, a Telegram bot chat or a webhook::

[[alerts.targets]]
name = "desk-mail"
kind = "email"                 # the smtp.* settings
to = ["desk@example.org"]
batch_minutes = 15             # one message per 15 minutes with every alert due (0: one each)
quiet_hours = "22:00-07:00"    # held, then sent as one message (in tz)
tz = "Europe/Moscow"

[[alerts.targets]]
name = "hook"
kind = "webhook"
url = "https://example.org/svodka"
secret_env = "HOOK_SECRET"     # the HMAC key's environment variable (default: alerts.webhook_secret)

[[alerts.targets]]
name = "desk-bot"
kind = "bot"                   # telegram.bot_token
chat = "-1001234567890"
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from svodka.errors import ConfigError

KINDS = ("email", "bot", "webhook")
_KEYS = {"name", "kind", "to", "chat", "url", "secret_env", "batch_minutes", "quiet_hours", "tz"}
_QUIET = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    kind: str
    to: tuple[str, ...] = ()  # e-mail recipients
    chat: str = ""  # bot chat
    url: str = ""  # webhook
    secret: str = ""  # webhook HMAC key
    batch_minutes: float = 0.0
    quiet: tuple[time, time] | None = None
    tz: str = "UTC"

    def quiet_now(self, now: datetime) -> bool:
        """Whether ``now`` falls in the target's quiet hours (which may run past midnight)."""
        if self.quiet is None:
            return False
        local = now.astimezone(ZoneInfo(self.tz)).time()
        start, end = self.quiet
        return start <= local < end if start <= end else (local >= start or local < end)


def _quiet(where: str, text: object) -> tuple[time, time] | None:
    if not text:
        return None
    m = _QUIET.match(str(text))
    if m is None or int(m.group(1)) > 23 or int(m.group(3)) > 23:
        raise ConfigError(f"{where}: quiet_hours must be HH:MM-HH:MM, not {text!r}")
    return time(int(m.group(1)), int(m.group(2))), time(int(m.group(3)), int(m.group(4)))


def target(
    spec: Mapping[str, object], default_secret: str = "", environ: Mapping[str, str] | None = None
) -> Target:
    env = os.environ if environ is None else environ
    name = str(spec.get("name", "")).strip()
    where = f"alert target {name!r}" if name else "an alert target"
    if not name:
        raise ConfigError(f"{where}: a name is needed")
    unknown = set(spec) - _KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    kind = str(spec.get("kind", ""))
    if kind not in KINDS:
        raise ConfigError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    to = spec.get("to", ())
    to = (to,) if isinstance(to, str) else tuple(str(x) for x in to)  # type: ignore[attr-defined]
    secret = env.get(str(spec["secret_env"]), "") if spec.get("secret_env") else default_secret
    tz = str(spec.get("tz", "UTC"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown time zone {tz!r}") from None
    try:
        batch = float(spec.get("batch_minutes", 0) or 0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: batch_minutes must be a number") from None
    t = Target(
        name,
        kind,
        to=to,
        chat=str(spec.get("chat", "")),
        url=str(spec.get("url", "")),
        secret=secret,
        batch_minutes=max(0.0, batch),
        quiet=_quiet(where, spec.get("quiet_hours")),
        tz=tz,
    )
    if kind == "email" and not t.to:
        raise ConfigError(f"{where}: an e-mail target needs `to`")
    if kind == "bot" and not t.chat:
        raise ConfigError(f"{where}: a bot target needs `chat`")
    if kind == "webhook" and not t.url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: a webhook target needs an http(s) `url`")
    if kind == "webhook" and not t.secret:
        raise ConfigError(f"{where}: a webhook needs a secret (alerts.webhook_secret or secret_env)")
    return t


def targets_from(specs: Sequence[Mapping[str, object]], default_secret: str = "") -> dict[str, Target]:
    out: dict[str, Target] = {}
    for spec in specs:
        t = target(spec, default_secret)
        if t.name in out:
            raise ConfigError(f"alert target {t.name!r} is defined twice")
        out[t.name] = t
    return out
