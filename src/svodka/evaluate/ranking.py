"""Ranking check: does the digest lead with what an editor would lead with?

Against hand-written importance grades of a gold day (``tests/data/importance_stories_dev.json``:
gold story label → 3 lead, 2 notable, 1 soft), per digest:

* **soft in top 10** — cards in the first 10 whose gold story is graded 1 (target ≤ 1);
* **leads in top 15** — the share of grade-3 stories with a post in the period that are in the first 15
  (target ≥ 80 %);
* **NDCG@15** — gain 2^grade − 1 (an ungraded story gains 0), ideal order over the graded stories of the
  period;
* **twice** — gold stories behind two or more cards (target 0).

A digest's card maps to a gold story directly (stories grouped by the gold labels,
:func:`svodka.evaluate.gold.gold_stories`) or by the majority label of its posts (the pipeline's own
stories, :func:`pipeline_days`).
"""

from __future__ import annotations

import math
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
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
from svodka.store import open_store


@dataclass(frozen=True, slots=True)
class RankingCheck:
    name: str
    soft_top10: int
    leads_top15: int
    leads: int  # grade-3 stories with a post in the period
    ndcg15: float
    twice: tuple[str, ...]  # gold labels behind two or more cards
    top: tuple[tuple[int, str | None, int | None, str], ...]  # rank, gold label, grade, headline

    @property
    def lead_share(self) -> float:
        return self.leads_top15 / self.leads if self.leads else 1.0

    def row(self) -> str:
        return (
            f"{self.name}: soft in top 10 {self.soft_top10}, leads in top 15 {self.leads_top15}/{self.leads} "
            f"({self.lead_share:.0%}), NDCG@15 {self.ndcg15:.3f}, twice {len(self.twice)}"
        )


def read_grades(path: str | Path) -> dict[str, int]:
    """Gold label → grade (1–3) from a grades file (``{"grades": {label: {"grade": N, …}}}``)."""
    path = Path(path)
    try:
        data = orjson.loads(path.read_bytes())
        grades = {k: int(v["grade"]) for k, v in data["grades"].items()}
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise InputError(path, f"not a grades file: {e}") from None
    bad = [k for k, g in grades.items() if g not in (1, 2, 3)]
    if bad:
        raise InputError(path, f"grades must be 1, 2 or 3: {', '.join(bad[:5])}")
    return grades


def _dcg(gains: Iterable[float]) -> float:
    return sum(g / math.log2(i + 2) for i, g in enumerate(gains))


def check_digest(
    name: str,
    digest: Digest,
    label_of: Mapping[int, str | None],
    grades: Mapping[str, int],
    in_period: Iterable[str],
) -> RankingCheck:
    """Score ``digest`` (cards mapped to gold labels by ``label_of``); ``in_period``: the gold labels
    with a post in the digest's period (the stories it could have shown)."""
    top = tuple(
        (it.rank, label, grades.get(label) if label else None, it.summary.headline.text)
        for it in digest.items
        for label in [label_of.get(it.card.story_id)]
    )
    shown = Counter(label for _, label, _, _ in top if label)
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
    return RankingCheck(
        name=name,
        soft_top10=sum(grade == 1 for _, _, grade, _ in top[:10]),
        leads_top15=len(leads & first15),
        leads=len(leads),
        ndcg15=_dcg(gains) / ideal_dcg if ideal_dcg else 0.0,
        twice=tuple(sorted(k for k, n in shown.items() if n > 1)),
        top=top,
    )


def day_halves(day: datetime) -> list[tuple[str, datetime, datetime]]:
    """The whole day and its two halves (UTC), the periods the check is made on."""
    mid, end = day + timedelta(hours=12), day + timedelta(days=1)
    return [("day", day, end), ("00–12", day, mid), ("12–24", mid, end)]


def _labels_in(
    stories: Sequence[Story], label_of: Mapping[int, str | None], since: datetime, until: datetime
):
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
    for name, since, until in day_halves(day):
        digest = build_digest(gold.stories, DigestQuery(since, until, top=15), opt)
        out.append(
            check_digest(
                f"gold {name}", digest, label_of, grades, _labels_in(gold.stories, label_of, since, until)
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
    folder = Path(folder)
    _, gold, kind = read_gold(folder)
    with tempfile.TemporaryDirectory(prefix="svodka-rank-") as tmp:
        db = Path(tmp) / "p.db"
        evaluate_stories(folder, settings, db_path=db)
        with open_store(db) as store:
            votes: dict[int, Counter[str]] = defaultdict(Counter)
            placed = store.stories.assignments()
            for post in store.posts.iter():
                ch = store.channels.by_id(post.channel_id)
                key = f"{bot_api_id(ch.tg_id) if ch.tg_id is not None else ch.name}:{post.message_id}"
                sid = placed.get(post.id)
                if sid is not None and kind.get(key) == "news":
                    votes[sid][gold[key]] += 1
            label_of = {sid: c.most_common(1)[0][0] for sid, c in votes.items()}
            out = []
            for name, since, until in day_halves(day):
                digest = build_digest(store, DigestQuery(since, until, top=15), options or DigestOptions())
                present = {
                    gold[k] for k in gold if kind.get(k) == "news" and gold[k] in grades
                }  # every graded story is on the gold day; keep those with a post in the period below
                present &= _gold_in_period(folder, gold, since, until)
                out.append(check_digest(f"pipeline {name}", digest, label_of, grades, present))
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
