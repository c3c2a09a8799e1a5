"""Delivery: write files, send e-mail over SMTP, post to a Telegram chat through the Bot API.

Each sender raises :class:`~svodka.errors.DeliveryError` with a one-line reason (the server's own words
where it gave any); nothing is retried silently.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import httpx

from svodka.digest.model import Digest
from svodka.digest.render import digest_subject, render_html, render_json, render_markdown, render_telegram
from svodka.errors import ConfigError, DeliveryError

log = logging.getLogger(__name__)

FORMATS = ("md", "html", "pdf", "docx", "json")
DOCX = "vnd.openxmlformats-officedocument.wordprocessingml.document"


def render_all(digest: Digest, formats: Sequence[str]) -> dict[str, bytes]:
    """``{format: bytes}`` for the asked formats (``md``, ``html``, ``pdf``, ``docx``, ``json``)."""
    out: dict[str, bytes] = {}
    for fmt in formats:
        if fmt == "md":
            out[fmt] = render_markdown(digest).encode()
        elif fmt == "html":
            out[fmt] = render_html(digest).encode()
        elif fmt == "json":
            out[fmt] = render_json(digest).encode()
        elif fmt == "pdf":
            from svodka.digest.pdf import render_pdf

            out[fmt] = render_pdf(digest)
        elif fmt == "docx":
            from svodka.digest.docx import render_docx

            out[fmt] = render_docx(digest)
        else:
            raise ConfigError(f"unknown digest format {fmt!r}; one of: {', '.join(FORMATS)}")
    return out


def write_files(rendered: Mapping[str, bytes], out_dir: str | Path, stem: str = "digest") -> list[Path]:
    """``DIR/digest.<fmt>`` for each rendering; written whole or not at all (temporary file, then rename)."""
    d = Path(out_dir)
    try:
        d.mkdir(parents=True, exist_ok=True)
        paths = []
        for fmt, data in rendered.items():
            path = d / f"{stem}.{fmt}"
            tmp = path.with_name(path.name + ".part")
            tmp.write_bytes(data)
            tmp.replace(path)
            paths.append(path)
    except OSError as e:
        raise DeliveryError(f"{d}: cannot write the digest: {e.strerror or e}") from None
    return paths


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    sender: str = "svodka@localhost"
    user: str = ""
    password: str = ""
    security: str = "none"  # none, starttls, ssl
    timeout: float = 20.0

    @classmethod
    def from_settings(cls, s: Mapping[str, object]) -> SmtpSettings:
        return cls(
            host=str(s["smtp.host"]),
            port=int(s["smtp.port"]),  # type: ignore[call-overload]
            sender=str(s["smtp.sender"]),
            user=str(s["smtp.user"]),
            password=str(s["smtp.password"]),
            security=str(s["smtp.security"]),
            timeout=float(s["network.timeout"]),  # type: ignore[arg-type]
        )


def build_email(
    digest: Digest, to: Sequence[str], sender: str, attach: Mapping[str, bytes] | None = None
) -> EmailMessage:
    """A multipart message: the Markdown as text, the HTML as the alternative, other formats attached."""
    msg = EmailMessage()
    msg["Subject"] = digest_subject(digest)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg.set_content(render_markdown(digest))
    msg.add_alternative(render_html(digest), subtype="html")
    types = {"pdf": ("application", "pdf"), "json": ("application", "json"), "docx": ("application", DOCX)}
    for fmt, data in (attach or {}).items():
        if fmt in types:
            maintype, subtype = types[fmt]
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=f"digest.{fmt}")
    return msg


def send_email(
    digest: Digest, to: Sequence[str], smtp: SmtpSettings, attach: Mapping[str, bytes] | None = None
) -> None:
    if not to:
        raise ConfigError("no e-mail recipient given")
    msg = build_email(digest, to, smtp.sender, attach)
    where = smtp_send(msg, smtp, "the digest")
    log.info("digest e-mailed to %s via %s", ", ".join(to), where)


@dataclass(frozen=True, slots=True)
class BotSettings:
    api_url: str = "https://api.telegram.org"
    token: str = ""
    timeout: float = 20.0

    @classmethod
    def from_settings(cls, s: Mapping[str, object]) -> BotSettings:
        return cls(str(s["telegram.bot_api_url"]), str(s["telegram.bot_token"]), float(s["network.timeout"]))  # type: ignore[arg-type]


def send_telegram(digest: Digest, chat: str, bot: BotSettings, client: httpx.Client | None = None) -> int:
    """Post the digest to ``chat`` (an id or @channel) as HTML messages; returns how many were sent."""
    if not bot.token:
        raise ConfigError("no bot token: set SVODKA_TELEGRAM_BOT_TOKEN (setting telegram.bot_token)")
    url = f"{bot.api_url.rstrip('/')}/bot{bot.token}/sendMessage"
    owned = client is None
    http = client or httpx.Client(timeout=bot.timeout)
    sent = 0
    try:
        for text in render_telegram(digest):
            payload = {"chat_id": chat, "text": text, "parse_mode": "HTML", "disable_web_page_preview": True}
            try:
                r = http.post(url, json=payload)
            except httpx.HTTPError as e:
                reason = str(e).replace(bot.token, "<token>")  # never print the secret
                raise DeliveryError(f"Telegram Bot API at {bot.api_url}: {reason}") from None
            try:
                body = r.json()
            except ValueError:
                body = {}
            if r.status_code != 200 or not body.get("ok"):
                why = body.get("description") or r.reason_phrase
                raise DeliveryError(f"Telegram Bot API refused message {sent + 1}: {r.status_code} {why}")
            sent += 1
    finally:
        if owned:
            http.close()
    return sent


def smtp_send(msg: EmailMessage, smtp: SmtpSettings, what: str) -> str:
    """Send ``msg`` through the configured SMTP server (ssl / starttls / plain, login when a user is set);
    a refusal or a network error is one :class:`DeliveryError` line naming ``what`` was refused. Returns
    where it went (``SMTP host:port``)."""
    where = f"SMTP {smtp.host}:{smtp.port}"
    try:
        client: smtplib.SMTP
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password)
            refused = client.send_message(msg)
    except smtplib.SMTPResponseException as e:
        detail = (
            e.smtp_error.decode(errors="replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
        )
        raise DeliveryError(f"{where} refused {what}: {e.smtp_code} {detail}") from None
    except (smtplib.SMTPException, OSError) as e:
        raise DeliveryError(f"{where}: {e}") from None
    if refused:
        raise DeliveryError(f"{where} refused recipients: {', '.join(refused)}")
    return where
