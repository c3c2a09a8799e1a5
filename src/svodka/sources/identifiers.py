"""Channel identifiers as users paste them: ``@name``, ``name``, ``t.me/name``, ``t.me/s/name``,
``https://telegram.me/name``, ``t.me/name/123``, numeric ``-100…`` ids, feed URLs. The sources that read
each form call these (see :mod:`svodka.collect.registry`, whose ``parse_channel`` asks them in turn)."""

from __future__ import annotations

import re

from svodka.errors import InputError
from svodka.model import PLATFORM_RSS, PLATFORM_TELEGRAM, ChannelRef, tg_ext_id

_TME = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/(?:s/)?@?([A-Za-z0-9_]{3,64})(?:/\d+)?/?(?:\?.*)?",
    re.IGNORECASE,
)
_TME_ANY = re.compile(r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/(.*)", re.IGNORECASE)
_TME_PRIVATE = re.compile(r"c/(\d+)(?:/\d+)?/?")
_TG_RESOLVE = re.compile(r"tg://resolve\?(?:.*&)?domain=([A-Za-z0-9_]{3,64})(?:&.*)?", re.IGNORECASE)
_NOT_HANDLES = {"joinchat", "c", "s", "addstickers", "addemoji", "share", "proxy", "socks", "iv", "login"}
_HANDLE = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{2,64})")
_NUMERIC = re.compile(r"-?\d{5,}")


def handle_of(text: str) -> str | None:
    """The lower-case username ``text`` names, or None if it is not a handle or t.me link."""
    text = text.strip()
    m = _TME.fullmatch(text) or _TG_RESOLVE.fullmatch(text) or _HANDLE.fullmatch(text)
    if not m or m.group(1).lower() in _NOT_HANDLES:
        return None
    return m.group(1).lower()


def telegram_handle_ref(text: str) -> ChannelRef | None:
    """A public Telegram channel by username: ``@name``, ``name``, ``t.me/name``, ``t.me/s/name`` …"""
    handle = handle_of(text)
    return None if handle is None else ChannelRef(PLATFORM_TELEGRAM, handle=handle)


def telegram_id_ref(text: str) -> ChannelRef | None:
    """A Telegram channel by numeric id (``-100…``, ``123…``) or a private post link ``t.me/c/<id>/<post>``;
    InputError for an invite or service link, which names no channel one can follow."""
    raw = text.strip()
    if _NUMERIC.fullmatch(raw):
        return ChannelRef(PLATFORM_TELEGRAM, ext_id=tg_ext_id(raw))
    tme = _TME_ANY.fullmatch(raw)
    if tme is None:
        return None
    private = _TME_PRIVATE.fullmatch(tme.group(1))
    if private:  # t.me/c/<id>/<post>: a link to a post, readable only through MTProto
        return ChannelRef(PLATFORM_TELEGRAM, ext_id=tg_ext_id(private.group(1)))
    raise InputError(
        "<argument>",
        f"{raw!r} is an invite or service link, not a public channel: join it in Telegram, then add it "
        "by its -100… id (read through MTProto)",
    )


def feed_ref(text: str) -> ChannelRef | None:
    """An RSS/Atom feed by its http(s) URL (kept as given: a URL's path is case-sensitive)."""
    raw = text.strip()
    return ChannelRef(PLATFORM_RSS, handle=raw) if re.match(r"https?://", raw) else None
