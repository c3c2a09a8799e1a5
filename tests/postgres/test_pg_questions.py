"""Questions on PostgreSQL keep the order they were imported in (SQLite's rowid order), also when one batch
repeats a question id: the first copy is the one kept, in its place."""

from __future__ import annotations

from svodka.model import Question
from svodka.store import Store


def test_import_order_is_kept_and_a_repeated_id_counts_once(store: Store) -> None:
    batch = [Question(q, f"вопрос {q}", None, None, None) for q in ["z", "a", "m", "a", "b"]]
    assert store.questions.add(batch) == 4
    assert [(q.qid, q.text) for q in store.questions.iter_all()] == [
        ("z", "вопрос z"),
        ("a", "вопрос a"),
        ("m", "вопрос m"),
        ("b", "вопрос b"),
    ]
    assert store.questions.add(batch) == 0 and store.questions.count() == 4
