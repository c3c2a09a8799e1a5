"""Telegram through the MTProto API with the user's own account (Telethon, the optional extra
``svodka[mtproto]``): channels without a web preview, exact edit dates, forwards with channel ids.

:func:`message_to_post` maps ``telethon.tl.types.Message`` to :class:`~svodka.model.Post`;
:class:`TelethonSource` wraps a client (anything with Telethon's ``get_entity`` / ``get_messages``, see
:class:`MessageClient`) and turns FloodWait into :class:`~svodka.errors.RateLimited` — Telethon's own
silent sleeping is switched off (``flood_sleep_threshold=0``) so every wait is logged, shown in
`svodka status`, and never cut short.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from svodka.errors import ConfigError, RateLimited, SourceError
from svodka.links import safe_url
from svodka.model import ChannelRef, Entity, ForwardOrigin, Post, utc

log = logging.getLogger(__name__)

_ENTITY_TYPES = {
    "MessageEntityBold": "bold",
    "MessageEntityItalic": "italic",
    "MessageEntityUnderline": "underline",
    "MessageEntityStrike": "strikethrough",
    "MessageEntityCode": "code",
    "MessageEntityPre": "pre",
    "MessageEntitySpoiler": "spoiler",
    "MessageEntityBlockquote": "blockquote",
    "MessageEntityUrl": "url",
    "MessageEntityTextUrl": "text_link",
    "MessageEntityMention": "mention",
    "MessageEntityMentionName": "mention_name",
    "MessageEntityHashtag": "hashtag",
    "MessageEntityCashtag": "cashtag",
    "MessageEntityEmail": "email",
    "MessageEntityPhone": "phone",
    "MessageEntityBotCommand": "bot_command",
    "MessageEntityCustomEmoji": "custom_emoji",
}


class MessageClient(Protocol):
    """The part of ``telethon.TelegramClient`` the source uses (tests pass a fake)."""

    async def get_entity(self, entity: Any) -> Any: ...

    async def get_messages(self, entity: Any, *args: Any, **kwargs: Any) -> Any: ...


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?!\d)")  # "javascript:", not "localhost:8080"


def _utf16_slice(text: str, offset: int, length: int) -> str:
    """Telegram counts entity offsets in UTF-16 code units (an emoji can be two)."""
    encoded = text.encode("utf-16-le")
    return encoded[offset * 2 : (offset + length) * 2].decode("utf-16-le", errors="ignore")


def entities_of(text: str, entities: Sequence[Any] | None) -> tuple[tuple[Entity, ...], tuple[str, ...]]:
    """Flattened entities and the message's outgoing links."""
    out: list[Entity] = []
    links: list[str] = []
    for e in entities or ():
        kind = _ENTITY_TYPES.get(type(e).__name__)
        if kind is None:
            continue
        span = _utf16_slice(text, e.offset, e.length)
        url = getattr(e, "url", None)
        if kind == "url":
            # as Telegram opens it: a bare address over https; one with a scheme as written (and checked)
            url = span if "://" in span or _SCHEME.match(span) else f"https://{span}"
        url = safe_url(url)  # javascript:, data: … stay text (svodka.links)
        if kind in ("url", "text_link") and url:
            links.append(url)
        out.append(Entity(kind, span, url))
    return tuple(out), tuple(dict.fromkeys(links))


def media_kind(media: Any) -> str | None:
    """photo, video, round_video, voice, audio, sticker, animation, document, poll, webpage, location, …"""
    if media is None:
        return None
    name = type(media).__name__
    if name == "MessageMediaEmpty":
        return None
    if name == "MessageMediaDocument":
        attrs = {
            type(a).__name__: a for a in getattr(getattr(media, "document", None), "attributes", None) or ()
        }
        video = attrs.get("DocumentAttributeVideo")
        audio = attrs.get("DocumentAttributeAudio")
        if "DocumentAttributeSticker" in attrs:
            return "sticker"
        if "DocumentAttributeAnimated" in attrs:
            return "animation"
        if video is not None:
            return "round_video" if getattr(video, "round_message", False) else "video"
        if audio is not None:
            return "voice" if getattr(audio, "voice", False) else "audio"
        return "document"
    simple = {
        "MessageMediaPhoto": "photo",
        "MessageMediaPoll": "poll",
        "MessageMediaWebPage": "webpage",
        "MessageMediaGeo": "location",
        "MessageMediaGeoLive": "location",
        "MessageMediaVenue": "location",
        "MessageMediaContact": "contact",
        "MessageMediaDice": "dice",
        "MessageMediaGame": "game",
        "MessageMediaInvoice": "invoice",
        "MessageMediaStory": "story",
        "MessageMediaGiveaway": "giveaway",
        "MessageMediaPaidMedia": "paid_media",
    }
    return simple.get(name, "unsupported")


def _forward(fwd: Any) -> ForwardOrigin | None:
    if fwd is None:
        return None
    peer = getattr(fwd, "from_id", None)
    tg_id = (
        getattr(peer, "channel_id", None) or getattr(peer, "user_id", None) or getattr(peer, "chat_id", None)
    )
    return ForwardOrigin(
        name=getattr(fwd, "from_name", None) or getattr(fwd, "post_author", None),
        ext_id=None if tg_id is None else str(tg_id),
        message_id=getattr(fwd, "channel_post", None),
    )


def _reactions(reactions: Any) -> int | None:
    if reactions is None:
        return None
    return sum(int(getattr(r, "count", 0) or 0) for r in getattr(reactions, "results", None) or ())


def message_to_post(msg: Any, channel: ChannelRef) -> Post | None:
    """A Telethon message as a Post; None for service messages (pins, title changes) and empties."""
    if type(msg).__name__ != "Message" or msg.date is None:
        return None
    text = msg.message or ""
    entities, links = entities_of(text, msg.entities)
    media = msg.media
    page_url = safe_url(getattr(getattr(media, "webpage", None), "url", None))
    if page_url:
        links = tuple(dict.fromkeys((*links, page_url)))
    reply = msg.reply_to
    return Post(
        channel=channel,
        message_id=int(msg.id),
        date=utc(msg.date),
        text=text,
        entities=entities,
        links=links,
        views=msg.views,
        forwards=msg.forwards,
        reactions=_reactions(msg.reactions),
        forward=_forward(msg.fwd_from),
        reply_to=getattr(reply, "reply_to_msg_id", None),
        media=media_kind(media),
        edited=utc(msg.edit_date) if msg.edit_date and not msg.edit_hide else None,
        author=msg.post_author,
    )


@dataclass(frozen=True, slots=True)
class ResolvedChannel:
    tg_id: int
    handle: str | None
    title: str | None
    entity: Any  # what the client wants back in get_messages


class TelethonSource:
    """Channel history through a connected client, with FloodWait as :class:`RateLimited`."""

    def __init__(self, client: MessageClient) -> None:
        self.client = client

    async def _call(self, what: str, coro: Any) -> Any:
        from telethon import errors

        try:
            return await coro
        except errors.FloodWaitError as e:
            log.warning("Telegram FloodWait on %s: waiting %d s before the next request", what, e.seconds)
            raise RateLimited(
                f"Telegram asked us to wait {e.seconds} s (FloodWait) on {what}", e.seconds
            ) from None
        except (
            errors.UsernameNotOccupiedError,
            errors.UsernameInvalidError,
            errors.ChannelPrivateError,
        ) as e:
            raise SourceError(f"{what}: {type(e).__name__} (renamed, private or deleted?)") from None
        except errors.RPCError as e:
            raise SourceError(f"{what}: Telegram error {type(e).__name__}: {e}") from None
        except ValueError as e:  # get_entity: "No user has … as username"
            raise SourceError(f"{what}: {e}") from None
        except (ConnectionError, OSError) as e:
            raise SourceError(f"{what}: connection to Telegram failed ({e})") from None

    async def resolve(self, name: str | int) -> ResolvedChannel:
        """A username (or numeric id) → the channel; callers cache the id so this runs once."""
        entity = await self._call(f"resolve {name}", self.client.get_entity(name))
        return ResolvedChannel(
            tg_id=int(entity.id),
            handle=(getattr(entity, "username", None) or None),
            title=getattr(entity, "title", None),
            entity=entity,
        )

    async def input_entity(self, peer: Any) -> Any:
        """``peer`` as the client can use it (from the session's entity cache), SourceError if unknown."""
        get = getattr(self.client, "get_input_entity", None)
        if get is None:
            return peer
        return await self._call(f"channel {getattr(peer, 'channel_id', peer)}", get(peer))

    async def newest(self, entity: Any, limit: int, offset_id: int = 0) -> list[Any]:
        """Up to ``limit`` messages older than ``offset_id`` (0: the newest), newest first."""
        return list(
            await self._call("history", self.client.get_messages(entity, limit=limit, offset_id=offset_id))
        )

    async def after(self, entity: Any, min_id: int, limit: int) -> list[Any]:
        """Up to ``limit`` messages with id > ``min_id``, oldest first."""
        return list(
            await self._call(
                "new messages", self.client.get_messages(entity, limit=limit, min_id=min_id, reverse=True)
            )
        )


# --- connecting ---------------------------------------------------------------------------------------
def proxy_args(url: str) -> dict[str, Any]:
    """Telethon keyword arguments for ``socks5://``, ``socks4://``, ``http://`` or ``mtproxy://SECRET@host:port``."""
    if not url:
        return {}
    parts = urlsplit(url)
    if not parts.hostname or not parts.port:
        raise ConfigError(f"collect.mtproto_proxy: {url!r} needs a host and a port")
    if parts.scheme == "mtproxy":
        from telethon import connection

        secret = unquote(parts.username or "")
        if not secret:
            raise ConfigError("collect.mtproto_proxy: mtproxy://SECRET@host:port needs the proxy's secret")
        return {
            "connection": connection.ConnectionTcpMTProxyRandomizedIntermediate,
            "proxy": (parts.hostname, parts.port, secret),
        }
    if parts.scheme not in ("socks5", "socks4", "http"):
        raise ConfigError(
            f"collect.mtproto_proxy: unsupported scheme {parts.scheme!r} (socks5, socks4, http, mtproxy)"
        )
    proxy: dict[str, Any] = {
        "proxy_type": parts.scheme,
        "addr": parts.hostname,
        "port": parts.port,
        "rdns": True,
    }
    if parts.username:
        proxy.update(username=unquote(parts.username), password=unquote(parts.password or ""))
    return {"proxy": proxy}


def _client(settings: Mapping[str, Any], proxy: str) -> Any:
    try:
        from telethon import TelegramClient
        from telethon.sessions import StringSession
    except ImportError:
        raise ConfigError("the MTProto source needs Telethon: pip install 'svodka[mtproto]'") from None
    api_id, api_hash = settings["telegram.api_id"], settings["telegram.api_hash"]
    if not api_id or not api_hash:
        raise ConfigError(
            "MTProto needs telegram.api_id and telegram.api_hash (from my.telegram.org), e.g. in "
            "SVODKA_TELEGRAM_API_ID / SVODKA_TELEGRAM_API_HASH"
        )
    session_value = str(settings["telegram.session"])
    # A long opaque value is a session string (StringSession.save()); anything else is a file path.
    session: Any = (
        StringSession(session_value)
        if len(session_value) > 100 and "/" not in session_value
        else (str(Path(session_value)))
    )
    return TelegramClient(session, int(api_id), api_hash, flood_sleep_threshold=0, **proxy_args(proxy))


@asynccontextmanager
async def connect(settings: Mapping[str, Any], proxy: str = "") -> AsyncIterator[TelethonSource]:
    """A signed-in :class:`TelethonSource`; ConfigError pointing to `svodka login` if not signed in."""
    client = _client(settings, proxy)
    try:
        await client.connect()
    except OSError as e:
        raise SourceError(
            f"cannot reach Telegram's MTProto servers ({e}); set collect.mtproto_proxy?"
        ) from None
    try:
        if not await client.is_user_authorized():
            raise ConfigError("the MTProto session is not signed in: run `svodka login` once")
        yield TelethonSource(client)
    finally:
        await client.disconnect()


async def login(settings: Mapping[str, Any], proxy: str = "") -> str:
    """Interactive one-time sign-in (phone, code, 2FA password prompted by Telethon); returns who."""
    client = _client(settings, proxy)
    await client.start()
    try:
        me = await client.get_me()
        return str(getattr(me, "username", None) or getattr(me, "first_name", None) or me.id)
    finally:
        await client.disconnect()


def oldest_date(messages: Sequence[Any]) -> datetime | None:
    dates = [m.date for m in messages if getattr(m, "date", None) is not None]
    return min(dates) if dates else None
