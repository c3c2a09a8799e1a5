"""Telegram's public web preview, ``https://t.me/s/<channel>``: one page of posts, no account needed.

:func:`parse_page` reads one page (about 20 posts, oldest first) into a :class:`WebPage`. It follows the
markup of real pages (``../shared/data/tme_s_html_sample``, 2020) and the newer additions seen on live
pages (forwarded_from, reply, reactions, link previews, service messages, signatures), each read
defensively: what is missing is left empty, but a page that no longer has the structure we rely on raises
:class:`~svodka.errors.SourceError` naming what changed, so nothing half-read is ever stored.

Text: every post the preview shows has a text element (``.tgme_widget_message_text``, or a caption),
known media (photo, video, sticker, poll …), or the "media not supported" box — a media-only post has
no text, legitimately, and is stored with an empty one. A post with none of these is *unreadable*:

- when no post on the page has a text element and some are unreadable, the text element was renamed:
  the whole page is a markup error (not 19 edits to empty texts);
- one unreadable post among readable ones is left out of :attr:`WebPage.posts` (its id stays in
  :attr:`WebPage.ids`, so it is not taken for deleted, and what is stored of it is kept) and listed in
  :attr:`WebPage.unreadable`, for the collector to warn about.

A photo whose caption element alone was renamed cannot be told from a photo without a caption.

Paging: a page without ``?before=`` shows the newest posts; ``?before=<id>`` the ones just older than
``id``; :attr:`WebPage.before` is the cursor for the next older page (None at the channel's start).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

import orjson
from selectolax.lexbor import LexborHTMLParser, LexborNode

from svodka.errors import SourceError
from svodka.links import safe_url
from svodka.model import PLATFORM_TELEGRAM, ChannelRef, Entity, ForwardOrigin, Post, utc


class NoWebPreview(SourceError):
    """The channel has no public web preview (private, a group, preview disabled, or gone)."""


@dataclass(frozen=True, slots=True)
class WebChannelInfo:
    handle: str
    title: str | None = None
    subscribers: int | None = None
    tg_id: int | None = None  # bare channel id, when the page reveals it


@dataclass(frozen=True, slots=True)
class WebPage:
    """One parsed ``t.me/s`` page."""

    channel: WebChannelInfo
    posts: tuple[Post, ...]  # oldest first, as on the page
    ids: tuple[int, ...]  # every message id the page shows, service messages included
    before: int | None  # cursor for the next older page; None when this is the channel's first page
    unreadable: tuple[int, ...] = ()  # posts with neither text nor known media: left out (see above)

    @property
    def min_id(self) -> int | None:
        return min(self.ids) if self.ids else None

    @property
    def max_id(self) -> int | None:
        return max(self.ids) if self.ids else None


def page_url(base_url: str, handle: str, before: int | None = None) -> str:
    """The preview URL of ``handle`` (``base_url`` is the setting ``telegram.web_base_url``)."""
    url = f"{base_url.rstrip('/')}/s/{handle}"
    return f"{url}?before={before}" if before is not None else url


_COUNT = re.compile(r"(\d+(?:[.,]\d+)?)\s*([KkMmBb]?)")
_MULT = {"": 1, "k": 1_000, "m": 1_000_000, "b": 1_000_000_000}


def parse_count(text: str | None) -> int | None:
    """``"4.4K"`` → 4400, ``"1.2M"`` → 1200000, ``"987"`` → 987, ``"12 345 members"`` → 12345."""
    if not text:
        return None
    compact = re.sub(r"(?<=\d)[\s\u00a0\u202f](?=\d{3}\b)", "", text.strip())
    m = _COUNT.search(compact)
    if not m:
        return None
    number, suffix = m.group(1).replace(",", "."), m.group(2).lower()
    return round(float(number) * _MULT[suffix])


_TME_LINK = re.compile(
    r"^(?:https?:)?//(?:www\.)?(?:t\.me|telegram\.me)/(?:s/)?([A-Za-z0-9_]{3,64})(?:/(\d+))?"
)


def _tme_parts(href: str | None) -> tuple[str | None, int | None]:
    """``https://t.me/rian_ru/123`` → ("rian_ru", 123); other URLs → (None, None)."""
    if not href:
        return None, None
    m = _TME_LINK.match(href)
    if not m or m.group(1).lower() in ("joinchat", "c", "s", "addstickers", "proxy", "share"):
        return None, None
    return m.group(1).lower(), int(m.group(2)) if m.group(2) else None


# --- text with formatting ----------------------------------------------------------------------------
_SPACE = re.compile(r"[ \t\r\n\f]+")
_FORMAT_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "del": "strikethrough",
    "strike": "strikethrough",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
}


class _TextBuilder:
    """Walks a message's text element: HTML whitespace rules, ``<br>`` as newline, spans as entities."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.entities: list[Entity] = []
        self.links: list[str] = []

    def walk(self, node: LexborNode) -> None:
        for child in node.iter(include_text=True):
            tag = child.tag
            if tag == "-text":
                self.parts.append(_SPACE.sub(" ", child.text(deep=False) or ""))
            elif tag == "br":
                self.parts.append("\n")
            elif tag in ("script", "style", "svg"):
                continue
            else:
                self._element(child, tag or "")

    def _element(self, node: LexborNode, tag: str) -> None:
        cls = node.attributes.get("class") or ""
        start, n_entities = len(self.parts), len(self.entities)
        self.walk(node)
        if "emoji" in cls.split() or tag == "tg-emoji":
            del self.entities[n_entities:]  # an emoji image wrapper (its <b> is markup, not bold text)
            return
        kind = _FORMAT_TAGS.get(tag)
        if tag == "span" and "tg-spoiler" in cls:
            kind = "spoiler"
        url = None
        if tag == "a":
            kind, url = self._link(node)
        if kind is None:
            return
        text = _clean("".join(self.parts[start:]))
        if text:
            self.entities.append(Entity(kind, text, url))

    def _link(self, node: LexborNode) -> tuple[str | None, str | None]:
        href = node.attributes.get("href") or ""
        text = _clean(node.text(deep=True) or "")
        if href.startswith("?q="):
            query = unquote(href[3:])
            return (
                "hashtag" if query.startswith("#") else "cashtag" if query.startswith("$") else None
            ), None
        if href.startswith("//"):
            href = "https:" + href
        if href.lower().startswith(("mailto:", "tel:")):
            return ("email" if href.lower().startswith("mailto:") else "phone"), href
        # Only a link with its scheme (a relative href is the page's own); javascript:, data: … are text.
        url = safe_url(href) if re.match(r"(?i)\s*(https?|tg):", href) else None
        if url is None:
            return None, None
        href = url
        handle, msg = _tme_parts(href)
        if handle and msg is None and text.lower() == "@" + handle:
            return "mention", href
        self.links.append(href)
        bare = re.sub(r"^https?://", "", href).rstrip("/")
        return (
            "url" if text.rstrip("/") in (href.rstrip("/"), bare) or text.endswith("…") else "text_link"
        ), href

    def result(self) -> tuple[str, tuple[Entity, ...], tuple[str, ...]]:
        return _clean("".join(self.parts)), tuple(self.entities), tuple(dict.fromkeys(self.links))


def _clean(text: str) -> str:
    """Strip the spaces HTML layout adds around line breaks (pretty-printed pages have many)."""
    lines = [line.strip(" ") for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def text_of(node: LexborNode | None) -> tuple[str, tuple[Entity, ...], tuple[str, ...]]:
    """Plain text, formatting entities and outgoing links of a message text element."""
    if node is None:
        return "", (), ()
    builder = _TextBuilder()
    builder.walk(node)
    return builder.result()


# --- one message -------------------------------------------------------------------------------------
_MEDIA = (
    (".tgme_widget_message_grouped_wrap", "album"),
    (".tgme_widget_message_roundvideo_player", "round_video"),
    (".tgme_widget_message_video_player", "video"),
    (".tgme_widget_message_photo_wrap", "photo"),
    (".tgme_widget_message_voice_player", "voice"),
    (".tgme_widget_message_audio_player", "audio"),
    (".tgme_widget_message_document_wrap", "document"),
    (".tgme_widget_message_sticker_wrap", "sticker"),
    (".tgme_widget_message_poll", "poll"),
    (".tgme_widget_message_location_wrap", "location"),
    (".tgme_widget_message_venue_wrap", "location"),
    (".tgme_widget_message_contact_wrap", "contact"),
    (".message_media_not_supported", "unsupported"),
    (".tgme_widget_message_link_preview", "webpage"),
)


def _media_kind(msg: LexborNode) -> str | None:
    for selector, kind in _MEDIA:
        if msg.css_first(selector) is not None:
            return kind
    return None


def _text(node: LexborNode | None) -> str | None:
    if node is None:
        return None
    text = _SPACE.sub(" ", node.text(deep=True) or "").strip()
    return text or None


def _forward(msg: LexborNode) -> ForwardOrigin | None:
    box = msg.css_first(".tgme_widget_message_forwarded_from")
    if box is None:
        return None
    name_node = box.css_first(".tgme_widget_message_forwarded_from_name")
    name = _text(name_node) or _text(box)
    if name and name.lower().startswith("forwarded from"):
        name = name[len("forwarded from") :].strip() or None
    href = (name_node.attributes.get("href") if name_node is not None else None) or ""
    if not href:
        a = box.css_first("a[href]")
        href = (a.attributes.get("href") if a is not None else None) or ""
    handle, message_id = _tme_parts(href)
    return ForwardOrigin(name=name, handle=handle, message_id=message_id)


def _reply_to(msg: LexborNode) -> int | None:
    reply = msg.css_first("a.tgme_widget_message_reply")
    if reply is None:
        return None
    _, message_id = _tme_parts(reply.attributes.get("href"))
    return message_id


def _reactions(msg: LexborNode) -> int | None:
    box = msg.css_first(".tgme_widget_message_reactions")
    if box is None:
        return None
    total = 0
    for r in box.css(".tgme_reaction"):
        # The count is the reaction's text after its emoji: "👍 1.2K".
        counts = re.findall(r"\d+(?:[.,]\d+)?[KkMm]?", _text(r) or "")
        total += parse_count(counts[-1]) or 0 if counts else 0
    return total


def _album_ids(msg: LexborNode, message_id: int) -> list[int]:
    """Ids of an album's other items: the page shows the album as one message, each item linked as
    ``t.me/<name>/<id>?single``. They exist (an MTProto or export copy may hold them), so they are not
    to be taken for deleted."""
    out = []
    for a in msg.css(".tgme_widget_message_grouped_wrap a[href]"):
        _, item = _tme_parts(a.attributes.get("href"))
        if item is not None and item != message_id:
            out.append(item)
    return out


def _is_edited(msg: LexborNode) -> bool:
    meta = msg.css_first(".tgme_widget_message_meta")
    return meta is not None and "edited" in (meta.text(deep=True) or "").lower()


def _in_reply(node: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if "tgme_widget_message_reply" in (parent.attributes.get("class") or "").split():
            return True
        parent = parent.parent
    return False


def _own(msg: LexborNode, selector: str) -> LexborNode | None:
    """The first ``selector`` element of the message itself, not of the post it replies to (whose
    quoted text sits in the reply box)."""
    return next((node for node in msg.css(selector) if not _in_reply(node)), None)


def _has_text(msg: LexborNode) -> bool:
    """A text or caption element of the message's own (see the module docstring)."""
    return _own(msg, ".tgme_widget_message_text, .tgme_widget_message_caption") is not None


def _parse_message(msg: LexborNode, handle: str, where: str, seen_at: datetime) -> tuple[int, Post | None]:
    data_post = msg.attributes.get("data-post") or ""
    m = re.fullmatch(r"([A-Za-z0-9_]+)/(\d+)", data_post.strip())
    if not m:
        raise SourceError(f"{where}: a message has no usable data-post ({data_post!r}); t.me markup changed?")
    message_id = int(m.group(2))
    time_node = msg.css_first(".tgme_widget_message_date time[datetime]") or msg.css_first("time[datetime]")
    if time_node is None:
        raise SourceError(
            f"{where}: message {message_id} has no <time datetime>; page truncated or markup changed"
        )
    try:
        date = utc(datetime.fromisoformat(time_node.attributes.get("datetime") or ""))
    except ValueError:
        raise SourceError(f"{where}: message {message_id} has an unreadable date") from None
    if "service_message" in (msg.attributes.get("class") or "").split():
        return message_id, None  # "pinned", "channel photo updated": not a post
    text, entities, links = text_of(_own(msg, ".tgme_widget_message_text"))
    preview = msg.css_first("a.tgme_widget_message_link_preview")
    if preview is not None and (preview_url := safe_url(preview.attributes.get("href"))):
        links = tuple(dict.fromkeys((*links, preview_url)))
    if not text:  # media-only posts may carry a caption elsewhere in newer markup
        text, entities, links2 = text_of(_own(msg, ".tgme_widget_message_caption"))
        links = tuple(dict.fromkeys((*links, *links2)))
    return message_id, Post(
        channel=ChannelRef(PLATFORM_TELEGRAM, handle=handle),
        message_id=message_id,
        date=date,
        text=text,
        entities=entities,
        links=links,
        views=parse_count(_text(msg.css_first(".tgme_widget_message_views"))),
        reactions=_reactions(msg),
        forward=_forward(msg),
        reply_to=_reply_to(msg),
        media=_media_kind(msg),
        # The page says "edited" but not when; the time we first saw it so is the best bound we have.
        edited=seen_at if _is_edited(msg) else None,
        author=_text(msg.css_first(".tgme_widget_message_from_author")),
    )


# --- the page ----------------------------------------------------------------------------------------
def _channel_info(tree: LexborHTMLParser, handle: str, first_msg: LexborNode | None) -> WebChannelInfo:
    title = _text(tree.css_first(".tgme_channel_info_header_title"))
    if title is None:
        og = tree.css_first('meta[property="og:title"]')
        title = (og.attributes.get("content") if og is not None else None) or None
    subscribers = None
    for counter in tree.css(".tgme_channel_info_counter"):
        kind = (_text(counter.css_first(".counter_type")) or "").lower()
        if kind.startswith(("subscriber", "member")):
            subscribers = parse_count(_text(counter.css_first(".counter_value")))
    if subscribers is None:
        header = _text(tree.css_first(".tgme_header_counter"))
        subscribers = parse_count(header) if header else None
    tg_id = None
    view = first_msg.attributes.get("data-view") if first_msg is not None else None
    if view:
        # data-view is base64 JSON whose "c" is the channel id (negated); a hint, ignored if odd.
        try:
            c = orjson.loads(base64.b64decode(view + "=" * (-len(view) % 4)))["c"]
            tg_id = abs(int(c)) or None
        except (ValueError, KeyError, TypeError):
            tg_id = None
    return WebChannelInfo(handle=handle, title=title, subscribers=subscribers, tg_id=tg_id)


def _before_cursor(tree: LexborHTMLParser) -> int | None:
    more = tree.css_first(".tme_messages_more[data-before]")
    if more is not None:
        value = more.attributes.get("data-before") or ""
        return int(value) if value.isdigit() else None
    prev = tree.css_first('link[rel="prev"]')
    if prev is not None:
        m = re.search(r"[?&]before=(\d+)", prev.attributes.get("href") or "")
        return int(m.group(1)) if m else None
    return None


def _no_preview(tree: LexborHTMLParser, handle: str, where: str) -> NoWebPreview:
    exists = tree.css_first(".tgme_page_title") is not None
    hint = (
        "use the MTProto source for it (set telegram.api_id/api_hash, run `svodka login`, and "
        'collect.telegram_via = "mtproto")'
    )
    if exists:
        return NoWebPreview(f"@{handle} has no public web preview ({where} shows only its card); {hint}")
    return NoWebPreview(f"@{handle} was not found on {where} (renamed, deleted or private?); {hint}")


def parse_page(
    html: str, handle: str, final_url: str | None = None, seen_at: datetime | None = None
) -> WebPage:
    """Parse one ``t.me/s/<handle>`` page; ``final_url`` is where redirects ended (to spot no-preview).

    Raises :class:`NoWebPreview` for a channel whose preview redirects to its card, and
    :class:`SourceError` for a truncated page or one whose markup changed.
    """
    handle = handle.lower().lstrip("@")
    where = final_url or f"t.me/s/{handle}"
    seen = utc(seen_at) if seen_at else utc(datetime.now())
    if not html.strip():
        raise SourceError(f"{where}: empty page")
    tail = html[-4096:].lower()
    if "</html>" not in tail and "</body>" not in tail:
        raise SourceError(f"{where}: page ends early (truncated download); nothing of it was stored")
    tree = LexborHTMLParser(html)
    history = tree.css_first(".tgme_channel_history") or tree.css_first(".js-message_history")
    if history is None:
        path = urlsplit(final_url).path if final_url else ""
        if tree.css_first(".tgme_page") is not None or (final_url and not path.startswith("/s/")):
            raise _no_preview(tree, handle, where)
        raise SourceError(
            f"{where}: no message list (.tgme_channel_history) on the page; t.me markup changed? "
            "Update svodka, or use the MTProto source"
        )
    nodes = history.css(".tgme_widget_message[data-post]")
    wraps = history.css(".tgme_widget_message_wrap")
    if len(tree.css("[data-post]")) > len(nodes):
        raise SourceError(
            f"{where}: posts on the page are not in .tgme_widget_message elements any more; "
            "t.me markup changed? "
            "Update svodka, or use the MTProto source"
        )
    if len(wraps) > len(nodes):
        raise SourceError(
            f"{where}: {len(wraps) - len(nodes)} message(s) without data-post; t.me markup changed?"
        )
    ids: list[int] = []
    posts: list[Post] = []
    unreadable: list[int] = []
    any_text = False
    for node in nodes:
        owner = (node.attributes.get("data-post") or "").split("/", 1)[0].lower()
        message_id, post = _parse_message(node, owner or handle, where, seen)
        ids.append(message_id)
        ids.extend(_album_ids(node, message_id))
        if post is None:
            continue
        has_text = _has_text(node)
        any_text = any_text or has_text
        if has_text or post.media is not None:  # media covers the "not supported" box too
            posts.append(post)
        else:
            unreadable.append(message_id)
    if unreadable and not any_text:
        raise SourceError(
            f"{where}: no post on the page has a text element (.tgme_widget_message_text) any more, and "
            f"{len(unreadable)} have neither text nor media; t.me markup changed? Nothing of the page was "
            "stored. Update svodka, or use the MTProto source"
        )
    info = _channel_info(tree, handle, nodes[0] if nodes else None)
    before = _before_cursor(tree)
    if ids and before is not None and before > min(ids):
        before = min(ids)
    return WebPage(
        channel=info, posts=tuple(posts), ids=tuple(ids), before=before, unreadable=tuple(unreadable)
    )
