"""What the print renderings (compact PDF, DOCX) show per story, from the digest's document
(:mod:`svodka.digest.schema`): the headline and key sentences each with a footnote number, the story's
sources listed once under it (a post cited twice keeps one number), and the summary line of the first page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from svodka.digest.schema import CitedDoc, DigestDocument, ItemDoc
from svodka.digest.voice import Voice, channel_label, language_name, topic_label
from svodka.i18n import LANGUAGES
from svodka.links import safe_url


@dataclass(frozen=True, slots=True)
class Source:
    number: int
    channel: str
    url: str | None  # None: no safe link (shown as the channel's name alone)
    date: str  # «2024-11-30 10:12» / «30 ноября 2024, 10:12 МСК», in the digest's zone
    alt_url: str | None = None  # the t.me/c link second, when url is the post's page in svodka's web app


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


def voice(doc: DigestDocument, language: str | None = None) -> Voice:
    """The document's language (``language`` when given, e.g. the web page's) and zone."""
    lang = language or doc.get("language") or "en"
    return Voice(lang if lang in LANGUAGES else "en", doc["period"]["tz"])


def when(iso: str, v: Voice) -> str:
    """An ISO time of the document as the voice writes it («2024-11-30 10:12», «30 ноября 2024, 10:12 МСК»),
    in the digest's zone."""
    try:
        return v.when(datetime.fromisoformat(iso))
    except ValueError:
        return iso[:16].replace("T", " ")


def print_story(item: ItemDoc, v: Voice) -> PrintStory:
    numbers: dict[tuple[int, str | None], int] = {}
    sources: list[Source] = []
    new_since = item.get("new_since")

    def note(c: CitedDoc) -> int:
        url = safe_url(c.get("url"))
        key = (c["post_id"], url)
        if key not in numbers:
            numbers[key] = len(sources) + 1
            alt = safe_url(c.get("alt_url"))
            label = channel_label(c["channel"])  # «Раньше всех. Ну почти.», then the date after a comma
            sources.append(Source(numbers[key], label, url, when(c["date"], v), alt))
        return numbers[key]

    def line(c: CitedDoc) -> Line:
        new = new_since is not None and datetime.fromisoformat(c["date"]) > datetime.fromisoformat(new_since)
        return Line(c["text"], note(c), new)

    head = line(item["headline"])
    sentences = tuple(line(c) for c in item["sentences"])
    abstract = item.get("abstract")
    card = item["card"]
    channels = len(card["channels"])
    first = v._("first: %(channel)s, %(when)s") % {
        "channel": channel_label(card["first_channel"]),
        "when": when(card["first_date"], v),
    }
    parts = [
        first,
        v.n("%(num)d channel", "%(num)d channels", channels),
        v.n("%(num)d post", "%(num)d posts", card["posts"]),
        v.n("%(num)d independent", "%(num)d independent", card["independent_sources"]),
    ]
    if languages := v.languages(card["languages"]):
        parts.append(languages)
    parts.append(topic_label(item["topic"], v))
    if item["update"]:
        parts.append(v.n("%(num)d new post", "%(num)d new posts", item["new_posts"]))
    score = item["score"]["total"]
    summary = " · ".join(
        [
            v._("score %(score)s") % {"score": v.decimal(score)},
            v.n(
                "%(num)d channel (%(independent)d independent)",
                "%(num)d channels (%(independent)d independent)",
                channels,
                independent=card["independent_sources"],
            ),
            v._("first: %(channel)s") % {"channel": channel_label(card["first_channel"])},
        ]
        + ([v._("single source — unconfirmed")] if card["single_source"] else [])
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


def print_stories(doc: DigestDocument, v: Voice) -> list[PrintStory]:
    return [print_story(it, v) for it in doc.get("items") or ()]


def meta_line(doc: DigestDocument, v: Voice) -> str:
    """«Digest 2024-11-30 03:00 – 2024-12-01 03:00 (Europe/Moscow) · 15 of 120 stories · …», in Russian
    «Сводка за 30 ноября 2024, 03:00 – 1 декабря 2024, 03:00 МСК · 15 из 120 сюжетов · …»."""
    p, f = doc["period"], doc.get("filters") or {}
    try:
        period = v.period(datetime.fromisoformat(p["since"]), datetime.fromisoformat(p["until"]))
    except ValueError:
        period = f"{p['since']} – {p['until']}"
    parts = [
        v._("Digest %(period)s") % {"period": period},
        v.n(
            "%(shown)d of %(num)d story",
            "%(shown)d of %(num)d stories",
            doc.get("stories_considered", 0),
            shown=len(doc.get("items") or ()),
        ),
    ]
    topic = f.get("topic")
    for value, label in (
        (topic and topic_label(topic, v), v._("topic")),
        (f.get("group"), v._("group")),
        (f.get("lang") and language_name(f["lang"], v.language), v._("language")),
    ):
        if value:
            parts.append(f"{label} {value}")
    if doc.get("repeats_skipped"):
        parts.append(v._("%(num)d already shown without news") % {"num": doc["repeats_skipped"]})
    parts.append(v._("generated %(when)s") % {"when": when(doc["generated_at"], v)})
    return " · ".join(parts)


def title(doc: DigestDocument, v: Voice) -> str:
    label = v._("Digest")
    return doc.get("name") or f"{label} {doc.get('id') or ''}".strip()
