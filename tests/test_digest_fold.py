"""One event is one digest item (issue 14, fourth pass): candidates the story level split are folded by
their vectors' centroids and shared core names (svodka.digest.fold); recency is measured against the
digest's period (svodka.pipeline.rank.Period)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from conftest import shared
from svodka.digest.compose import DigestOptions
from svodka.digest.fold import FoldSettings, fold
from svodka.evaluate.ranking import graded_folder, pipeline_checks, read_graded_day, read_grades
from svodka.evaluate.stories import evaluate_stories
from svodka.model import StoredPost, Story, StoryMember
from svodka.pipeline.rank import Period, RankWeights, rank, score_story
from svodka.settings import defaults
from svodka.store import open_store

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2024, 12, 3, 9, tzinfo=UTC)


def _story(sid: int, texts: list[str], at: datetime = T0, channels: int = 0) -> Story:
    members = tuple(
        StoryMember(StoredPost(sid * 100 + n, (channels or n) + 1, f"c{n}", n + 1, at, t, None))
        for n, t in enumerate(texts)
    )
    return Story(sid, members, at, at, developments=(sid,))


class Given:
    """Centroids given by the test: each story's unit vector on a model whose unrelated posts meet at 0."""

    floor = 0.0

    def __init__(self, vectors: dict[int, list[float]]) -> None:
        self._v = {k: np.asarray(v, dtype=np.float32) / np.linalg.norm(v) for k, v in vectors.items()}

    def of(self, stories: list[Story]) -> dict[int, np.ndarray]:
        return {s.id: self._v[s.id] for s in stories if s.id in self._v}


KOREA = ["Президент Южной Кореи Юн Сок Ёль ввёл военное положение", "В Южной Корее военное положение"]
KOREA_LATER = [
    "Юн Сок Ёлю грозит импичмент: парламент Южной Кореи",
    "Оппозиция Южной Кореи готовит импичмент",
]
GEORGIA = ["В Тбилиси протестующие у парламента Грузии", "Полиция Тбилиси разогнала акцию"]


def test_a_lower_candidate_that_is_the_same_event_is_folded_into_the_higher() -> None:
    korea, georgia, later = _story(1, KOREA), _story(2, GEORGIA), _story(3, KOREA_LATER)
    near = Given({1: [1.0, 0.2, 0.0], 2: [0.0, 1.0, 0.0], 3: [1.0, 0.25, 0.0]})
    out = fold([korea, georgia, later], top=15, centroids=near)
    assert [(s.id, folded) for s, folded in out] == [(1, (3,)), (2, ())]
    whole = out[0][0]
    assert len(whole.members) == 4 and whole.developments == (3, 1)  # its card counts both, its headline 1's
    # close vectors without the shared core names (Южной Кореи) are no fold below centroid_alone
    apart = Given({1: [1.0, 0.6, 0.0], 2: [0.0, 1.0, 0.0], 3: [1.0, 0.6, 0.0]})
    assert [f for _, f in fold([georgia, _story(4, GEORGIA[::-1])], 15, apart)] == [(), ()]
    # nothing is compared with candidates = 0, and a story without vectors is never folded
    assert [f for _, f in fold([korea, later], 15, near, FoldSettings(candidates=0))] == [(), ()]
    assert [f for _, f in fold([korea, later], 15, Given({1: [1.0, 0.0, 0.0]}))] == [(), ()]


def test_recency_is_measured_against_the_period() -> None:
    """A 10-day digest is no last-day digest: a story of day 4 reported by four channels stays above a
    two-channel item of the last evening; with the 12 h half-life alone (recency weighed 2) it fell below."""
    end = datetime(2024, 12, 5, tzinfo=UTC)
    lead = _story(1, ["Парламент ратифицировал договор о границе"] * 4, at=end - timedelta(days=6))
    item = _story(2, ["Парламент обсудил договор"] * 2, at=end - timedelta(hours=1))
    ten_days = Period(end - timedelta(days=10), end)
    w = RankWeights(recency=2.0)
    assert [s.id for s, _ in rank([lead, item], end, weights=w)] == [2, 1]
    assert [s.id for s, _ in rank([lead, item], ten_days, weights=w)] == [1, 2]
    terms = {t.name: t for t in score_story(lead, ten_days).terms}
    assert terms["recency"].value == pytest.approx(2 ** (-144 / 240))
    # a day digest's morning story keeps most of its recency; the fixed half-life halves it by noon
    day = Period(end - timedelta(days=1), end)
    morning = _story(3, ["Парламент ратифицировал договор"], at=end - timedelta(hours=12))
    assert {t.name: t for t in score_story(morning, day).terms}["recency"].value == pytest.approx(2**-0.5)
    assert {t.name: t for t in score_story(morning, end).terms}["recency"].value == pytest.approx(0.5)


@pytest.mark.slow
def test_south_koreas_martial_law_is_one_item_on_the_graded_day(tmp_path: Path) -> None:
    """The pipeline's stories of 2024-12-03 (e5): the story level keeps South Korea's martial law as several
    stories (d205: 205, 223, 233, 239, 254); the 12–24 digest showed two of them in its top 15 (#1 the
    crisis, #13 the impeachment to come). Folded: shown once, nothing else counted twice, no lead lost."""
    path = ROOT / "tests" / "data" / "importance_2024-12-03.json"
    graded, grades = read_graded_day(path), read_grades(path)
    assert graded is not None
    folder = graded_folder(graded, shared("tg_ru_news_2024", "posts.jsonl"), tmp_path / "f")
    evaluate_stories(folder, defaults(), db_path=tmp_path / "p.db")
    with open_store(tmp_path / "p.db") as store:
        on = pipeline_checks(store, folder, grades, graded.day)
        off = pipeline_checks(
            store, folder, grades, graded.day, DigestOptions(fold=FoldSettings(candidates=0))
        )
    # (with the topic model, the unfolded 12–24 digest no longer shows d205 twice in its top 15 on every run:
    # it depends on which of its parts the ranking puts there; the folded digest must never show it twice)
    assert sum(len(c.twice) for c in off) >= sum(len(c.twice) for c in on) == 0
    assert [c.leads_top15 for c in on] >= [c.leads_top15 for c in off]
    assert sum(c.ndcg15 for c in on) >= sum(c.ndcg15 for c in off)
