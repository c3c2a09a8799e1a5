"""Storylines in the web app: «part of: …» on a story's page, the storyline page (`/storylines/{id}`: a
timeline of its stories per day, what was new each day, who reported first, channels, posts) and its JSON
(`/api/storylines/{id}`). A storyline's id is its oldest story's id; any of its stories' ids opens it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from svodka.digest.compose import load_story, story_summary
from svodka.errors import NotFoundError
from svodka.model import Story
from svodka.pipeline.networks import membership
from svodka.pipeline.summarize import SummaryOptions
from svodka.process.corrections import without_not_news
from svodka.store import Store
from svodka.store.base import StorylineEntry
from svodka.web import views
from svodka.web.framework import Ctx, View, route
from svodka.web.labels import N_

VIEWER = "viewer"
SIGNALS = {"centroid": N_("centroid"), "names": N_("names"), "links": N_("links")}  # pipeline.developing
_WHY = re.compile(r"(?P<signals>[a-z+]+)(?P<shared>: .*?)? · (?P<days>[\d.]+) d apart")  # storylines.why
N_("no storyline %(id)s")  # the NotFoundError below, on the error page in the page's language


def _entries(store: Store, story_or_line: int) -> list[StorylineEntry]:
    """The stories of the storyline ``story_or_line`` names (its id, or the id of one of its stories; a story
    in no storyline, e.g. not processed since storylines were kept, is one of its own)."""
    line = store.storylines.of_stories([story_or_line]).get(story_or_line)
    entries = store.storylines.stories(line) if line is not None else []
    if entries:
        return entries
    try:
        story = load_story(store, story_or_line)
    except NotFoundError:
        raise NotFoundError(f"no storyline {story_or_line}") from None
    first, last = story.first_date.timestamp(), story.last_date.timestamp()
    return [StorylineEntry(story.id, story.id, first, last, len(story.members), None)]


def _stories(store: Store, entries: list[StorylineEntry]) -> list[Story]:
    out = []
    for e in entries:
        try:
            out.append(load_story(store, e.story_id))
        except NotFoundError:  # a story gone since (its posts deleted)
            continue
    return without_not_news(store, out)  # not what analysts marked not news (process.corrections)


def _headline(store: Store, story: Story, tz: str) -> str:
    tiers = {}
    for cid in story.channels:
        try:
            tiers[cid] = store.channels.by_id(cid).tier
        except NotFoundError:
            continue
    return story_summary(store, story, SummaryOptions(tz=tz), tiers).headline.text


def part_of(store: Store, story_id: int, tz: str = "UTC") -> dict[str, Any] | None:
    """The storyline a story is part of, for its page: id, headline (its largest story's), how many
    stories over how many days; None when the story is in none with another."""
    try:
        entries = _entries(store, story_id)
    except NotFoundError:
        return None
    if len(entries) < 2:
        return None
    stories = _stories(store, entries)
    if not stories:
        return None
    largest = max(stories, key=lambda s: (len(s.members), -s.id))
    return {
        "id": entries[0].storyline_id,
        "headline": _headline(store, largest, tz),
        "stories": len(stories),
        "days": len({_day(s.first_date, tz) for s in stories}),
    }


def _day(value: datetime, tz: str) -> str:
    return value.astimezone(ZoneInfo(tz)).date().isoformat()


def storyline_page(store: Store, story_or_line: int, tz: str = "UTC") -> dict[str, Any]:
    """A storyline's timeline: per day (in ``tz``) its stories with their headline, the developments new
    that day, who reported first, channels and posts; and the links that joined the stories."""
    entries = _entries(store, story_or_line)
    stories = _stories(store, entries)
    if not stories:
        raise NotFoundError(f"no storyline {story_or_line}")
    days: dict[str, list[dict[str, Any]]] = {}
    headlines = {}
    nets = membership(store.networks.list())  # a network is one source, as on each story's page
    for s in sorted(stories, key=lambda s: (s.first_date, s.id)):
        first = min(s.members, key=lambda m: (m.post.date, m.post.id)).post
        headlines[s.id] = _headline(store, s, tz)
        day = _day(s.first_date, tz)
        developments = views.developments(store, s.id)
        days.setdefault(day, []).append(
            {
                **views.story_card(s, nets),
                "headline": headlines[s.id],
                "first": views.post_dict(first),
                "channel_names": list(dict.fromkeys(m.post.channel for m in s.members)),
                "new_developments": [
                    {k: d[k] for k in ("id", "lead", "posts", "first_date", "last_date")}
                    for d in developments
                ],
            }
        )
    largest = max(stories, key=lambda s: (len(s.members), -s.id))
    ids = [s.id for s in stories]  # the links among the stories shown
    return {
        "storyline": {
            "id": entries[0].storyline_id,
            "headline": headlines[largest.id],
            "stories": len(stories),
            "posts": sum(len(s.members) for s in stories),
            "channels": len({c for s in stories for c in s.channels}),
            "first_date": min(s.first_date for s in stories),
            "last_date": max(s.last_date for s in stories),
        },
        "days": [{"day": day, "stories": items} for day, items in sorted(days.items()) if items],
        "links": [
            {"a": a, "b": b, "score": score, "signals": why}
            for a, b, score, why in store.storylines.links(ids)
        ],
        "tz": tz,
    }


def said_why(ctx: Ctx, why: str) -> str:
    """A link's signals (:func:`svodka.pipeline.storylines.why`) in the page's language; one of another
    shape as it is."""
    m = _WHY.fullmatch(why)
    if m is None:
        return why
    signals = "+".join(ctx._(SIGNALS.get(s, s)) for s in m["signals"].split("+"))
    return signals + (m["shared"] or "") + ctx._(" · %(days)s d apart", days=m["days"])


@route("/storylines/{storyline_id:int}", VIEWER)
def storyline_html(ctx: Ctx) -> View:
    page = storyline_page(ctx.store, ctx.path_params["storyline_id"], ctx.config.tz)
    page["links"] = [{**link, "signals": said_why(ctx, link["signals"])} for link in page["links"]]
    return View("storyline.html", page)


@route("/api/storylines/{storyline_id:int}", VIEWER)
def api_storyline(ctx: Ctx) -> dict[str, Any]:
    return storyline_page(ctx.store, ctx.path_params["storyline_id"], ctx.config.tz)
