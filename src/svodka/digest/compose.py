"""Compose a digest: select stories for a period and filters, rank them, card and summarise the top N.

:func:`build_digest` takes either an open store (it reads ``store.stories``, ``store.channels`` and, for
repeats, ``store.digests``) or a list of :class:`~svodka.model.Story` objects with the channels passed
in :class:`DigestOptions`. It never writes; :func:`save_digest` stores a digest so that the next one of
its kind can tell a repeat from an update.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Protocol

from svodka.digest.fold import Centroids, FoldSettings, StoreCentroids, fold
from svodka.digest.model import Digest, DigestItem, DigestQuery, DigestRecord, OnlyIn, OnlyInStory, StoryCard
from svodka.digest.topic_vectors import story_vectors
from svodka.digest.voice import Voice, credibility_line, settle
from svodka.errors import ConfigError, NotFoundError, SvodkaError
from svodka.i18n import LANGUAGES
from svodka.links import public_post_url, safe_url
from svodka.model import PROGRAMME, Channel, Story, StoryMember
from svodka.pipeline.coordination import coordination
from svodka.pipeline.corrections import drop_not_news
from svodka.pipeline.coverage import coverage, group_names, sole_group
from svodka.pipeline.credibility import ChannelRecord, CredibilityOptions, learn_records
from svodka.pipeline.differences import DIGEST_TOP, Difference, Quote, differences, natasha_entities
from svodka.pipeline.headline import headline_problems
from svodka.pipeline.importance import DeskProfile, importance_context
from svodka.pipeline.networks import membership
from svodka.pipeline.quotes import same_thing
from svodka.pipeline.rank import Period, RankWeights, ordered, rank, score_story, view_norms
from svodka.pipeline.story_topics import TOPICS, classify
from svodka.pipeline.storylines import continuation, new_developments
from svodka.pipeline.summarize import Abstract, Cited, Summary, SummaryOptions, clean_text, summarize

if TYPE_CHECKING:
    from svodka.store.base import Store

log = logging.getLogger(__name__)

_UK = re.compile(r"[іїєґ]", re.IGNORECASE)
_CYR = re.compile(r"[а-яё]", re.IGNORECASE)
_LAT = re.compile(r"[a-z]", re.IGNORECASE)
ONLY_IN_PER_GROUP = 5  # stories the «only in …» section lists per group, best ranked first


class Abstractor(Protocol):
    """Writes a short abstract of a story from its posts only (e.g. a local LLM); None when it cannot."""

    def abstract(self, story: Story, summary: Summary) -> Abstract | None: ...


@dataclass(frozen=True, slots=True)
class DigestOptions:
    weights: RankWeights = field(default_factory=RankWeights)
    summary: SummaryOptions = field(default_factory=SummaryOptions)
    credibility: CredibilityOptions = field(default_factory=CredibilityOptions)
    desk: DeskProfile = field(default_factory=DeskProfile)  # what the importance term leads with
    channels: Mapping[int, Channel] | None = None  # for a list of stories: tiers and groups
    history: Sequence[Story] | None = None  # stories to learn channel records from (default: the period's)
    previous: DigestRecord | None = None  # the last digest of this kind (default: from the store)
    abstractor: Abstractor | None = None
    history_days: float = 30.0  # with a store: how far back channel records are learned
    now: datetime | None = None  # the digest's "now" for recency (default: the query's end)
    public_url: str = ""  # svodka's web app for readers (web.public_url): where t.me/c citations go instead
    networks: Mapping[int, int] | None = None  # channel → network, each one source (default: the store's)
    fold: FoldSettings = field(default_factory=FoldSettings)  # when two candidate items are one event
    embedder: str = "e5"  # pipeline.embedder: whose cached vectors the fold compares stories by
    centroids: Centroids | None = None  # the fold's story vectors (default: the store's cached ones)


def guess_language(text: str) -> str | None:
    """A script-level guess for posts the pipeline left without a language: uk/ru by letters, else en."""
    text = clean_text(text)  # links and markup are Latin whatever the post's language
    cyr, lat = len(_CYR.findall(text)), len(_LAT.findall(text))
    if cyr == lat == 0:
        return None
    if cyr >= lat:
        return "uk" if len(_UK.findall(text)) > 2 else "ru"
    return "en"


def post_languages(store: Store, since: datetime, until: datetime, limit: int = 500) -> list[str | None]:
    """The languages of up to ``limit`` posts of ``[since, until)``: the pipeline's, else a guess."""
    posts = list(islice(store.posts.iter(since=since, until=until, include_deleted=False), limit))
    found = store.analysis.get_many([p.id for p in posts])
    return [a.language if (a := found.get(p.id)) and a.language else guess_language(p.text) for p in posts]


def member_language(m: StoryMember) -> str | None:
    return m.language or guess_language(m.post.text)


def _restrict(story: Story, keep: Callable[[StoryMember], bool]) -> Story | None:
    members = tuple(sorted((m for m in story.members if keep(m)), key=lambda m: (m.post.date, m.post.id)))
    if not members:
        return None
    if members == story.members:
        return story
    return replace(story, members=members, first_date=members[0].post.date, last_date=members[-1].post.date)


def card_for(
    story: Story,
    independent: int,
    topic: str,
    channels: Mapping[int, Channel],
    networks: Mapping[int, int] | None = None,
) -> StoryCard:
    first = min(story.members, key=lambda m: (m.post.date, m.post.id))
    langs = sorted({lang for m in story.members if (lang := member_language(m))})
    return StoryCard(
        story_id=story.id,
        first_channel=first.post.channel,
        first_date=first.post.date,
        first_url=safe_url(first.post.url),  # the card links the first post: a safe link or none
        last_date=max(m.post.date for m in story.members),
        channels=tuple(dict.fromkeys(m.post.channel for m in story.members)),
        posts=len(story.members),
        independent=independent,
        copies=sum(m.is_copy for m in story.members),
        languages=tuple(langs),
        topic=topic,
        groups=coverage(story.members, channels),
        coordinated=coordination(story, networks),
    )


def only_in_sections(
    ranked: Sequence[Story], channels: Mapping[int, Channel], headline: Callable[[Story], Cited | None]
) -> tuple[OnlyIn, ...]:
    """The «only in …» sections: per group, the best ranked of ``ranked`` that it alone carries (from two
    channels or more: one channel's post is no blindspot of the others); none with fewer than two groups.
    ``headline`` gives a story's headline, None to leave the story out (e.g. another topic)."""
    if len(group_names(channels.values())) < 2:
        return ()
    found: dict[str, list[OnlyInStory]] = {}
    for story in ranked:
        cov = coverage(story.members, channels)
        group = sole_group(cov)
        if group is None or len(story.channels) < 2 or len(found.get(group, ())) >= ONLY_IN_PER_GROUP:
            continue
        head = headline(story)
        if head is not None:
            found.setdefault(group, []).append(
                OnlyInStory(story.id, head, cov[0], len(story.channels), len(story.members))
            )
    return tuple(OnlyIn(g, tuple(found[g])) for g in sorted(found))


def _public_links(summary: Summary, public_url: str) -> Summary:
    """Citations of posts without a link that opens publicly point to their page in svodka's web app."""

    def link(c: Cited) -> Cited:
        url, alt_url = public_post_url(c.url, c.post_id, public_url)
        return replace(c, url=url, alt_url=alt_url)

    return replace(summary, headline=link(summary.headline), sentences=tuple(map(link, summary.sentences)))


def _differences(story: Story, networks: Mapping[int, int], public_url: str | None) -> tuple[Difference, ...]:
    """How the story's sources differ, each quote linked as the summary's citations are (public_url)."""
    found = differences(story, networks, names=natasha_entities())  # names: natasha's offline NER
    if not public_url:
        return found

    def link(q: Quote) -> Quote:
        url, alt_url = public_post_url(q.url, q.post_id, public_url)
        return replace(q, url=url, alt_url=alt_url)

    return tuple(replace(d, quotes=tuple(map(link, d.quotes))) for d in found)


def load_stories(store: Store, since: datetime, until: datetime) -> list[Story]:
    """Stories touching ``[since, until)``: the developments of ``store.stories`` grouped by their story
    (``store.developments``, :func:`group_developments`), without what analysts marked not news; a clear
    error where the store has none."""
    if not store.stories.count():
        raise SvodkaError("no stories to digest: the store has none yet; run `svodka process` first")
    parts = store.stories.in_period(since, until)
    stories = group_developments(parts, store.developments.story_of([p.id for p in parts]))
    return drop_not_news(stories, *store.corrections.not_news())


def load_story(store: Store, story_id: int) -> Story:
    """One story whole, as its digest card sees it: the development ``story_id`` names (or the story's own
    id) with every development of its story (:func:`group_developments`); NotFoundError when there is none."""
    story_id = store.stories.resolve(story_id)  # an id merged away: the development it went to
    sid = store.developments.story_of([story_id]).get(story_id, story_id)
    parts = []
    for d in dict.fromkeys([*store.developments.developments(sid), story_id]):
        try:
            parts.append(store.stories.get(d))
        except NotFoundError:
            continue
    if not parts:
        return store.stories.get(story_id)  # the store's own NotFoundError
    return group_developments(parts, {p.id: sid for p in parts})[0]


def group_developments(parts: Sequence[Story], story_of: Mapping[int, int]) -> list[Story]:
    """One :class:`Story` per story: its developments' members in time order, its id the story's (a
    development in no story is one of its own), ``developments`` its parts' ids, oldest first."""
    groups: dict[int, list[Story]] = {}
    for part in parts:
        groups.setdefault(story_of.get(part.id, part.id), []).append(part)
    out = []
    for sid, group in groups.items():
        group.sort(key=lambda p: (p.first_date, p.id))
        if len(group) == 1:
            out.append(replace(group[0], id=sid, developments=(group[0].id,)))
            continue
        members = tuple(sorted((m for p in group for m in p.members), key=lambda m: (m.post.date, m.post.id)))
        updated = [p.updated_at for p in group if p.updated_at is not None]
        out.append(
            Story(
                sid,
                members,
                members[0].post.date,
                members[-1].post.date,
                max(updated) if updated else None,
                tuple(p.id for p in group),
            )
        )
    out.sort(key=lambda s: (s.first_date, s.id))
    return out


def story_summary(store: Store, story: Story, options: SummaryOptions, tiers: Mapping[int, int]) -> Summary:
    """A story's headline and key sentences as its digest card and its story page show them."""
    summary = summarize(story, options, tiers)
    return _newest_headline(store, story, summary, lambda p: summarize(p, options, tiers))


def _newest_headline(
    store: Store, story: Story, summary: Summary, summarise: Callable[[Story], Summary]
) -> Summary:
    """A story of several developments is headed by its newest development's headline (issue 14 §3)
    where that makes a clean one; the key sentences stay the whole story's, less the one that became the
    headline."""
    if len(story.developments) < 2:
        return summary
    newest = {m.post.id for m in store.stories.get(story.developments[-1]).members}
    part = _restrict(story, lambda m: m.post.id in newest and m.kind != PROGRAMME)
    if part is None:  # a development of the channels' plugs only (pipeline.ads.post_kind) heads nothing
        return summary
    head = summarise(part).headline
    if headline_problems(head.text):  # its leads make no clean headline: the story's own stays
        return summary
    rest = tuple(
        c
        for c in (summary.headline, *summary.sentences)
        if c.post_id != head.post_id and not same_thing(c.text, head.text)  # no quote repeats the headline
    )
    return replace(summary, headline=head, sentences=rest[: max(1, len(summary.sentences))])


def build_digest(
    source: Store | Sequence[Story],
    query: DigestQuery,
    options: DigestOptions | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Digest:
    """The digest for ``query`` from ``source``: a Store, or a sequence of Story objects. A story the
    previous digest of its kind showed (``options.previous``, else the store's latest that ended before
    ``query.until``: a digest saved for this same period is not its predecessor) comes back only as an
    update."""
    opt = options or DigestOptions()
    previous = opt.previous
    if previous is None and not isinstance(source, Sequence):
        previous = source.digests.before(query.kind, query.until)
    return _compose(source, query, opt, previous, on_progress)


def build_fresh_digest(
    source: Store | Sequence[Story],
    query: DigestQuery,
    options: DigestOptions | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Digest:
    """The digest for ``query`` as if nothing had been shown before (`svodka digest --fresh`)."""
    return _compose(source, query, options or DigestOptions(), None, on_progress)


def _compose(
    source: Store | Sequence[Story],
    query: DigestQuery,
    opt: DigestOptions,
    previous: DigestRecord | None,
    on_progress: Callable[[int], None] | None,
) -> Digest:
    t0 = time.perf_counter()
    if query.topic and query.topic not in TOPICS:
        raise ConfigError(f"unknown topic {query.topic!r}; one of: {', '.join(TOPICS)}")
    if query.until <= query.since:
        raise ConfigError(f"empty period: {query.since.isoformat()} … {query.until.isoformat()}")
    history = opt.history
    if isinstance(source, Sequence):
        stories = [s for s in source if s.last_date >= query.since and s.first_date < query.until]
        channels: Mapping[int, Channel] = opt.channels or {}
    else:
        channels = opt.channels or {c.id: c for c in source.channels.list()}
        start = query.until - timedelta(days=opt.history_days)
        if history is None:
            history = load_stories(source, min(start, query.since), query.until)
            stories = [s for s in history if s.last_date >= query.since and s.first_date < query.until]
        else:
            stories = load_stories(source, query.since, query.until)
    networks = opt.networks
    if networks is None:  # a channel network counts as one source (svodka.pipeline.networks)
        networks = {} if isinstance(source, Sequence) else membership(source.networks.list())
    records: dict[int, ChannelRecord] = learn_records(
        history if history is not None else stories, channels, opt.credibility, networks
    )
    # A story is in the digest when it has a post in the period; its card and summary use all of it up to
    # the period's end (who reported first may be yesterday), limited to the group's channels and language.
    in_group: set[int] | None = None
    if query.group:
        in_group = {cid for cid, c in channels.items() if query.group in c.groups}
        if not in_group:
            raise ConfigError(f"no channel is in group {query.group!r} (see `svodka channels list`)")
    kept: list[Story] = []
    for s in stories:
        part = _restrict(
            s,
            lambda m: (
                m.post.date < query.until
                and (in_group is None or m.post.channel_id in in_group)
                and (query.lang is None or member_language(m) == query.lang)
            ),
        )
        if part is not None and part.last_date >= query.since:
            kept.append(part)
    language, tz = settle(query.language, query.tz, (member_language(m) for s in kept for m in s.members))
    query = replace(query, language=language, tz=tz)
    now = opt.now or min(query.until, datetime.now(UTC))
    all_posts = [m.post for s in (history or stories) for m in s.members]
    tiers = {cid: c.tier for cid, c in channels.items()}
    vectors = {} if isinstance(source, Sequence) else story_vectors(source, opt.embedder, kept)  # topic heads
    context = replace(importance_context(opt.desk, channels, all_posts), vectors=vectors)
    period = Period(query.since, now)  # recency against the period's end and length (pipeline.rank)
    norms = view_norms(all_posts)
    ranked = rank(kept, period, records, norms, opt.weights, tiers, context)
    centroids = opt.centroids or (
        None if isinstance(source, Sequence) else StoreCentroids(source, opt.embedder)
    )
    folded: dict[int, tuple[int, ...]] = {}  # item -> the stories folded into it
    if centroids is not None:  # one event is one item, even where the story level split it (digest.fold)
        scores = {s.id: sc for s, sc in ranked}
        whole = fold([s for s, _ in ranked], query.top, centroids, opt.fold)
        folded = {s.id: ids for s, ids in whole if ids}
        ranked = ordered(
            (
                (
                    s,
                    score_story(s, period, records, norms, opt.weights, tiers, context)
                    if ids
                    else scores[s.id],
                )
                for s, ids in whole
            ),
            records,
        )
    items: list[DigestItem] = []
    skipped = 0
    cited_channels: set[int] = set()
    # One headline and summary per story, as the story page and every renderer show it (tz: a changing
    # figure's time is in the digest's zone; tiers: a credible channel's lead is the headline).
    summary_options = replace(opt.summary, tz=query.tz)
    lines = _storylines(source, kept, previous)
    own = {s.id: s for s in kept}  # a folded item's words are its own story's, as its story page shows them
    for story, score in ranked:
        if len(items) >= query.top:
            break
        words = own.get(story.id, story)
        if isinstance(source, Sequence):
            summary = summarize(words, summary_options, tiers)
        else:
            summary = story_summary(source, words, summary_options, tiers)
        guess = classify(story, summary.headline.text, vector=vectors.get(story.id))
        if query.topic and guess.topic != query.topic:
            continue
        update, new_posts, new_since = False, 0, None
        if previous is not None and story.id in previous.items:
            _, shown_last = previous.items[story.id]
            new_posts = sum(m.post.date > shown_last for m in story.members)
            if new_posts == 0:
                skipped += 1
                continue
            update, new_since = True, shown_last
        elif previous is not None and (went_on := continuation(story.id, lines, _shown(previous))):
            # the previous digest showed its storyline through another story: this one is its update
            new_posts = sum(m.post.date > went_on.shown_last for m in story.members)
            update, new_since = new_posts > 0, went_on.shown_last if new_posts else None
        if update and new_since is not None:
            # The reader saw this story: the headline and key sentences lead with what is new since.
            summary = summarize(words, replace(summary_options, fresh_after=new_since), tiers)
        if opt.public_url:
            summary = _public_links(summary, opt.public_url)
        if opt.abstractor is not None:
            try:
                summary = replace(summary, abstract=opt.abstractor.abstract(story, summary))
            except SvodkaError as e:
                log.warning("abstract for story %s not written: %s", story.id, e)
        items.append(
            DigestItem(
                rank=len(items) + 1,
                card=card_for(story, score.independent, guess.topic, channels, networks),
                summary=summary,
                score=score,
                update=update,
                new_posts=new_posts,
                new_since=new_since,
                differences=_differences(words, networks, opt.public_url) if len(items) < DIGEST_TOP else (),
                storyline=_storyline(source, story, lines),
                new_developments=_new_developments(source, story, new_since) if update else 0,
                folded=folded.get(story.id, ()),
            )
        )
        cited_channels.update(m.post.channel_id for m in story.members)
        if on_progress:
            on_progress(1)
    shown = {it.card.story_id: it.summary.headline for it in items}

    def only_in_headline(story: Story) -> Cited | None:
        if story.id in shown:
            return shown[story.id]
        head = summarize(story, summary_options, tiers).headline
        if query.topic and classify(story, head.text, vector=vectors.get(story.id)).topic != query.topic:
            return None
        return _public_links(Summary(head, ()), opt.public_url).headline if opt.public_url else head

    only_in = () if query.group else only_in_sections([s for s, _ in ranked], channels, only_in_headline)
    cited = sorted((records[c] for c in cited_channels if c in records), key=lambda r: (-r.score, r.name))
    v = Voice(language if language in LANGUAGES else "en", tz)
    explained = tuple(credibility_line(r, v) for r in cited)
    log.info(
        "digest: %d stories considered, %d shown in %.2f s", len(kept), len(items), time.perf_counter() - t0
    )
    return Digest(
        query=query,
        generated_at=datetime.now(UTC),
        items=tuple(items),
        stories_considered=len(kept),
        repeats_skipped=skipped,
        credibility=explained,
        previous_id=previous.id if previous else None,
        only_in=only_in,
    )


def save_digest(store: Store, digest: Digest) -> Digest:
    """Store ``digest`` (``store.digests``) so the next digest of its kind can judge repeats."""
    return replace(digest, id=store.digests.save(digest))


def _storylines(
    source: Store | Sequence[Story], stories: Sequence[Story], previous: DigestRecord | None
) -> dict[int, int]:
    """``{story: storyline}`` of the period's and the previous digest's stories (pipeline.storylines)."""
    if isinstance(source, Sequence):
        return {}
    return source.storylines.of_stories([*(s.id for s in stories), *(previous.items if previous else ())])


def _shown(previous: DigestRecord) -> dict[int, datetime]:
    return {sid: last for sid, (_posts, last) in previous.items.items()}


def _storyline(source: Store | Sequence[Story], story: Story, lines: Mapping[int, int]) -> int | None:
    """The storyline the story is part of with another story, for its card's link; else None."""
    line = lines.get(story.id)
    if line is None or isinstance(source, Sequence):
        return None
    return line if line != story.id or len(source.storylines.stories(line)) > 1 else None


def _new_developments(source: Store | Sequence[Story], story: Story, since: datetime | None) -> int:
    """How many of the story's developments began after ``since`` (the previous digest's last post)."""
    if since is None or isinstance(source, Sequence) or len(story.developments) < 2:
        return int(since is not None and story.first_date > since)
    firsts = []
    for d in story.developments:
        try:
            firsts.append(source.stories.get(d).first_date)
        except NotFoundError:
            continue
    return new_developments(firsts, since)
