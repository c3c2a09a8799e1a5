"""Telegram Desktop "Export chat history" JSON: a single chat's ``result.json`` or a full account export.

A single-chat export is ``{name, type, id, messages: [...]}``; the full account export holds the chats
under ``chats.list[]``, each with the same keys. The file is streamed with ijson (the C yajl2 backend
where installed), so a multi-GB export imports in flat memory: only one message is built at a time.
Field names follow Telegram Desktop's serializer (``export_output_json.cpp``): ``text`` is a string or
an array of strings and ``{type, text, href}`` parts, ``text_entities`` the same as a flat array,
``forwarded_from``/``forwarded_from_id`` (``channel<id>``/``user<id>``), ``edited_unixtime``, ``reactions``
(``[{type, count, emoji}]``), ``reply_to_message_id``, ``photo``/``file``/``media_type``/``poll``.
Service messages (channel created, photo changed, pinned …) are skipped and counted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import ijson

from svodka.errors import InputError
from svodka.model import ChannelRef, Entity, ForwardOrigin, Post, from_unix, tg_ext_id
from svodka.sources.files import FileFormat, ReadOptions, ReadStats, first_bad_utf8

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


class _CountingReader:
    """A binary file wrapper that knows how many bytes the parser has pulled (for error positions)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.pos = 0

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.pos += len(data)
        return data


def _text(value: Any) -> str:
    """The plain text of ``text``: a string, or an array of strings and ``{type, text}`` parts."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(
            p if isinstance(p, str) else str(p.get("text", "")) if isinstance(p, dict) else "" for p in value
        )
    return "" if value is None else str(value)


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
        kind = str(p.get("type") or "")
        if not kind or kind == "plain":
            continue
        text = str(p.get("text") or "")
        href = p.get("href")
        url = str(href) if href else (text if kind == "link" else None)
        entities.append(Entity(kind, text, url))
        if kind in _LINK_TYPES and url and url not in links:
            links.append(url)
    return tuple(entities), tuple(links)


def _ts(msg: Mapping[str, Any], key: str) -> datetime | None:
    """``<key>_unixtime`` (UTC, exact) or else ``<key>`` (local time of the exporting machine)."""
    unix = msg.get(f"{key}_unixtime")
    if unix not in (None, ""):
        return from_unix(int(unix))
    value = msg.get(key)
    if not value:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _forward(msg: Mapping[str, Any]) -> ForwardOrigin | None:
    name = msg.get("forwarded_from")
    origin = msg.get("forwarded_from_id")
    if not name and not origin:
        return None
    ext_id = None
    # Only a channel or group id names a channel; a user id is kept as the name alone.
    if isinstance(origin, str) and origin.startswith(("channel", "chat")):
        ext_id = tg_ext_id(origin)
    return ForwardOrigin(name=str(name) if name else None, ext_id=ext_id)


def _media(msg: Mapping[str, Any]) -> str | None:
    kind = msg.get("media_type")
    if kind:
        return str(kind)
    for key, name in _MEDIA_KEYS:
        if key in msg:
            return name
    return None


def _reactions(msg: Mapping[str, Any]) -> int | None:
    value = msg.get("reactions")
    if not isinstance(value, list):
        return None
    return sum(int(r.get("count") or 0) for r in value if isinstance(r, dict))


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def to_post(msg: Mapping[str, Any], channel: ChannelRef) -> Post:
    """One ``messages[]`` entry of type ``message`` as a Post (ValueError/TypeError/KeyError if malformed)."""
    date = _ts(msg, "date")
    if date is None:
        raise ValueError("message has no date")
    entities, links = _entities(msg)
    author = msg.get("author") or msg.get("from")
    return Post(
        channel=channel,
        message_id=int(msg["id"]),
        date=date,
        text=_text(msg.get("text")),
        entities=entities,
        links=links,
        reactions=_reactions(msg),
        forward=_forward(msg),
        reply_to=_int(msg.get("reply_to_message_id")),
        media=_media(msg),
        edited=_ts(msg, "edited"),
        author=str(author) if author else None,
        # The text and its entities live in their own columns; raw keeps the rest of the record, compactly.
        raw={k: v for k, v in msg.items() if k not in _IN_COLUMNS},
    )


def _chat_ref(chat: Mapping[str, Any]) -> ChannelRef:
    name = chat.get("name")
    return ChannelRef(ext_id=tg_ext_id(chat.get("id")), title=str(name) if name else None)


class _Reader:
    """Walks the event stream; builds one message at a time under ``messages.item`` (any depth)."""

    def __init__(self, path: Path, opts: ReadOptions, stats: ReadStats) -> None:
        self.path = path
        self.opts = opts
        self.stats = stats
        self.count = 0
        self.src = _CountingReader(None)  # type: ignore[arg-type]

    def posts(self, fh: IO[bytes]) -> Iterator[Post]:
        """Look at the head to tell a single chat from a full export, then stream the messages."""
        self.src = _CountingReader(fh)
        chat: dict[str, Any] = {}
        for prefix, event, value in ijson.parse(self.src, use_float=True):
            if prefix in ("name", "id", "type") and event in ("string", "number"):
                chat[prefix] = value
            elif prefix == "messages" and event == "start_array":
                break
            elif prefix == "chats" and event == "start_map":
                fh.seek(0)
                self.src = _CountingReader(fh)
                yield from self._full_export()
                return
        else:
            raise InputError(self.path, "no messages[] in this file: not a Telegram Desktop chat export")
        # The single-chat case: ijson.items runs in C with yajl2_c (see benchmarks/bench_import.py).
        fh.seek(0)
        self.src = _CountingReader(fh)
        channel = self._channel(chat)
        for msg in ijson.items(self.src, "messages.item", use_float=True):
            yield from self._message(msg, channel)

    def _full_export(self) -> Iterator[Post]:
        """``chats.list[]`` (and ``left_chats.list[]``): one message is built at a time from the events."""
        chat: dict[str, Any] = {}
        channel: ChannelRef | None = None
        builder: Any = None
        depth = 0
        seen = False
        for prefix, event, value in ijson.parse(self.src, use_float=True):
            if builder is not None:
                builder.event(event, value)
                if event in ("start_map", "start_array"):
                    depth += 1
                elif event in ("end_map", "end_array"):
                    depth -= 1
                    if depth == 0:
                        msg, builder = builder.value, None
                        if channel is None:
                            channel = self._channel(chat)
                        yield from self._message(msg, channel)
            elif event == "start_map" and prefix in ("chats.list.item", "left_chats.list.item"):
                chat, channel = {}, None
            elif event == "start_map" and prefix.endswith(".list.item.messages.item"):
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
                depth, seen = 1, True
            elif event in ("string", "number") and prefix.endswith((".list.item.name", ".list.item.id")):
                chat[prefix.rsplit(".", 1)[-1]] = value
        if not seen:
            raise InputError(self.path, "no chats.list[].messages[] in this export")

    def _channel(self, chat: Mapping[str, Any]) -> ChannelRef:
        channel = _chat_ref(chat)
        if channel.tg_id is None and not channel.title:
            if not self.opts.channel:
                raise InputError(self.path, "the export names no chat (no name or id); give --channel")
            channel = ChannelRef(title=self.opts.channel)
        return channel

    def _message(self, msg: Any, channel: ChannelRef) -> Iterator[Post]:
        self.count += 1
        mid = msg.get("id") if isinstance(msg, dict) else None
        where = f"message {self.count} (id {mid}), near byte {self.src.pos}"
        self.stats.position = where
        if self.opts.on_bytes and self.count % 4096 == 0:
            self.opts.on_bytes(self.src.pos)
        if not isinstance(msg, dict):
            raise InputError(self.path, "a messages[] entry is not an object", where)
        if msg.get("type", "message") != "message":
            self.stats.skip(SERVICE)
            return
        try:
            yield to_post(msg, channel)
        except (KeyError, ValueError, TypeError, AttributeError, OverflowError) as e:
            raise InputError(self.path, f"bad message: {type(e).__name__}: {e}", where) from None


def read(path: Path, opts: ReadOptions, stats: ReadStats) -> Iterator[Post]:
    reader = _Reader(path, opts, stats)
    with path.open("rb") as fh:
        try:
            yield from reader.posts(fh)
        except ijson.IncompleteJSONError as e:
            truncated = "premature EOF" in _first_line(e) or (not str(e).strip() and _at_eof(fh))
            what = "file ends in the middle of the JSON (truncated?)" if truncated else "not valid JSON"
            where = f"near byte {reader.src.pos}"
            if "UTF8" in _first_line(e):
                what, where = "not UTF-8 text", first_bad_utf8(path)
            raise InputError(path, f"{what}: {_first_line(e)}", where) from None
        except ijson.JSONError as e:
            raise InputError(
                path, f"not valid JSON: {_first_line(e)}", f"near byte {reader.src.pos}"
            ) from None
        except UnicodeDecodeError as e:
            raise InputError(path, f"not UTF-8 text ({e.reason})", f"near byte {reader.src.pos}") from None


def _at_eof(fh: IO[bytes]) -> bool:
    try:
        return fh.read(1) == b""
    except OSError:
        return False


def _first_line(e: Exception) -> str:
    """yajl's message without the excerpt it appends (which may hold the very bytes that are broken)."""
    arg = e.args[0] if e.args else ""
    raw = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(e)
    text = raw.strip().splitlines()
    return text[0].strip() if text else type(e).__name__


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
