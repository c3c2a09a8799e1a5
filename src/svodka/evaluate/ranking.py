"""Ranking check: does the digest lead with what an editor would lead with?

Against hand-written importance grades of a day (3 lead, 2 notable, 1 soft): of a gold folder's stories
(``tests/data/importance_stories_dev.json``: gold story label → grade), or of the pipeline's stories of a day
listed by their posts (``tests/data/importance_2024-12-03.json``: :class:`GradedDay`, made into a gold folder
by :func:`graded_folder`), per digest:

* **soft in top 10** — cards in the first 10 whose gold story is graded 1 (target ≤ 1);
* **leads in top 15** — the share of grade-3 stories with a post in the period that are in the first 15
  (target ≥ 80 %);
* **NDCG@15** — gain 2^grade − 1 (an ungraded story gains 0), ideal order over the graded stories of the
  period;
* **twice** — gold stories behind two or more cards (target 0).

*Which gold stories a card shows* (the check's unit). With the gold stories (grouped by the gold labels,
:func:`svodka.evaluate.gold.gold_stories`) a card is one gold story. With the pipeline's own stories
(:func:`pipeline_days`, labelled by :func:`story_labels`) two units are counted side by side:

* **majority** — a card is the gold story most of its news posts belong to, and only that one (the unit of
  every figure before 2026-12-02);
* **shown** — a card shows every gold story it is the majority of, *and* every gold story at least
  :data:`SHOWN_SHARE` (half) of whose news posts are in the card's story: an editor reading that card reads
  that story, even where a larger one holds it (the budget law inside a card of several laws, one
  development of a story the clusterer put inside another). ``leads in top 15`` and ``twice`` are counted in
  both units (a gold story shown on two cards counts as twice in the second); soft in top 10 and NDCG@15
  are by the majority (a card gains once).

A half of the day with no post, or with every post of the day, is left out (it would count twice or say
nothing); :func:`mean_row` averages the periods checked.
"""

from __future__ import annotations

import math
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from svodka.digest.compose import DigestOptions, build_digest
from svodka.digest.model import Digest, DigestQuery
from svodka.errors import InputError
from svodka.evaluate.gold import gold_stories
from svodka.evaluate.networks import NetworkHistory
from svodka.evaluate.stories import evaluate_stories, read_gold
from svodka.model import Story, bot_api_id
from svodka.store import Store, open_store

SHOWN_SHARE = 0.5  # a card shows a gold story holding at least this share of that story's news posts


@dataclass(frozen=True, slots=True)
class RankingCheck:
    name: str
    soft_top10: int
    leads_top15: int  # by the majority unit
    leads: int  # grade-3 stories with a post in the period
    ndcg15: float
    twice: tuple[str, ...]  # gold labels behind two or more cards (majority unit)
    top: tuple[tuple[int, str | None, int | None, str], ...]  # rank, gold label, grade, headline
    shown_leads_top15: int = 0  # by the shown unit (see the module's docstring)
    shown_twice: tuple[str, ...] = ()

    @property
    def lead_share(self) -> float:
        return self.leads_top15 / self.leads if self.leads else 1.0

    @property
    def shown_lead_share(self) -> float:
        return self.shown_leads_top15 / self.leads if self.leads else 1.0

    def row(self) -> str:
        return (
            f"{self.name}: soft in top 10 {self.soft_top10}, leads in top 15 {self.leads_top15}/{self.leads} "
            f"({self.lead_share:.0%}; shown {self.shown_leads_top15}/{self.leads} "
            f"{self.shown_lead_share:.0%}), "
            f"NDCG@15 {self.ndcg15:.3f}, twice {len(self.twice)} (shown {len(self.shown_twice)})"
        )


@dataclass(frozen=True, slots=True)
class StoryLabels:
    """A store's stories labelled by the gold stories of the folder it was processed from: ``majority``
    (story id → the gold label most of its news posts carry) and ``shown`` (story id → every gold label it
    shows: its majority, and each gold story at least :data:`SHOWN_SHARE` of whose placed news posts it
    holds)."""

    majority: Mapping[int, str]
    shown: Mapping[int, frozenset[str]]


def read_grades(path: str | Path) -> dict[str, int]:
    """Story label → grade (1–3) from a grades file: ``{"grades": {label: {"grade": N, …}}}`` (the gold
    labels of a folder), or ``{"stories": [{"story": label, "grade": N, "posts": [key, …]}, …]}``."""
    path = Path(path)
    try:
        data = orjson.loads(path.read_bytes())
        if "stories" in data:
            grades = {str(s["story"]): int(s["grade"]) for s in data["stories"]}
        else:
            grades = {k: int(v["grade"]) for k, v in data["grades"].items()}
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise InputError(path, f"not a grades file: {e}") from None
    bad = [k for k, g in grades.items() if g not in (1, 2, 3)]
    if bad:
        raise InputError(path, f"grades must be 1, 2 or 3: {', '.join(bad[:5])}")
    return grades


@dataclass(frozen=True, slots=True)
class GradedDay:
    """A grades file that lists its stories by their posts (``<sender_id>:<message_id>``): the day, the
    channels whose posts it covers, the posts the pipeline set aside as ads or non-news, and each post's
    story label."""

    day: datetime
    channels: frozenset[str]
    noise: frozenset[str]
    labels: Mapping[str, str]  # post key -> story label


def read_graded_day(path: str | Path) -> GradedDay | None:
    """The :class:`GradedDay` of a grades file that lists its stories' posts; None for one keyed by gold
    labels."""
    path = Path(path)
    read_grades(path)  # the same checks, the same one-line errors
    data = orjson.loads(path.read_bytes())
    if "stories" not in data:
        return None
    try:
        day = datetime.fromisoformat(str(data["day"])).replace(tzinfo=UTC)
        labels = {str(k): str(s["story"]) for s in data["stories"] for k in s["posts"]}
        return GradedDay(
            day, frozenset(map(str, data["channels"])), frozenset(map(str, data.get("noise", ()))), labels
        )
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(path, f"not a grades file of listed stories: {e}") from None


def graded_folder(graded: GradedDay, posts: str | Path, out: str | Path) -> Path:
    """A gold folder (as ``stories_dev``) in ``out``: the posts of ``graded``'s channels on its day (UTC)
    from ``posts`` (a tg_ru_news_2024-style JSONL), each labelled with its graded story, or as a story of its
    own (an ungraded single post), or as noise."""
    posts, out = Path(posts), Path(out)
    tag = graded.day.date().isoformat()
    since, until = graded.day, graded.day + timedelta(days=1)
    out.mkdir(parents=True, exist_ok=True)
    kept, rows = [], []
    try:
        lines = posts.read_bytes().splitlines()
    except OSError as e:
        raise InputError(posts, f"cannot read: {e.strerror}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
            date = datetime.fromisoformat(row["date"])
            key = f"{row['sender_id']}:{row['message_id']}"
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as e:
            raise InputError(posts, f"not a post: {e}", f"line {n}") from None
        if row.get("channel") not in graded.channels or not since <= date < until:
            continue
        kept.append(line)
        kind = "noise" if key in graded.noise else "news"
        rows.append({"key": key, "story": graded.labels.get(key, f"single:{key}"), "kind": kind})
    if not kept:
        raise InputError(posts, f"no post of the graded channels on {tag}")
    (out / f"posts_{tag}.jsonl").write_bytes(b"\n".join(kept) + b"\n")
    (out / f"stories_{tag}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return out


def mean_row(checks: Sequence[RankingCheck]) -> str:
    """The mean over ``checks`` (each period once): lead share, soft in top 10, NDCG@15, and the total
    shown twice."""
    if not checks:
        return "mean over 0 periods"
    k = len(checks)
    return (
        f"mean over {k} periods: leads in top 15 {sum(c.lead_share for c in checks) / k:.0%} (shown "
        f"{sum(c.shown_lead_share for c in checks) / k:.0%}), soft in top 10 "
        f"{sum(c.soft_top10 for c in checks) / k:.2f}, NDCG@15 {sum(c.ndcg15 for c in checks) / k:.3f}, "
        f"twice {sum(len(c.twice) for c in checks)} (shown {sum(len(c.shown_twice) for c in checks)})"
    )


def _dcg(gains: Iterable[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def check_digest(
    name: str,
    digest: Digest,
    label_of: Mapping[int, str | None],
    grades: Mapping[str, int],
    in_period: Iterable[str],
    shown: Mapping[int, frozenset[str]] | None = None,
) -> RankingCheck:
    """Score ``digest`` (cards mapped to gold labels by ``label_of``, and to every gold label they show by
    ``shown``: by default, their ``label_of`` one); ``in_period``: the gold labels with a post in the
    digest's period (the stories it could have shown)."""
    top = tuple(
        (it.rank, label, grades.get(label) if label else None, it.summary.headline.text)
        for it in digest.items
        for label in [label_of.get(it.card.story_id)]
    )
    cards = Counter(label for _, label, _, _ in top if label)
    first15 = {label for _, label, _, _ in top[:15] if label}
    present = set(in_period)
    leads = {k for k in present if grades.get(k) == 3}
    ideal = sorted((2 ** grades[k] - 1 for k in present if k in grades), reverse=True)[:15]
    seen: set[str] = set()
    gains: list[float] = []
    for _, label, grade, _ in top[:15]:
        gains.append(2**grade - 1 if grade and label not in seen else 0.0)  # a repeat gains nothing
        if label:
            seen.add(label)
    ideal_dcg = _dcg(ideal)
    shows = [
        (shown or {}).get(it.card.story_id) or frozenset([label] if label else [])
        for it, (_, label, _, _) in zip(digest.items, top, strict=True)
    ]
    shown_count = Counter(k for ks in shows for k in ks)
    shown15 = {k for ks in shows[:15] for k in ks}
    return RankingCheck(
        name=name,
        soft_top10=sum(grade == 1 for _, _, grade, _ in top[:10]),
        leads_top15=len(leads & first15),
        leads=len(leads),
        ndcg15=_dcg(gains) / ideal_dcg if ideal_dcg else 0.0,
        twice=tuple(sorted(k for k, n in cards.items() if n > 1)),
        top=top,
        shown_leads_top15=len(leads & shown15),
        shown_twice=tuple(sorted(k for k, n in shown_count.items() if n > 1)),
    )


def day_halves(day: datetime, dates: Iterable[datetime] = ()) -> list[tuple[str, datetime, datetime]]:
    """The whole day and its two halves (UTC), the periods the check is made on; with the ``dates`` of the
    day's posts, a half that holds none of them or all of them (the day again) is left out."""
    mid, end = day + timedelta(hours=12), day + timedelta(days=1)
    periods = [("day", day, end), ("00–12", day, mid), ("12–24", mid, end)]
    inside = [d for d in dates if day <= d < end]
    if not inside:
        return periods
    return periods[:1] + [p for p in periods[1:] if 0 < sum(p[1] <= d < p[2] for d in inside) < len(inside)]


def labels_in(stories: Sequence[Story], label_of: Mapping[int, str | None], since: datetime, until: datetime):
    return {
        label
        for s in stories
        if (label := label_of.get(s.id)) and any(since <= m.post.date < until for m in s.members)
    }


def gold_days(
    folder: str | Path,
    grades: Mapping[str, int],
    day: datetime,
    options: DigestOptions | None = None,
    networks_from: NetworkHistory | None = None,
) -> list[RankingCheck]:
    """The check on digests of ``folder``'s posts grouped by their gold labels (with ``networks_from``, the
    channel networks found in that file's posts before the day count as one source each)."""
    with tempfile.TemporaryDirectory(prefix="svodka-rank-") as tmp, open_store(Path(tmp) / "g.db") as store:
        gold = gold_stories(store, folder)
        networks = networks_from.networks(store, day) if networks_from else None
        channels = {c.id: c for c in store.channels.list()}
    opt = options or DigestOptions()
    if opt.channels is None:
        opt = DigestOptions(**{**_fields(opt), "channels": channels})
    if networks is not None:
        opt = DigestOptions(**{**_fields(opt), "networks": networks})
    label_of: dict[int, str | None] = dict(gold.labels)
    out = []
    dates = [m.post.date for s in gold.stories for m in s.members]
    for name, since, until in day_halves(day, dates):
        digest = build_digest(gold.stories, DigestQuery(since, until, top=15), opt)
        out.append(
            check_digest(
                f"gold {name}", digest, label_of, grades, labels_in(gold.stories, label_of, since, until)
            )
        )
    return out


def _fields(opt: DigestOptions) -> dict[str, Any]:
    return {f: getattr(opt, f) for f in opt.__dataclass_fields__}


def pipeline_days(
    folder: str | Path,
    grades: Mapping[str, int],
    day: datetime,
    settings: Mapping[str, Any],
    options: DigestOptions | None = None,
) -> list[RankingCheck]:
    """The check on digests of the pipeline's own stories (``svodka process`` on the folder's posts)."""
    with tempfile.TemporaryDirectory(prefix="svodka-rank-") as tmp:
        db = Path(tmp) / "p.db"
        evaluate_stories(folder, settings, db_path=db)
        with open_store(db) as store:
            return pipeline_checks(store, folder, grades, day, options)


def story_labels(store: Store, folder: str | Path) -> StoryLabels:
    """The gold stories ``store``'s stories show, where ``svodka process`` ran on the gold ``folder``'s posts
    (:class:`StoryLabels`; only news posts placed in a story count)."""
    _, gold, kind = read_gold(Path(folder))
    votes: dict[int, Counter[str]] = defaultdict(Counter)
    placed = store.stories.assignments()
    channels = {c.id: c for c in store.channels.list()}
    for post in store.posts.iter():
        ch = channels.get(post.channel_id) or store.channels.by_id(post.channel_id)
        key = f"{bot_api_id(ch.tg_id) if ch.tg_id is not None else ch.name}:{post.message_id}"
        sid = placed.get(post.id)
        if sid is not None and kind.get(key) == "news":
            votes[sid][gold[key]] += 1
    size: Counter[str] = Counter()
    for c in votes.values():
        size.update(c)
    majority = {sid: c.most_common(1)[0][0] for sid, c in votes.items()}
    shown = {
        sid: frozenset({majority[sid]} | {k for k, n in c.items() if n >= SHOWN_SHARE * size[k]})
        for sid, c in votes.items()
    }
    return StoryLabels(majority, shown)


def pipeline_in_period(
    folder: str | Path, grades: Mapping[str, int], since: datetime, until: datetime
) -> set[str]:
    """The graded gold stories of ``folder`` with a news post in ``[since, until)``: those a digest of the
    pipeline's stories of that period could show."""
    folder = Path(folder)
    _, gold, kind = read_gold(folder)
    present = {gold[k] for k in gold if kind.get(k) == "news" and gold[k] in grades}
    return present & _gold_in_period(folder, gold, since, until)


def pipeline_checks(
    store: Store,
    folder: str | Path,
    grades: Mapping[str, int],
    day: datetime,
    options: DigestOptions | None = None,
) -> list[RankingCheck]:
    """The check on digests of ``store``, where ``svodka process`` ran on the gold folder's posts: each
    story labelled by :func:`story_labels` (both units)."""
    labels = story_labels(store, folder)
    label_of: dict[int, str | None] = dict(labels.majority)
    out = []
    dates = [p.date for p in store.posts.iter()]
    for name, since, until in day_halves(day, dates):
        digest = build_digest(store, DigestQuery(since, until, top=15), options or DigestOptions())
        present = pipeline_in_period(folder, grades, since, until)
        out.append(check_digest(f"pipeline {name}", digest, label_of, grades, present, labels.shown))
    return out


def _gold_in_period(folder: Path, gold: Mapping[str, str], since: datetime, until: datetime) -> set[str]:
    labels: set[str] = set()
    for path in sorted(folder.glob("posts_*.jsonl")):
        for line in path.read_bytes().splitlines():
            if not line.strip():
                continue
            row = orjson.loads(line)
            date = datetime.fromisoformat(row["date"])
            label = gold.get(f"{row['sender_id']}:{row['message_id']}")
            if label and since <= date < until:
                labels.add(label)
    return labels
