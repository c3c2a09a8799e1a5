"""A story's credibility evidence: one record (:class:`Evidence`: coverage by channel group, coordinated
posting, how the sources differ, independent sources), found by one function (:func:`evidence`, over a store
:func:`story_evidence`) for the story page and ``svodka story ID``; a digest's items carry the same parts
(:func:`item_evidence`). Every rendering words it through :mod:`svodka.digest.voice`, one place per label:
here the Telegram bot's lines (its HTML parse mode) and what the templates call (:func:`template_words`).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from svodka.digest.model import Digest, DigestItem, OnlyInStory
from svodka.digest.schema import GroupCoverageDoc
from svodka.digest.voice import (
    COORDINATED,
    DIFFERENCES,
    Voice,
    coordinated_words,
    coverage_line,
    difference_line,
    only_in_title,
    only_in_words,
    quoted,
)
from svodka.errors import NotFoundError
from svodka.links import safe_url
from svodka.model import Channel, Story
from svodka.pipeline.coordination import Coordinated, coordination
from svodka.pipeline.coverage import GroupCoverage, coverage
from svodka.pipeline.credibility import independent_units
from svodka.pipeline.differences import Difference, differences, natasha_entities
from svodka.pipeline.networks import membership

if TYPE_CHECKING:
    from svodka.store.base import Store


@dataclass(frozen=True, slots=True)
class Evidence:
    """What a story's sources say of its credibility, as the story page, the CLI and a digest card show it."""

    groups: tuple[GroupCoverage, ...]  # coverage by channel group, the earliest first (pipeline.coverage)
    coordinated: Coordinated | None  # a seeding campaign's burst, with its posts (pipeline.coordination)
    differences: tuple[Difference, ...]  # how the sources differ, each quoted (pipeline.differences)
    independent: int  # independent sources: a channel network counts once (pipeline.networks)


def evidence(story: Story, channels: Mapping[int, Channel], networks: Mapping[int, int]) -> Evidence:
    """``story``'s evidence; ``channels`` by id (their groups), ``networks`` channel → network
    (:func:`~svodka.pipeline.networks.membership`: a network is one source throughout)."""
    return Evidence(
        groups=coverage(story.members, channels),
        coordinated=coordination(story, networks),
        differences=differences(story, networks, names=natasha_entities()),  # names: natasha's offline NER
        independent=len(independent_units(story, networks)),
    )


def story_channels(store: Store, story: Story) -> dict[int, Channel]:
    """The channels of ``story`` by id (one removed meanwhile is left out)."""
    found = {}
    for cid in story.channels:
        try:
            found[cid] = store.channels.by_id(cid)
        except NotFoundError:
            continue
    return found


def story_evidence(store: Store, story: Story) -> Evidence:
    """``story``'s evidence with the store's channels and channel networks."""
    return evidence(story, story_channels(store, story), membership(store.networks.list()))


def item_evidence(it: DigestItem) -> Evidence:
    """The evidence a digest item carries (the composer found it; differences for the top stories only)."""
    c = it.card
    return Evidence(c.groups, c.coordinated, it.differences, c.independent)


def only_in_line(st: OnlyInStory, v: Voice) -> str:
    """A story of an «only in …» section, after its headline: «3 channels, 4 posts; first ТАСС, …»."""
    c = st.coverage
    return only_in_words(st.channels, st.posts, c.first_channel, v.when(c.first_date), v)


# --- the Telegram bot ---------------------------------------------------------------------------------
def _link(label: str, url: str | None) -> str:
    """``label`` linked to ``url`` when that is a safe link, else the label alone (escaped)."""
    url = safe_url(url)
    name = html.escape(label)
    return f'<a href="{html.escape(url, quote=True)}">{name}</a>' if url else name


def coordinated_piece(c: Coordinated | None, v: Voice) -> str | None:
    """«⚠ Coordinated posting: the same text in 3 unrelated channels within 15 min, sharing …», its posts."""
    if c is None:
        return None
    text = coordinated_words(len(c.channels), c.minutes, c.marks, c.only, v)
    posts = ", ".join(f"{_link(p.channel, p.url)} {v.clock(p.date)}" for p in c.posts)
    return f"⚠ <b>{html.escape(v._(COORDINATED))}</b>: {html.escape(text)} ({posts})"


def differences_pieces(found: Iterable[Difference], v: Voice) -> list[str]:
    """«How sources differ:» and one line per difference, each quote linked to its post."""
    out = []
    for d in found:
        quotes = "; ".join(
            f"{html.escape(quoted(q.sentence))} — {_link(q.channel, q.url)}{_alt(q.alt_url)}"
            for q in d.quotes
        )
        out.append(f"≠ {html.escape(difference_line(d, v))}: {quotes}")
    if not out:
        return []
    # the label travels with the first line: a message is never cut between them (render.pack)
    return [f"<i>{html.escape(v._(DIFFERENCES))}:</i>\n{out[0]}", *out[1:]]


def _alt(url: str | None) -> str:
    """« (t.me)» linked to a quote's second link (the ``t.me/c`` one, when the first is svodka's page)."""
    alt = safe_url(url)
    return f' (<a href="{html.escape(alt, quote=True)}">t.me</a>)' if alt else ""


def story_pieces(ev: Evidence, v: Voice) -> list[str]:
    """The evidence lines of one story's block in the bot's message: coordinated, groups, differences."""
    groups = coverage_line(ev.groups, v.when, v)
    pieces = [coordinated_piece(ev.coordinated, v), f"<i>{html.escape(groups)}</i>" if groups else None]
    return [p for p in pieces if p] + differences_pieces(ev.differences, v)


def only_in_pieces(digest: Digest, v: Voice) -> list[str]:
    """The «only in …» sections: per group a heading, then its stories each linked to its headline's post."""
    out: list[str] = []
    for section in digest.only_in:
        out.append(f"\n<b>{html.escape(only_in_title(section.group, v))}</b>")
        for st in section.stories:
            h = st.headline
            line = html.escape(only_in_line(st, v))
            out.append(f"• {html.escape(h.text)} — {_link(h.channel, h.url)} <i>{line}</i>")
    return out


# --- the templates (HTML digest, print layout) ---------------------------------------------------------
def template_words(language: str) -> dict[str, object]:
    """The evidence's words for the templates' environment of ``language``: the labels, and functions of the
    values a template holds (a rendered document's dicts too), each time already written by the template's
    own ``hm``/``when`` in the digest's zone."""
    v = Voice(language)  # no time is written here: the zone is the renderer's

    def coordinated_text(channels: int, minutes: int, marks: Iterable[str], only: bool) -> str:
        return coordinated_words(channels, minutes, marks, only, v)

    def groups_line(groups: Iterable[GroupCoverageDoc], when: Callable[[datetime], str]) -> str:
        return coverage_line(map(_group, groups), when, v)

    def only_in_text(channels: int, posts: int, first: str, when: str) -> str:
        return only_in_words(channels, posts, first, when, v)

    return {
        "coordinated_label": v._(COORDINATED),
        "differences_label": v._(DIFFERENCES),
        "coordinated_words": coordinated_text,
        "groups_line": groups_line,
        "only_in_title": lambda group: only_in_title(group, v),
        "only_in_words": only_in_text,
    }


def _group(g: GroupCoverageDoc) -> GroupCoverage:
    """A document's coverage of one group as the record (its times as the document writes them)."""
    first = datetime.fromisoformat(g["first_date"])
    return GroupCoverage(
        g["group"], tuple(g["channels"]), g["posts"], g["first_channel"], first, g["first_post_id"], None
    )
