"""What the print renderings (compact PDF, DOCX) show per story, from the digest's document
(:mod:`svodka.digest.schema`): the headline and key sentences each with a footnote number, the story's
sources listed once under it (a post cited twice keeps one number), and the summary line of the first page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from svodka.digest.schema import CitedDoc, DigestDocument, ItemDoc, local
from svodka.links import safe_url


@dataclass(frozen=True, slots=True)
class Source:
    number: int
    channel: str
    url: str | None  # None: no safe link (shown as the channel's name alone)
    date: str  # «2024-11-30 10:12», in the digest's zone


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    note: int  # the footnote number of its source
    new: bool = False  # from a post the previous digest of this kind did not have


@dataclass(frozen=True, slots=True)
class PrintStory:
    rank: int
    update: bool
    headline: Line
    meta: str  # first reporter and time, channels, posts, independent, languages, topic
    single_source: bool
    abstract: str | None
    sentences: tuple[Line, ...]
    sources: tuple[Source, ...]
    score: float
    summary: str  # the first page's line: score and sources


def when(iso: str, tz: str | None = None) -> str:
    """An ISO time of the document as «2024-11-30 10:12»: in ``tz`` when given (a citation's date is
    written in UTC), else as written (the card's and period's times are in the digest's zone)."""
    if tz is None:
        return iso[:16].replace("T", " ")
    try:
        return local(datetime.fromisoformat(iso), tz).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso[:16].replace("T", " ")


def _plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} {one}"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{n} {few}"
    return f"{n} {many}"


def print_story(item: ItemDoc, tz: str = "UTC") -> PrintStory:
    numbers: dict[tuple[int, str | None], int] = {}
    sources: list[Source] = []
    new_since = item.get("new_since")

    def note(c: CitedDoc) -> int:
        url = safe_url(c.get("url"))
        key = (c["post_id"], url)
        if key not in numbers:
            numbers[key] = len(sources) + 1
            sources.append(Source(numbers[key], c["channel"], url, when(c["date"], tz)))
        return numbers[key]

    def line(c: CitedDoc) -> Line:
        new = new_since is not None and datetime.fromisoformat(c["date"]) > datetime.fromisoformat(new_since)
        return Line(c["text"], note(c), new)

    head = line(item["headline"])
    sentences = tuple(line(c) for c in item["sentences"])
    abstract = item.get("abstract")
    card = item["card"]
    channels = len(card["channels"])
    parts = [
        f"первым: {card['first_channel']}, {when(card['first_date'])}",
        _plural(channels, "канал", "канала", "каналов"),
        _plural(card["posts"], "пост", "поста", "постов"),
        f"независимых: {card['independent_sources']}",
    ]
    if card["languages"]:
        parts.append("/".join(card["languages"]))
    parts.append(item["topic"])
    if item["update"]:
        parts.append(f"новых постов: {item['new_posts']}")
    score = item["score"]["total"]
    summary = " · ".join(
        [
            f"оценка {score:.2f}",
            f"{_plural(channels, 'канал', 'канала', 'каналов')} ({card['independent_sources']} незав.)",
            f"первым: {card['first_channel']}",
        ]
        + (["один источник — не подтверждено"] if card["single_source"] else [])
    )
    return PrintStory(
        rank=item["rank"],
        update=item["update"],
        headline=head,
        meta=" · ".join(parts),
        single_source=card["single_source"],
        abstract=abstract["text"] if abstract else None,
        sentences=sentences,
        sources=tuple(sources),
        score=score,
        summary=summary,
    )


def print_stories(doc: DigestDocument) -> list[PrintStory]:
    tz = doc["period"]["tz"]
    return [print_story(it, tz) for it in doc.get("items") or ()]


def meta_line(doc: DigestDocument) -> str:
    """«Дайджест 2024-11-30 03:00 – 2024-12-01 03:00 (Europe/Moscow) · 15 из 120 сюжетов · …»."""
    p, f = doc["period"], doc.get("filters") or {}
    parts = [
        f"Дайджест {when(p['since'])} – {when(p['until'])} ({p['tz']})",
        f"{len(doc.get('items') or ())} из {doc.get('stories_considered', 0)} сюжетов",
    ]
    for value, label in ((f.get("topic"), "тема"), (f.get("group"), "группа"), (f.get("lang"), "язык")):
        if value:
            parts.append(f"{label} {value}")
    if doc.get("repeats_skipped"):
        parts.append(f"уже показаны без новостей: {doc['repeats_skipped']}")
    parts.append(f"составлен {when(doc['generated_at'])}")
    return " · ".join(parts)


def title(doc: DigestDocument) -> str:
    return doc.get("name") or f"Digest {doc.get('id') or ''}".strip()
