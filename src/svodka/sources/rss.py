"""RSS and Atom feeds (feedparser): news sites that corroborate or contradict the channels.

A feed item becomes a :class:`~svodka.model.Post` of the feed's channel (platform ``rss``, handle = the
feed URL). Items have no message ids, so one is derived from the item's guid (or link): a stable 62-bit
number, the same on every fetch, so an item is stored once and a changed text is kept as an edit.
"""

from __future__ import annotations

import calendar
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import feedparser
from selectolax.lexbor import LexborHTMLParser

from svodka.errors import SourceError
from svodka.links import safe_url
from svodka.model import PLATFORM_RSS, ChannelRef, Post, from_ts, utc


@dataclass(frozen=True, slots=True)
class Feed:
    url: str
    title: str | None
    posts: tuple[Post, ...]
    skipped: int  # items without a guid, link or title


def item_id(key: str) -> int:
    """A stable positive id for a feed item's guid or link."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big") >> 2


def html_text(fragment: str) -> str:
    """Readable text of an HTML fragment (feed summaries are often HTML)."""
    if "<" not in fragment:
        return fragment.strip()
    tree = LexborHTMLParser(f"<div>{fragment}</div>")
    for br in tree.css("br"):
        br.replace_with("\n")
    for block in tree.css("p, div, li"):
        block.insert_after("\n")
    body = tree.body
    text = body.text(deep=True) if body is not None else ""
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()


def _date(entry: Any, fallback: datetime) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return from_ts(calendar.timegm(value)) or fallback
    return fallback


def parse_feed(content: bytes | str, url: str, seen_at: datetime) -> Feed:
    """Parse a feed document; SourceError if it is not a feed at all."""
    parsed = feedparser.parse(content)
    if parsed.bozo and not parsed.entries and not parsed.feed.get("title"):
        reason = parsed.get("bozo_exception")
        raise SourceError(f"{url}: not an RSS/Atom feed ({reason})")
    title = parsed.feed.get("title") or None
    ref = ChannelRef(PLATFORM_RSS, handle=url, title=title)
    posts: list[Post] = []
    skipped = 0
    for entry in parsed.entries:
        key = entry.get("id") or entry.get("link") or entry.get("title")
        if not key:
            skipped += 1
            continue
        heading = (entry.get("title") or "").strip()
        summary = ""
        if entry.get("content"):
            summary = html_text(entry.content[0].get("value", ""))
        elif entry.get("summary"):
            summary = html_text(entry.summary)
        text = f"{heading}\n\n{summary}".strip() if summary and summary != heading else heading
        link = safe_url(entry.get("link"))  # javascript:, data: … are not stored (svodka.links)
        posts.append(
            Post(
                channel=ref,
                message_id=item_id(key),
                date=_date(entry, utc(seen_at)),
                text=text,
                links=(link,) if link else (),
                author=entry.get("author") or None,
                url=link,
            )
        )
    return Feed(url=url, title=title, posts=tuple(posts), skipped=skipped)
