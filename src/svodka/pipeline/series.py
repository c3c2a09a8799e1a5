"""Recurring series: the posts a channel publishes day after day on one template with changed figures.

The nightly drone tally («За ночь над Брянской областью уничтожено 7 БПЛА»), the morning weather, the
exchange rates, «Главное за день»: each day's instance is a story of its own, and two of them look alike
(a close centroid, the same region names) without continuing each other. What tells them is the *shape*:
the opening words of a post with its figures masked. A channel that posted the same shape on two different
days runs a series, whatever its topic — learned from the stories' own posts, not from a list of topics.

Two stories that are both instances of one series continue each other only through something beyond the
template: a shared name that is not in the templated posts themselves, or a shared link (decided by the
caller, :func:`svodka.pipeline.storylines.judge_stories`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

OPENING = 10  # words of a post's opening that make its shape
STEM = 5  # letters of a word that count (the inflection changes from day to day)
SAME_SHAPE = 0.4  # Jaccard of two openings' stems from which two posts share a template
ROUTINE = 0.25  # share of *each* story's posts on the template from which both are the series' instances
MIN_GAP_HOURS = 12.0  # the two posts of a series are of different days (a repost an hour later is not)

_WORD = re.compile(r"[^\W\d_]+|\d+")


@dataclass(frozen=True, slots=True)
class SeriesPost:
    """One post of a story, as the series test needs it."""

    channel_id: int
    ts: float
    text: str


class StoryTexts(Protocol):
    """The posts of a story (by story id), for the stories a link is judged between; () when unknown."""

    def __call__(self, story_id: int, /) -> Sequence[SeriesPost]: ...


def shape(text: str) -> frozenset[str]:
    """The stems of a post's opening words, every number masked to ``0``: alike for two days of one
    template («За ночь над Ростовской областью уничтожено 24 БПЛА» / «… над Брянской … 7 БПЛА»)."""
    opening = [w.lower() for w in _WORD.findall(text)][:OPENING]
    return frozenset("0" if w.isdigit() else w[:STEM] for w in opening)


def same_shape(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a and b) and len(a & b) / len(a | b) >= SAME_SHAPE


@dataclass(frozen=True, slots=True)
class Series:
    """Two stories found to be instances of one series: the texts of their posts on its template (what
    the series says every time, with that day's figures and places)."""

    templated: tuple[str, ...]


def _on_template(a: Sequence[SeriesPost], b: Sequence[SeriesPost]) -> list[str]:
    """The texts of ``a`` that a post of ``b`` of the same channel repeats in shape on another day."""
    shapes = [(q.channel_id, q.ts, shape(q.text)) for q in b]
    out = []
    for p in a:
        sp = shape(p.text)
        if any(
            ch == p.channel_id and abs(ts - p.ts) >= MIN_GAP_HOURS * 3600 and same_shape(sp, sq)
            for ch, ts, sq in shapes
        ):
            out.append(p.text)
    return out


def series_of(a: Sequence[SeriesPost], b: Sequence[SeriesPost]) -> Series | None:
    """The series two stories are instances of, or None: each story has at least ``ROUTINE`` of its
    posts on a template that the same channel posts in the other story on another day. A large story of
    an event that also holds one daily report (an offensive and the ministry's daily tally) is not an
    instance: the routine is a small part of it."""
    if not a or not b:
        return None
    in_a, in_b = _on_template(a, b), _on_template(b, a)
    if len(in_a) < ROUTINE * len(a) or len(in_b) < ROUTINE * len(b):
        return None
    return Series(tuple(in_a + in_b))


def beyond_template(shared_names: Iterable[str], series: Series) -> list[str]:
    """The shared names (stems, as the name finder gives them) that the templated posts do not say."""
    said = {w.lower() for text in series.templated for w in _WORD.findall(text)}
    return [n for n in shared_names if not any(w.startswith(n) for w in said)]
