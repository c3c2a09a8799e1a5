"""Questions, their topics and the triage model in SQLite (migration 0005_questions)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from svodka.questions.ingest import Question
from svodka.questions.topics import Topic
from svodka.store.sqlite.db import Database, now_ts


@dataclass(frozen=True, slots=True)
class StoredQuestion:
    qid: str
    text: str
    ts: int | None
    region: str | None
    channel: str | None
    group_id: str | None
    topic_id: int | None
    subtopic_id: int | None


class SqliteQuestions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, questions: Sequence[Question]) -> int:
        """Store questions not seen before (by id); returns how many were new."""
        ts = now_ts()
        data = [
            (q.qid, q.text, int(q.time.timestamp()) if q.time else None, q.region, q.channel, ts)
            for q in questions
        ]
        with self.db.write() as conn:
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO questions (qid, text, ts, region, channel, imported_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                data,
            )
            return conn.total_changes - before

    def iter_all(self, untriaged_only: bool = False) -> Iterator[StoredQuestion]:
        where = " WHERE topic_id IS NULL" if untriaged_only else ""
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT qid, text, ts, region, channel, group_id, topic_id, subtopic_id FROM questions"
                f"{where} ORDER BY rowid"
            ).fetchall()
        for r in rows:
            yield StoredQuestion(*r)

    def count(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute("SELECT count(*) FROM questions").fetchone()[0])

    def assign(self, rows: Iterable[tuple[str, str, int, int]]) -> None:
        """(qid, group id, topic id, subtopic id) for each question."""
        with self.db.write() as conn:
            conn.executemany(
                "UPDATE questions SET group_id = ?, topic_id = ?, subtopic_id = ? WHERE qid = ?",
                [(g, t, s, q) for q, g, t, s in rows],
            )

    def save_topics(self, topics: Sequence[Topic], replace: bool) -> None:
        with self.db.write() as conn:
            if replace:
                conn.execute("DELETE FROM question_topics")
            conn.executemany(
                "INSERT OR REPLACE INTO question_topics VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        t.tid,
                        t.parent,
                        t.label,
                        json.dumps(t.keywords, ensure_ascii=False),
                        t.size,
                        json.dumps(t.representatives, ensure_ascii=False),
                    )
                    for t in topics
                ],
            )

    def topics(self) -> list[Topic]:
        with self.db.read() as conn:
            rows = conn.execute("SELECT * FROM question_topics ORDER BY tid").fetchall()
        return [Topic(r[0], r[1], r[2], tuple(json.loads(r[3])), r[4], tuple(json.loads(r[5]))) for r in rows]

    def refresh_sizes(self) -> None:
        with self.db.write() as conn:
            conn.execute(
                "UPDATE question_topics SET size = (SELECT count(*) FROM questions q "
                "WHERE q.topic_id = question_topics.tid OR q.subtopic_id = question_topics.tid)"
            )

    def save_model(self, key: str, value: bytes) -> None:
        with self.db.write() as conn:
            conn.execute("INSERT OR REPLACE INTO question_model VALUES (?, ?)", (key, value))

    def load_model(self, key: str) -> bytes | None:
        with self.db.read() as conn:
            row = conn.execute("SELECT value FROM question_model WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])
