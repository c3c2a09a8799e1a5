"""Deliver what the outbox holds: each target in turn, retried with backoff, dead-lettered at the end.

A delivery is marked sent only after its target confirmed it (SMTP accepted the message, the Bot API said
ok, the webhook answered 2xx), one message at a time: a process killed at any moment has lost nothing, and
resends at most the message that was in flight. A failure is recorded on the deliveries and never raised:
collection goes on.

Webhook bodies follow ``alert-schema.json`` (beside this module) and are signed: the header
``X-Svodka-Signature: sha256=HEX`` is the HMAC-SHA256, keyed with the target's secret, of
``TIMESTAMP + "." + body``, where ``X-Svodka-Timestamp`` is the Unix time of sending; a receiver checks
both with :func:`verify_signature` and refuses a timestamp older than a few minutes (replay).
``X-Svodka-Delivery`` names the deliveries, so a receiver can drop the one resent after a crash.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx

from svodka.digest.compose import guess_language
from svodka.digest.deliver import BotSettings, SmtpSettings, smtp_send
from svodka.digest.render import N_
from svodka.digest.voice import Voice, settle
from svodka.errors import DeliveryError
from svodka.monitor.rules import SCHEMA
from svodka.monitor.targets import Target
from svodka.store.base import Delivery, Store

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Svodka-Signature"
TIMESTAMP_HEADER = "X-Svodka-Timestamp"
DELIVERY_HEADER = "X-Svodka-Delivery"


@dataclass(frozen=True, slots=True)
class Retry:
    max_attempts: int = 8
    base: float = 30.0  # seconds before the second attempt, doubled each time …
    cap: float = 3600.0  # … up to this

    def next_at(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after ``attempts`` failures (None: dead-letter)."""
        if attempts >= self.max_attempts:
            return None
        return now + timedelta(seconds=min(self.cap, self.base * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True, slots=True)
class Channels:
    """How to reach the targets: the SMTP server and the Bot API."""

    smtp: SmtpSettings
    bot: BotSettings
    timeout: float = 20.0
    language: str = "en"  # of the e-mail and bot messages (digest.language; auto: the alerts' posts')
    tz: str = "UTC"  # their times (display.tz; auto: the language's zone)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str, timestamp: str, body: bytes, signature: str, now: float | None = None, tolerance: float = 300
) -> bool:
    """Whether a webhook request is ours and fresh: the signature matches, the timestamp is recent."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


def alert_items(batch: Sequence[Delivery]) -> list[dict[str, Any]]:
    """The alerts of a batch as the webhook and the messages show them (alert-schema.json ``alerts[]``)."""
    out = []
    for d in batch:
        item = json.loads(d.payload)
        item.pop("schema", None)
        out.append({"delivery_id": d.id, "alert_id": d.alert_id, "revision": d.revision, **item})
    return out


# The words rules.py puts before an edited or deleted post's title (the webhook keeps them as they are).
_CHANGES = {"edited: ": N_("edited: "), "deleted: ": N_("deleted: ")}


def voice(items: Sequence[Mapping[str, Any]], language: str = "en", tz: str = "UTC") -> Voice:
    """The messages' language and zone: ``auto`` is settled by the alerts' own posts."""
    texts = (str(item.get("text") or item.get("title") or "") for item in items)
    return Voice(*settle(language, tz, (guess_language(t) for t in texts)))


def _line(item: Mapping[str, Any], v: Voice) -> str:
    mark = v._("update: ") if item["revision"] > 1 else ""
    title = str(item.get("title", ""))
    for prefix, label in _CHANGES.items():
        if title.startswith(prefix):
            title = v._(label) + title[len(prefix) :]
    extra = " — " + v.n("%(num)d source", "%(num)d sources", item["sources"]) if "sources" in item else ""
    return f"[{item['watchlist']} · {item['rule']}] {mark}{title}{extra}"


def _when(value: object, v: Voice) -> str:
    """The post's date: «2 декабря 2024, 09:15 МСК»; in English the ISO time as the payload has it."""
    if v.language == "en":
        return str(value or "")
    try:
        return v.when(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value or "")


def render_text(items: Sequence[Mapping[str, Any]], v: Voice | None = None) -> str:
    v = v or voice(items)
    was, now = v._("was:"), v._("now:")
    parts = []
    for item in items:
        lines = [_line(item, v)]
        if item.get("old_text") is not None:
            lines += [f"{was} {item['old_text']}", f"{now} {item.get('new_text', '')}"]
        lines += [f"{item.get('channel', '')}, {_when(item.get('date', ''), v)}"]
        lines += [item.get("url") or "", item.get("alt_url") or ""]  # the t.me/c link second, if any
        parts.append("\n".join(x for x in lines if x))
    return "\n\n".join(parts)


def send_email(
    target: Target, items: Sequence[Mapping[str, Any]], smtp: SmtpSettings, v: Voice | None = None
) -> None:
    v = v or voice(items)
    msg = EmailMessage()
    one = _line(items[0], v)
    many = v.n("svodka: %(num)d alert", "svodka: %(num)d alerts", len(items))
    msg["Subject"] = one if len(items) == 1 else many
    msg["From"] = smtp.sender
    msg["To"] = ", ".join(target.to)
    msg["X-Svodka-Delivery"] = ",".join(str(i["delivery_id"]) for i in items)
    msg.set_content(render_text(items, v))
    smtp_send(msg, smtp, "the alert")


def send_bot(
    target: Target,
    items: Sequence[Mapping[str, Any]],
    bot: BotSettings,
    http: httpx.Client,
    v: Voice | None = None,
) -> None:
    if not bot.token:
        raise DeliveryError("no bot token: set SVODKA_TELEGRAM_BOT_TOKEN (setting telegram.bot_token)")
    text = html.escape(render_text(items, v or voice(items)))[:4000]
    url = f"{bot.api_url.rstrip('/')}/bot{bot.token}/sendMessage"
    payload = {"chat_id": target.chat, "text": text, "parse_mode": "HTML", "disable_web_page_preview": True}
    try:
        r = http.post(url, json=payload)
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
    except (httpx.HTTPError, ValueError) as e:
        raise DeliveryError(
            f"Telegram Bot API at {bot.api_url}: {str(e).replace(bot.token, '<token>')}"
        ) from None
    if r.status_code != 200 or not body.get("ok"):
        raise DeliveryError(
            f"Telegram Bot API refused the alert: {r.status_code} {body.get('description', '')}"
        )


def send_webhook(
    target: Target, items: Sequence[Mapping[str, Any]], http: httpx.Client, now: datetime
) -> None:
    body = json.dumps(
        {"schema": SCHEMA, "sent_at": now.isoformat().replace("+00:00", "Z"), "alerts": list(items)},
        ensure_ascii=False,
    ).encode()
    ts = int(time.time())
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(ts),
        SIGNATURE_HEADER: sign(target.secret, ts, body),
        DELIVERY_HEADER: ",".join(str(i["delivery_id"]) for i in items),
    }
    try:
        r = http.post(target.url, content=body, headers=headers)
    except httpx.HTTPError as e:
        raise DeliveryError(f"webhook {target.url}: {e}") from None
    if not 200 <= r.status_code < 300:
        raise DeliveryError(f"webhook {target.url} answered {r.status_code} {r.reason_phrase}")


@dataclass(frozen=True, slots=True)
class SendReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    held: int = 0  # in quiet hours or waiting for the batch


def deliver_due(
    store: Store,
    targets: Mapping[str, Target],
    channels: Channels,
    retry: Retry,
    now: datetime,
    on_sent: Callable[[Delivery], None] | None = None,
) -> SendReport:
    """Send every due delivery of every target (see the module's doc); returns what happened."""
    sent = failed = dead = held = 0
    with httpx.Client(timeout=channels.timeout) as http:
        due = store.alerts.due(now)
        by_target: dict[str, list[Delivery]] = {}
        for d in due:
            by_target.setdefault(d.target, []).append(d)
        for name, deliveries in by_target.items():
            t = targets.get(name)
            if t is None:
                store.alerts.mark_failed([d.id for d in deliveries], f"no alert target named {name!r}", None)
                dead += len(deliveries)
                continue
            if t.quiet_now(now):
                held += len(deliveries)
                continue
            if t.batch_minutes > 0:
                last = store.alerts.last_sent(name)
                if last is not None and now - last < timedelta(minutes=t.batch_minutes):
                    held += len(deliveries)
                    continue
                batches = [deliveries]
            elif t.quiet is not None and len(deliveries) > 1:
                batches = [deliveries]  # what quiet hours held goes out as one message
            else:
                batches = [[d] for d in deliveries]
            for batch in batches:
                items = alert_items(batch)
                ids = [d.id for d in batch]
                v = voice(items, channels.language, channels.tz)
                try:
                    if t.kind == "email":
                        send_email(t, items, channels.smtp, v)
                    elif t.kind == "bot":
                        send_bot(t, items, channels.bot, http, v)
                    else:
                        send_webhook(t, items, http, now)
                except DeliveryError as e:
                    attempts = max(d.attempts for d in batch) + 1
                    retry_at = retry.next_at(attempts, now)
                    store.alerts.mark_failed(ids, str(e), retry_at)
                    log.warning("alert delivery to %s failed (attempt %d): %s", name, attempts, e)
                    if retry_at is None:
                        dead += len(batch)
                    else:
                        failed += len(batch)
                    break  # the rest of this target waits for its next attempt
                store.alerts.mark_sent(ids, now)
                sent += len(batch)
                for d in batch:
                    if on_sent is not None:
                        on_sent(d)
    return SendReport(sent, failed, dead, held)
