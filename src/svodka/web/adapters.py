"""The web app's only contact with stories and digests: small functions over ``store.stories`` and
``store.digests``.

Stories (issue 4) and digests (issue 5) are built in parallel with the web app. Until a store has them,
these functions raise :class:`NotBuilt` and the pages say so; wiring them is done here and nowhere else.

What the web app expects (duck-typed; adjust the calls below if the repositories name them differently):

``store.stories``
    ``get(story_id) -> Story`` (NotFoundError when unknown) and
    ``list(since=None, limit=50, offset=0) -> list[Story]``, newest activity first; or at least
    ``in_period(since, until) -> list[Story]`` (what the digest uses), from which both are derived;
    optionally ``search(query, limit=10) -> list[Story]``.
``store.digests`` (``svodka.store.sqlite.digests``)
    ``list(limit=50) -> list[DigestRecord]``, newest first, and ``body(digest_id) -> dict``: the stored JSON
    document (``docs/digest-schema.md``), which the digest page shows as the HTML renderer does.
Credibility
    ``svodka.pipeline.credibility.learn_records(stories, channels)`` over recent stories, once stories exist.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from svodka.errors import NotFoundError, SvodkaError
from svodka.model import Story
from svodka.store import Store

log = logging.getLogger(__name__)


class NotBuilt(SvodkaError):
    """A part of svodka this store does not have yet (stories, digests)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} are not built yet in this svodka (run the pipeline once it exists)")
        self.what = what


def _repo(store: Store, name: str, what: str) -> Any:
    repo = getattr(store, name, None)
    if repo is None:
        raise NotBuilt(what)
    return repo


def has_stories(store: Store) -> bool:
    return getattr(store, "stories", None) is not None


def has_digests(store: Store) -> bool:
    return getattr(store, "digests", None) is not None


# --- stories -----------------------------------------------------------------------------------------
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def story(store: Store, story_id: int) -> Story:
    repo = _repo(store, "stories", "stories")
    get = getattr(repo, "get", None)
    if get is not None:
        return get(story_id)
    for s in repo.in_period(_EPOCH, datetime.now(UTC) + timedelta(days=1)):  # a repository without get()
        if s.id == story_id:
            return s
    raise NotFoundError(f"no story with id {story_id}")


def stories(store: Store, since: datetime | None = None, limit: int = 50, offset: int = 0) -> list[Story]:
    """Stories active since ``since``, the most recently active first."""
    repo = _repo(store, "stories", "stories")
    if hasattr(repo, "list"):
        return list(repo.list(since=since, limit=limit, offset=offset))
    found = sorted(
        repo.in_period(since or _EPOCH, datetime.now(UTC) + timedelta(days=1)),
        key=lambda s: (s.last_date, s.id),
        reverse=True,
    )
    return found[offset : offset + limit]


def search_stories(store: Store, query: str, limit: int = 10) -> list[Story]:
    """Stories matching ``query`` (empty when the story repository cannot search)."""
    repo = _repo(store, "stories", "stories")
    search = getattr(repo, "search", None)
    if search is None:
        return []
    try:
        return list(search(query, limit=limit))
    except SvodkaError as e:  # the post results still show when the story search fails
        log.warning("story search failed for %r: %s", query, e)
        return []


@dataclasses.dataclass(frozen=True, slots=True)
class Trend:
    story: Story
    recent: int  # posts in the last `hours`
    before: int  # posts in the `hours` before that
    channels: int  # distinct channels in the last `hours`

    @property
    def growth(self) -> float:
        return (self.recent + 1) / (self.before + 1)


def trending(store: Store, hours: float = 6.0, limit: int = 20, now: datetime | None = None) -> list[Trend]:
    """Stories growing fastest: posts in the last ``hours`` against the ``hours`` before, with reach.

    Ranked by recent posts from distinct channels times growth, so a burst of one channel's posts does not
    outrank a story that many channels pick up.
    """
    now = now or datetime.now(UTC)
    window = timedelta(hours=hours)
    found = []
    for s in stories(store, since=now - window, limit=500):
        recent = [m for m in s.members if now - window <= m.post.date <= now]
        before = sum(1 for m in s.members if now - 2 * window <= m.post.date < now - window)
        if recent:
            found.append(Trend(s, len(recent), before, len({m.post.channel_id for m in recent})))
    found.sort(key=lambda t: (t.channels * t.growth, t.recent, t.story.id), reverse=True)
    return found[:limit]


# --- digests -----------------------------------------------------------------------------------------
def _jsonable(record: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return dataclasses.asdict(record)
    if isinstance(record, dict):
        return record
    return {"value": str(record)}


def _digest_row(record: Any) -> dict[str, Any]:
    """A digest as listed: id, kind, period, when made, how many stories."""
    row = _jsonable(record)
    items = row.pop("items", None)
    if isinstance(items, dict | list):
        row["stories"] = len(items)
    return row


def digests(
    store: Store,
    limit: int = 50,
    offset: int = 0,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """Digests, newest first; ``since``/``until`` keep those whose period overlaps that span."""
    repo = _repo(store, "digests", "digests")
    fetch = limit + offset if since is None and until is None else 10_000
    rows = [_digest_row(r) for r in repo.list(limit=fetch)]
    if since is not None:
        rows = [r for r in rows if not isinstance(r.get("until"), datetime) or r["until"] >= since]
    if until is not None:
        rows = [r for r in rows if not isinstance(r.get("since"), datetime) or r["since"] < until]
    return rows[offset : offset + limit]


def digest(store: Store, digest_id: int) -> dict[str, Any]:
    """One digest as its JSON document (``docs/digest-schema.md``): the content of the HTML renderer."""
    repo = _repo(store, "digests", "digests")
    body = getattr(repo, "body", None)
    if body is not None:
        data: dict[str, Any] = body(digest_id)
        if data.get("id") is None:  # the document was rendered before the store gave it its id
            data["id"] = digest_id
        return data
    return _jsonable(repo.get(digest_id))


# --- credibility -------------------------------------------------------------------------------------
_RECORDS: dict[int, tuple[float, dict[int, Any]]] = {}
RECORDS_TTL_S = 300.0  # learning the records reads a few thousand stories: once every few minutes


def _records(store: Store) -> dict[int, Any]:
    """Every channel's learned credibility record (svodka.pipeline.credibility) over recent stories."""
    cached = _RECORDS.get(id(store))
    now = time.monotonic()
    if cached is not None and now - cached[0] < RECORDS_TTL_S:
        return cached[1]
    try:
        from svodka.pipeline.credibility import learn_records
    except ImportError:
        return {}
    channels = {c.id: c for c in store.channels.list()}
    records = dict(learn_records(stories(store, limit=5000), channels))
    _RECORDS[id(store)] = (now, records)
    return records


def credibility(store: Store, channel_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The learned credibility record per channel, where stories exist (else empty)."""
    if not has_stories(store):
        return {}
    records = _records(store)
    out = {}
    for cid in channel_ids:
        r = records.get(cid)
        if r is None:
            continue
        explain = getattr(r, "explain", None)
        out[cid] = {
            "score": round(float(r.score), 3),
            "corroboration_rate": round(float(r.corroboration_rate), 3),
            "stories": r.stories,
            "corroborated": r.corroborated,
            "first": r.first,
            "copies": r.copies,
            "explain": explain() if explain else None,
        }
    return out
