"""The story page of a digest card's story shows the card's headline and key sentences, folded or not
(issue 14 §3). The bundled day's Tbilisi dispersal: the story level kept the night (9 posts) and the evening
at the parliament (5 posts) as two stories, the digest folded the evening into the night's card
(svodka.digest.fold), and the card quoted the evening's «Ночью полиция применяла водометы…» that the night's
page, which shows its own story, did not have. A folded item is ranked and counted as one event; what it says
is its own story's, as its page says it, saved digest or not."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from svodka.digest.compose import DigestOptions, build_fresh_digest, save_digest
from svodka.digest.model import Digest, DigestQuery
from svodka.ingest import import_file
from svodka.model import PostAnalysis, Story
from svodka.store import Store
from svodka.web import views

ROOT = Path(__file__).resolve().parent.parent
DAY = ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl"
# The two stories as `svodka process` (USE) placed the bundled day's posts: (channel, message ids)
NIGHT = {"РИА Новости": (271315, 271317, 271318, 271320, 271327), "Топор Live": (125937,)}
NIGHT |= {"Ньюсач/Двач": (129154, 129160), "BBC News | Русская служба": (73623,)}
EVENING = {"РИА Новости": (271410, 271415, 271419), "BBC News | Русская служба": (73651,)}
EVENING |= {"Ньюсач/Двач": (129201,)}


class OneEvent:
    """Centroids that make every story one event (the fold's decision is not what is tested here)."""

    floor = 0.0

    def of(self, stories: list[Story]) -> dict[int, np.ndarray]:
        return {s.id: np.ones(4, dtype=np.float32) / 2 for s in stories}


def _two_stories(store: Store, tmp_path: Path) -> tuple[int, int]:
    wanted = {(ch, m) for part in (NIGHT, EVENING) for ch, ms in part.items() for m in ms}
    lines = [
        line
        for line in DAY.read_text(encoding="utf-8").splitlines()
        if (lambda r: (r["channel"], r["message_id"]) in wanted)(json.loads(line))
    ]
    assert len(lines) == len(wanted) == 14
    (tmp_path / "tbilisi.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_file(store, tmp_path / "tbilisi.jsonl", fmt="jsonl")
    channels = {c.title or c.name: c.id for c in store.channels.list()}

    def ids(part: dict[str, tuple[int, ...]]) -> list[int]:
        found = [store.posts.by_key(channels[ch], m) for ch, ms in part.items() for m in ms]
        return [p.id for p in found if p is not None]

    night, evening = store.stories.reserve_ids(1), store.stories.reserve_ids(1)
    placed = {night: ids(NIGHT), evening: ids(EVENING)}
    posts = store.posts.get_many([pid for part in placed.values() for pid in part])
    assert len(posts) == 14
    store.analysis.save([PostAnalysis(p.id, "ru", False, None, p.text, p.id, None) for p in posts.values()])
    store.stories.save([(pid, sid, 1.0) for sid, part in placed.items() for pid in part])
    return night, evening


def _the_page_says_what_the_card_says(store: Store, digest: Digest) -> None:
    for it in digest.items:
        page = views.story_page(store, it.card.story_id)
        assert page["story"]["headline"] == it.summary.headline.text
        assert [c["text"] for c in page["summary"]] == [c.text for c in it.summary.sentences]


def test_a_folded_cards_story_page_shows_the_cards_headline_and_summary(store: Store, tmp_path: Path) -> None:
    night, evening = _two_stories(store, tmp_path)
    query = DigestQuery(datetime(2024, 12, 2, tzinfo=UTC), datetime(2024, 12, 3, tzinfo=UTC), top=5)
    digest = build_fresh_digest(store, query, DigestOptions(centroids=OneEvent()))
    (item,) = digest.items  # one event, one item: the fold happened
    assert {item.card.story_id, *item.folded} == {night, evening}
    assert item.card.posts == 14 and len(item.card.channels) == 4  # the card counts the folded posts
    _the_page_says_what_the_card_says(store, digest)  # --no-save
    _the_page_says_what_the_card_says(store, save_digest(store, digest))  # and saved
    # the card quotes its own story's posts only
    own = {m.post.id for m in store.stories.get(item.card.story_id).members}
    assert {c.post_id for c in (item.summary.headline, *item.summary.sentences)} <= own
