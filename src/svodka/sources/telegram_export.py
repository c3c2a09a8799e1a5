"""Telegram Desktop "Export chat history" JSON: a single chat's ``result.json`` or a full account export.

A single-chat export is ``{name, type, id, messages: [...]}``; the full account export holds the chats
under ``chats.list[]``, each with the same keys. The file is streamed (:mod:`svodka.sources.json_stream`:
one message's bytes at a time, parsed whole by orjson), so a multi-GB export imports in flat memory and in
time linear in its size, and a message nested deeper than ``json_stream.MAX_DEPTH`` is refused.
Field names follow Telegram Desktop's serializer (``export_output_json.cpp``): ``text`` is a string or
an array of strings and ``{type, text, href}`` parts, ``text_entities`` the same as a flat array,
``forwarded_from``/``forwarded_from_id`` (``channel<id>``/``user<id>``), ``edited_unixtime``, ``reactions``
(``[{type, count, emoji}]``), ``reply_to_message_id``, ``photo``/``file``/``media_type``/``poll``.
Service messages (channel created, photo changed, pinned …) are skipped and counted. A message that is not
what Desktop writes (no date, an id that is not a positive whole number, ``text`` an object …) is skipped
and listed with what was wrong (:meth:`ReadStats.bad`); the rest of the file is imported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from svodka.errors import InputError
from svodka.links import safe_url
from svodka.model import ChannelRef, Entity, ForwardOrigin, Post, from_unix, tg_ext_id
from svodka.sources.files import FileFormat, ReadOptions, ReadStats, first_bad_utf8
from svodka.sources.json_stream import JsonStream, JsonSyntaxError, TooDeep

log = logging.getLogger(__name__)

SERVICE = "service message"
_IN_COLUMNS = frozenset(("text", "text_entities"))
_LINK_TYPES = ("text_link", "link")
# keys whose presence names the media kind when ``media_type`` is absent (photos, plain files, polls …)
_MEDIA_KEYS = (
    ("photo", "photo"),
    ("poll", "poll"),
    ("location_information", "location"),
    ("contact_information", "contact"),
    ("game_title", "game"),
    ("invoice_information", "invoice"),
    ("file", "document"),
)


class BadMessage(ValueError):
    """What is wrong with one message, in words (the message is skipped, the file goes on)."""


def _show(value: Any) -> str:
    text = orjson.dumps(value).decode("utf-8") if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _text(value: Any) -> str:
    """The plain text of ``text``: a string, or an array of strings and ``{type, text}`` parts."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        raise BadMessage(f"text is {_show(value)}, not a string or a list of parts")
    out = []
    for part in value:
        if isinstance(part, dict):
            part = part.get("text", "")
        if not isinstance(part, str):
            raise BadMessage(f"a part of the text is {_show(part)}, not a string")
        out.append(part)
    return "".join(out)


def _entities(msg: Mapping[str, Any]) -> tuple[tuple[Entity, ...], tuple[str, ...]]:
    parts = msg.get("text_entities")
    if not isinstance(parts, list):  # older exports: only the mixed ``text`` array
        text = msg.get("text")
        parts = [p for p in text if isinstance(p, dict)] if isinstance(text, list) else []
    entities: list[Entity] = []
    links: list[str] = []
    for p in parts:
        if not isinstance(p, dict):
            continue
        kind = p.get("type")
        if not isinstance(kind, str) or not kind or kind == "plain":
            continue
        text = p.get("text")
        text = text if isinstance(text, str) else ""
        href = p.get("href")
        url = href if isinstance(href, str) and href else (text if kind == "link" else None)
        if kind in _LINK_TYPES:
            url = safe_url(url)  # javascript:, data: … are not links (svodka.links)
            if url and url not in links:
                links.append(url)
        entities.append(Entity(kind, text, url))
    return tuple(entities), tuple(links)


def _ts(msg: Mapping[str, Any], key: str) -> datetime | None:
    """``<key>_unixtime`` (UTC, exact) or else ``<key>`` (local time of the exporting machine)."""
    unix = msg.get(f"{key}_unixtime")
    if unix not in (None, ""):
        if isinstance(unix, bool) or not isinstance(unix, (int, str)) or not str(unix).lstrip("-").isdigit():
            raise BadMessage(f"{key}_unixtime is {_show(unix)}, not a Unix time")
        return from_unix(int(unix))
    value = msg.get(key)
    if value in (None, ""):
        return None
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
    except (ValueError, TypeError):
        raise BadMessage(f"{key} is {_show(value)}, not a date and time") from None


def _forward(msg: Mapping[str, Any]) -> ForwardOrigin | None:
    name = msg.get("forwarded_from")
    origin = msg.get("forwarded_from_id")
    if not name and not origin:
        return None
    ext_id = None
    # Only a channel or group id names a channel; a user id is kept as the name alone.
    if isinstance(origin, str) and origin.startswith(("channel", "chat")):
        ext_id = tg_ext_id(origin)
    return ForwardOrigin(name=str(name) if name and isinstance(name, str) else None, ext_id=ext_id)


def _media(msg: Mapping[str, Any]) -> str | None:
    kind = msg.get("media_type")
    if isinstance(kind, str) and kind:
        return kind
    for key, name in _MEDIA_KEYS:
        if key in msg:
            return name
    return None


def _count(msg: Mapping[str, Any], key: str) -> int | None:
    """A count (``views``, a reaction's ``count``): a whole number ≥ 0, or absent."""
    value = msg.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadMessage(f"{key} is {_show(value)}, not a count")
    return value


def _reactions(msg: Mapping[str, Any]) -> int | None:
    value = msg.get("reactions")
    if value is None:
        return None
    if not isinstance(value, list):
        raise BadMessage(f"reactions is {_show(value)}, not a list")
    return sum(_count(r, "count") or 0 for r in value if isinstance(r, dict))


def _id(msg: Mapping[str, Any], key: str, required: bool = False) -> int | None:
    value = msg.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 1 << 63:
        what = "no id" if value is None else f"{key} is {_show(value)}, not a positive whole number"
        raise BadMessage(what)
    return value


def to_post(msg: Mapping[str, Any], channel: ChannelRef) -> Post:
    """One ``messages[]`` entry of type ``message`` as a Post; :class:`BadMessage` (a ValueError) saying
    what is wrong if it is not one."""
    message_id = _id(msg, "id", required=True)
    assert message_id is not None
    date = _ts(msg, "date")
    if date is None:
        raise BadMessage("no date")
    entities, links = _entities(msg)
    author = msg.get("author") or msg.get("from")
    return Post(
        channel=channel,
        message_id=message_id,
        date=date,
        text=_text(msg.get("text")),
        entities=entities,
        links=links,
        views=_count(msg, "views"),
        forwards=_count(msg, "forwards"),
        reactions=_reactions(msg),
        forward=_forward(msg),
        reply_to=_id(msg, "reply_to_message_id"),
        media=_media(msg),
        edited=_ts(msg, "edited"),
        author=author if isinstance(author, str) and author else None,
        # The text and its entities live in their own columns; raw keeps the rest of the record, compactly.
        raw={k: v for k, v in msg.items() if k not in _IN_COLUMNS},
    )


def _chat_ref(chat: Mapping[str, Any]) -> ChannelRef:
    name = chat.get("name")
    return ChannelRef(ext_id=tg_ext_id(chat.get("id")), title=str(name) if name else None)


def _scalar(raw: bytes) -> str | int | float | None:
    value = orjson.loads(raw)
    return value if isinstance(value, (str, int, float)) and not isinstance(value, bool) else None


class _Reader:
    """Walks the document with a :class:`JsonStream`; parses one message at a time under any
    ``messages[]`` of the top level or of ``chats.list[]`` / ``left_chats.list[]``."""

    def __init__(self, path: Path, opts: ReadOptions, stats: ReadStats) -> None:
        self.path = path
        self.opts = opts
        self.stats = stats
        self.count = 0
        self.seen = False  # a messages[] array
        self.full = False  # chats / left_chats: a whole-account export

    def posts(self, js: JsonStream) -> Iterator[Post]:
        if js.peek() != 0x7B:
            raise InputError(self.path, "not a Telegram Desktop export (the JSON is not an object)")
        yield from self._chat(js, {}, top=True)
        if not self.seen:
            if self.full:
                raise InputError(self.path, "no chats.list[].messages[] in this export")
            raise InputError(self.path, "no messages[] in this file: not a Telegram Desktop chat export")

    def _chat(self, js: JsonStream, chat: dict[str, Any], top: bool) -> Iterator[Post]:
        """The posts of one chat object and, at the top, of ``chats.list[]``/``left_chats.list[]``."""
        for key in js.members():
            kind = js.peek()
            if key in ("name", "id", "type") and kind not in (0x5B, 0x7B):
                chat[key] = _scalar(js.value_bytes())
            elif key == "messages" and kind == 0x5B:
                channel: ChannelRef | None = None
                for _ in js.items():
                    msg = js.value()
                    if channel is None:
                        channel = self._channel(chat)
                    yield from self._message(msg, channel, js)
                self.seen = True
            elif top and key in ("chats", "left_chats") and kind == 0x7B:
                self.full = True
                for sub in js.members():
                    if sub != "list" or js.peek() != 0x5B:
                        js.skip_value()
                        continue
                    for _ in js.items():
                        if js.peek() == 0x7B:
                            yield from self._chat(js, {}, top=False)
                        else:
                            js.skip_value()
            else:
                js.skip_value()

    def _channel(self, chat: Mapping[str, Any]) -> ChannelRef:
        channel = _chat_ref(chat)
        if channel.tg_id is None and not channel.title:
            if not self.opts.channel:
                raise InputError(self.path, "the export names no chat (no name or id); give --channel")
            channel = ChannelRef(title=self.opts.channel)
        return channel

    def _message(self, msg: object, channel: ChannelRef, js: JsonStream) -> Iterator[Post]:
        self.count += 1
        where = f"message {self.count}, near byte {js.offset}"
        self.stats.position = where
        if self.opts.on_bytes and self.count % 4096 == 0:
            self.opts.on_bytes(js.offset)
        if not isinstance(msg, dict):
            self.stats.bad(where, f"a messages[] entry is {_show(msg)}, not an object")
            return
        mid = msg.get("id")
        ident = "no id" if mid is None else f"id {mid if isinstance(mid, int) else _show(mid)}"
        where = f"message {self.count} ({ident}), near byte {js.offset}"
        self.stats.position = where
        if msg.get("type", "message") != "message":
            self.stats.skip(SERVICE)
            return
        try:
            post = to_post(msg, channel)
        except (ValueError, TypeError, AttributeError, OverflowError) as e:
            self.stats.bad(where, str(e))
            return
        yield post


def read(path: Path, opts: ReadOptions, stats: ReadStats) -> Iterator[Post]:
    reader = _Reader(path, opts, stats)
    with path.open("rb") as fh:
        js = JsonStream(fh)
        try:
            yield from reader.posts(js)
        except TooDeep as e:
            raise InputError(path, f"JSON {e}: not a Telegram Desktop export", f"byte {e.offset}") from None
        except JsonSyntaxError as e:
            raise InputError(
                path, str(e) if e.truncated else f"not valid JSON: {e}", f"near byte {e.offset}"
            ) from None
        except orjson.JSONDecodeError as e:
            if "UTF-8" in e.msg:
                raise InputError(path, "not UTF-8 text", first_bad_utf8(path)) from None
            where = f"message {reader.count + 1}, near byte {js.offset}"
            if "depth" in e.msg or "recursion" in e.msg:
                what = "JSON nested too deep: not a Telegram Desktop export"
                raise InputError(path, what, where) from None
            raise InputError(path, f"not valid JSON: {e.msg}", where) from None
        except UnicodeDecodeError:
            raise InputError(path, "not UTF-8 text", first_bad_utf8(path)) from None


def _sniff(head: bytes, path: Path) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not start.startswith(b"{"):
        return False
    return b'"messages"' in head or (b'"chats"' in head and b'"list"' in head) or path.name == "result.json"


FORMATS = [
    FileFormat(
        "telegram-json",
        "Telegram Desktop export, JSON (result.json, single chat or whole account)",
        _sniff,
        read,
    ),
]
