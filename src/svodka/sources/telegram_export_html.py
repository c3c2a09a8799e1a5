"""Telegram Desktop "Export chat history" HTML: ``messages.html``, ``messages2.html`` … of one chat.

Each page holds at most ~1000 messages (Telegram Desktop splits the export), so a page is parsed whole
with selectolax; memory stays flat over a many-page export because pages are separate files.
Markup (Telegram Desktop ``export_output_html.cpp``): ``div.message.default`` with an ``id="message<N>"``,
``div.body`` holding ``div.date[title="DD.MM.YYYY HH:MM:SS UTC+HH:MM"]``, ``div.from_name`` (left out on
"joined" messages that continue the previous sender), ``div.text``, ``div.reply_to`` and, for a forward,
``div.forwarded.body`` with the origin's ``from_name`` and the text. ``div.message.service`` (date
separators, "channel created", pins) are skipped; only those with a positive id are counted as service
messages, the negative ones are Desktop's own date headers. ``<script>``, ``<style>``, ``<template>`` and
``<noscript>`` are not text: they are dropped before anything is read. A message that cannot be read (no
date, markup nested deeper than :data:`MAX_DEPTH`) is skipped and listed (:meth:`ReadStats.bad`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from svodka.errors import InputError
from svodka.links import safe_url
from svodka.model import ChannelRef, Entity, ForwardOrigin, Post
from svodka.sources.files import FileFormat, ReadOptions, ReadStats

SERVICE = "service message"
_DATE = re.compile(r"(\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d):(\d\d)(?: UTC([+-])(\d\d):(\d\d))?")
_GOTO = re.compile(r"GoToMessage\((\d+)\)|go_to_message(\d+)")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_NOT_TEXT = ["script", "style", "template", "noscript"]
MAX_DEPTH = 64  # elements inside one message; Desktop writes ~8 (reading each costs its depth in time)
# The whole page, checked on the markup before parsing: an HTML parser spends the depth of open elements on
# every <div> it opens (the "p in button scope" check), so 30,000 nested <div> take lexbor seconds.
MAX_PAGE_DEPTH = 512
_TAG = re.compile(rb"<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*?(/?)>")
_VOID = frozenset(
    b"area base br col embed hr img input link meta param source track wbr".split()
)  # elements that never hold others
_MAX_PAGE = 256 << 20  # a Desktop page is well under a few MB; refuse absurd inputs instead of eating RAM
_MEDIA = {
    "media_photo": "photo",
    "photo_wrap": "photo",
    "sticker_wrap": "sticker",
    "animated_wrap": "animation",
    "video_file_wrap": "video_file",
    "media_video": "video_file",
    "media_file": "document",
    "media_audio_file": "audio_file",
    "media_voice_message": "voice_message",
    "media_poll": "poll",
    "media_location": "location",
    "media_contact": "contact",
}


def parse_date(title: str) -> datetime:
    m = _DATE.search(title)
    if not m:
        raise ValueError(f"not a Telegram Desktop date: {title!r}")
    d, mo, y, h, mi, s = (int(x) for x in m.groups()[:6])
    tz = UTC
    if m.group(7):
        off = timedelta(hours=int(m.group(8)), minutes=int(m.group(9)))
        tz = timezone(off if m.group(7) == "+" else -off)
    return datetime(y, mo, d, h, mi, s, tzinfo=tz).astimezone(UTC)


def _classes(node: Node) -> set[str]:
    return set((node.attributes.get("class") or "").split())


def _children(node: Node, cls: str) -> list[Node]:
    return [c for c in node.iter() if cls in _classes(c)]


def _text_of(node: Node, strip: bool = True) -> str:
    """The visible text of a node: ``<br>`` become line breaks, HTML entities are decoded."""
    html = node.html or ""
    if "<br" in html:
        node = HTMLParser(_BR.sub("\n", html)).body or node
    text = node.text(deep=True) or ""
    return text.strip() if strip else text


_TAGS = {
    "strong": "bold",
    "b": "bold",
    "em": "italic",
    "i": "italic",
    "u": "underline",
    "s": "strikethrough",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}


def _entity(el: Node) -> Entity | None:
    """The JSON export's entity for one formatting element of a ``div.text`` (same type, text and url)."""
    tag = el.tag or ""
    if tag in _TAGS:
        return Entity(_TAGS[tag], _text_of(el, strip=False), None)
    if tag == "span" and "spoiler" in _classes(el):
        return Entity("spoiler", _text_of(el, strip=False), None)
    if tag != "a":
        return None
    text = _text_of(el, strip=False)
    href = el.attributes.get("href") or ""
    onclick = el.attributes.get("onclick") or ""
    if "ShowHashtag" in onclick:
        return Entity("cashtag" if text.startswith("$") else "hashtag", text, None)
    if "ShowMention" in onclick or (text.startswith("@") and href.startswith("https://t.me/")):
        return Entity("mention", text, None)
    if href.startswith("mailto:"):
        return Entity("email", text, None)
    if href.startswith("tel:"):
        return Entity("phone", text, None)
    if href in (text, f"http://{text}", f"https://{text}"):
        return Entity("link", text, safe_url(text))
    if href and not href.startswith(("http://", "https://", "tg://", "#")):
        return Entity("custom_emoji", text, None)  # a local sticker file for the emoji
    return Entity("text_link", text, safe_url(href))  # as the JSON reader: svodka.links


def _entities(node: Node) -> tuple[Entity, ...]:
    out = []
    for el in node.traverse(include_text=False):
        if el is node or el.mem_id == node.mem_id:
            continue
        ent = _entity(el)
        if ent is not None:
            out.append(ent)
    return tuple(out)


def _links(entities: tuple[Entity, ...]) -> tuple[str, ...]:
    """Link targets, as the JSON reader takes them (``link`` and ``text_link`` entities)."""
    return tuple(dict.fromkeys(e.url for e in entities if e.type in ("link", "text_link") and e.url))


def _media(body: Node) -> str | None:
    for node in body.css("div.media_wrap *, div.media_wrap"):
        for cls in _classes(node):
            if cls in _MEDIA:
                return _MEDIA[cls]
    return None


def _name(node: Node) -> str:
    """A ``from_name`` without the date a forwarded header carries in a nested span."""
    return " ".join((node.text(deep=False) or "").split())


def _page_depth(data: bytes, limit: int = MAX_PAGE_DEPTH) -> int | None:
    """The byte offset where tags first nest deeper than ``limit`` (opening minus closing tags), or None."""
    depth = 0
    for m in _TAG.finditer(data):
        if m.group(2).lower() in _VOID or m.group(3):
            continue
        if m.group(1):
            depth = max(depth - 1, 0)
            continue
        depth += 1
        if depth > limit:
            return m.start()
    return None


def _check_depth(node: Node) -> None:
    """ValueError if elements nest deeper than MAX_DEPTH inside ``node`` (stops at the first too deep)."""
    depth = {node.mem_id: 0}
    for el in node.traverse(include_text=False):
        parent = el.parent
        if el.mem_id == node.mem_id or parent is None:
            continue
        d = depth[el.mem_id] = depth.get(parent.mem_id, 0) + 1
        if d > MAX_DEPTH:
            raise ValueError(f"markup nested deeper than {MAX_DEPTH} levels")


def _message(node: Node, channel: ChannelRef, last_author: str | None) -> tuple[Post, str | None]:
    """The post, and its sender's name (which a following "joined" message leaves out)."""
    ident = (node.attributes.get("id") or "").removeprefix("message")
    if not ident.isdigit() or not 0 < int(ident) < 1 << 63:
        raise ValueError(f"id {node.attributes.get('id')!r} is not message<N> with N a positive whole number")
    mid = int(ident)
    _check_depth(node)
    body = next((c for c in node.iter() if "body" in _classes(c)), None)
    if body is None:
        raise ValueError("message without a body")
    date_node = next((c for c in body.iter() if "date" in _classes(c)), None)
    if date_node is None:
        raise ValueError("message without a date")
    names = _children(body, "from_name")
    sender = _name(names[0]) if names else last_author
    author = sender
    fwd_nodes = [c for c in body.iter() if {"forwarded", "body"} <= _classes(c)]
    forward = None
    holder = body
    if fwd_nodes:
        holder = fwd_nodes[0]
        fwd_names = _children(holder, "from_name")
        forward = ForwardOrigin(name=_name(fwd_names[0]) if fwd_names else None)
    texts = _children(holder, "text")
    text = _text_of(texts[0]) if texts else ""
    entities = _entities(texts[0]) if texts else ()
    reply = next((c for c in body.iter() if "reply_to" in _classes(c)), None)
    reply_to = None
    if reply is not None:
        m = _GOTO.search(reply.html or "")
        if m:
            reply_to = int(m.group(1) or m.group(2))
    reactions = None
    counts = node.css("div.reactions span.count")
    if counts:
        reactions = sum(int(c.text(strip=True) or 0) for c in counts if (c.text(strip=True) or "").isdigit())
    signature = next((c for c in body.iter() if "signature" in _classes(c)), None)
    if signature is not None:
        author = " ".join((signature.text() or "").split()) or author
    post = Post(
        channel=channel,
        message_id=mid,
        date=parse_date(date_node.attributes.get("title") or ""),
        text=text,
        entities=entities,
        links=_links(entities),
        reactions=reactions,
        forward=forward,
        reply_to=reply_to,
        media=_media(body),
        author=author,
    )
    return post, sender


def read(path: Path, opts: ReadOptions, stats: ReadStats) -> Iterator[Post]:
    size = path.stat().st_size
    if size > _MAX_PAGE:
        raise InputError(path, f"an HTML page of {size >> 20} MiB is not a Telegram Desktop export page")
    data = path.read_bytes()
    try:
        html = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(path, f"not UTF-8 text ({e.reason})", f"byte {e.start}") from None
    deep = _page_depth(data)
    if deep is not None:
        what = f"markup nested deeper than {MAX_PAGE_DEPTH} levels: not a Telegram Desktop export page"
        raise InputError(path, what, f"byte {deep}")
    tree = HTMLParser(html)
    tree.strip_tags(_NOT_TEXT)
    header = tree.css_first("div.page_header div.text")
    title = " ".join((header.text() or "").split()) if header is not None else ""
    if not title:
        title = opts.channel or ""
    if not title:
        raise InputError(path, "the page names no chat (no page header); give --channel")
    channel = ChannelRef(title=title)
    nodes = tree.css("div.message")
    if not nodes and not tree.css_first("div.history"):
        raise InputError(path, "no div.message in this page: not a Telegram Desktop HTML export")
    last_author: str | None = None
    for i, node in enumerate(nodes, 1):
        ident = node.attributes.get("id") or ""
        where = f"message {i} ({ident or 'no id'})"
        stats.position = where
        classes = _classes(node)
        if "service" in classes:
            if re.fullmatch(r"message\d+", ident):
                stats.skip(SERVICE)
            last_author = None
            continue
        if "default" not in classes:
            continue
        try:
            post, last_author = _message(node, channel, last_author)
        except (ValueError, TypeError) as e:
            stats.bad(where, str(e))
            continue
        yield post
    if opts.on_bytes:
        opts.on_bytes(size)


def _sniff(head: bytes, path: Path) -> bool:
    low = head[:8192].lower()
    return b"<html" in low and (b'class="page_wrap"' in head or b'class="message' in head)


FORMATS = [
    FileFormat(
        "telegram-html", "Telegram Desktop export, HTML (messages.html, messages2.html …)", _sniff, read
    ),
]
