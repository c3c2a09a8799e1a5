"""One alert run: what is new in the store matched and recorded, then what is due delivered.

Each stage reads from its watermark in ``monitor_state`` (the highest post id matched, the highest post id
placed into a story up to the pipeline's watermark, the last edit and deletion seen) and records its alerts
and its new watermark in one transaction, in chunks: killed at any point, a run neither loses an alert nor
records one twice (the store keeps one alert per watchlist, rule and subject).
Delivery is svodka.monitor.send.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice, takewhile

from svodka.digest.deliver import BotSettings, SmtpSettings
from svodka.errors import NotFoundError
from svodka.model import Channel
from svodka.monitor.config import check_targets, load_watchlists, targets
from svodka.monitor.match import Matcher
from svodka.monitor.rules import RuleOptions, card_topic, change_drafts, post_drafts, story_drafts
from svodka.monitor.send import Channels, Retry, SendReport, deliver_due
from svodka.monitor.watchlist import Watchlist
from svodka.store.base import WATERMARK, Store

log = logging.getLogger(__name__)

CHUNK = 1000


@dataclass(frozen=True, slots=True)
class AlertReport:
    posts: int = 0  # new posts matched
    stories: int = 0  # stories looked at
    changes: int = 0  # edits and deletions looked at
    recorded: int = 0  # alerts new or updated
    sent: SendReport = field(default_factory=SendReport)


def _options(settings: Mapping[str, object]) -> RuleOptions:
    age = float(settings["alerts.max_age_hours"])  # type: ignore[arg-type]
    return RuleOptions(
        float(settings["alerts.spike_factor"]),  # type: ignore[arg-type]
        timedelta(hours=age) if age > 0 else None,
        str(settings["pipeline.embedder"]),
        str(settings["web.public_url"]),
    )


def scan(store: Store, lists: Sequence[Watchlist], options: RuleOptions, now: datetime) -> AlertReport:
    """Match what is new since the last run and record the alerts (see the module's doc)."""
    channel_list = store.channels.list()
    channels: dict[int, Channel] = {c.id: c for c in channel_list}
    matcher = Matcher(lists, channel_list)
    a = store.alerts
    posts = stories = changes = recorded = 0

    # new posts (those older than the cutoff are skipped by the store's query; the watermark then moves on
    # to the highest post id there was when the scan began, so old posts are not read again next time).
    # Only up to the settled id: PostgreSQL hands ids out before commit, and a post committed late under a
    # lower id than one already matched would be passed over for good (``claims.settled_post_id``).
    after = a.get_state("posts")
    top = store.claims.settled_post_id()
    cutoff = now - options.max_age if options.max_age is not None else None
    while True:
        fresh = store.posts.iter(since=cutoff, after_id=after, include_deleted=False)  # old posts: no alert
        chunk = list(islice(takewhile(lambda p: p.id <= top, fresh), CHUNK))
        if not chunk:
            break
        langs = {k: v.language for k, v in store.analysis.get_many([p.id for p in chunk]).items()}
        drafts = post_drafts(matcher, ((p, langs.get(p.id)) for p in chunk), channels, now, options)
        after = chunk[-1].id
        with store.transaction():
            recorded += len(a.record(drafts, now))
            a.set_state("posts", after)
        posts += len(chunk)
    if top > after:
        a.set_state("posts", top)

    # stories new posts joined. The watermark moves only up to the pipeline's own (every post at or below
    # it is placed): a run places its posts in date order, batch by batch, so a later batch can place ids
    # below one an earlier batch placed; passing over them would miss their stories for good. Read before
    # the stories, so every post at or below it is seen placed; stories above it are looked at again later.
    placed = a.get_state("stories")
    settled = store.analysis.get_state(WATERMARK)
    ids, top = a.stories_touched(placed)
    top = max(placed, min(top, settled))
    for i in range(0, len(ids), CHUNK):
        loaded = []
        for sid in ids[i : i + CHUNK]:
            try:
                loaded.append(store.stories.get(sid))
            except NotFoundError:  # merged away meanwhile: its survivor is in the list too
                continue
        drafts = story_drafts(
            matcher, loaded, {}, channels, now, options, card_topic(store, options.embedder)
        )
        with store.transaction():
            recorded += len(a.record(drafts, now))
        stories += len(loaded)
    if top != placed:
        a.set_state("stories", top)

    # edits and deletions of watched channels: the store's change feed (only changes stored since 0017)
    after = a.get_state("changes")
    while rows := a.changes_after(after, CHUNK):
        found = []
        for _, kind, post_id in rows:
            post = store.posts.get(post_id)
            versions = store.posts.versions(post_id)
            old = versions[-1].text if versions else post.text
            found.append((kind, post, old, len(versions)))
        drafts = change_drafts(matcher, found, channels, options.public_url) if found else []
        after = rows[-1][0]
        with store.transaction():
            recorded += len(a.record(drafts, now))
            a.set_state("changes", after)
        changes += len(rows)
    return AlertReport(posts, stories, changes, recorded)


def run_alerts(
    store: Store,
    settings: Mapping[str, object],
    now: datetime | None = None,
    on_sent: Callable[[object], None] | None = None,
) -> AlertReport:
    """Match, record, deliver: `svodka alerts run`, and after each cycle of `svodka watch`."""
    now = now or datetime.now(UTC)
    lists = load_watchlists(store, settings)
    known = targets(settings)
    check_targets(lists, known)
    report = scan(store, lists, _options(settings), now)
    channels = Channels(
        SmtpSettings.from_settings(settings),
        BotSettings.from_settings(settings),
        float(settings["network.timeout"]),  # type: ignore[arg-type]
        str(settings["digest.language"]),
        str(settings["display.tz"]),
    )
    retry = Retry(
        int(settings["alerts.max_attempts"]),  # type: ignore[call-overload]
        float(settings["alerts.backoff_base"]),  # type: ignore[arg-type]
        float(settings["alerts.backoff_cap"]),  # type: ignore[arg-type]
    )
    sent = deliver_due(store, known, channels, retry, now, on_sent)
    return AlertReport(report.posts, report.stories, report.changes, report.recorded, sent)
