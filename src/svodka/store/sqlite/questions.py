"""Questions, their topics and the triage model in SQLite (migration 0005_questions)."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from svodka.model import Topic
from svodka.questions.ingest import Question
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

    def assign(self, rows: Iterable[tuple[str, str, int, int]], replace: bool) -> None:
        """(qid, group id, topic id, subtopic id) for each question, with the per-topic day and region
        counts: rebuilt when ``replace`` (a full triage assigned every question anew), else raised by these
        questions (untriaged until now, so they counted nowhere)."""
        params = [(g, t, s, q) for q, g, t, s in rows]
        with self.db.write() as conn:
            conn.executemany(
                "UPDATE questions SET group_id = ?, topic_id = ?, subtopic_id = ? WHERE qid = ?", params
            )
            if replace:
                conn.execute("DELETE FROM question_topic_days")
                conn.execute("DELETE FROM question_topic_regions")
                _add_counts(conn, "questions")
                return
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS assigned (qid TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM temp.assigned")
            conn.executemany("INSERT OR IGNORE INTO temp.assigned VALUES (?)", [(p[3],) for p in params])
            _add_counts(conn, "questions JOIN temp.assigned USING (qid)")
            conn.execute("DELETE FROM temp.assigned")

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
        """Each (sub)topic's size: the questions in its duplicate groups."""
        with self.db.write() as conn:
            sizes: dict[int, int] = {}
            for col in ("topic_id", "subtopic_id"):
                for tid, n in conn.execute(
                    f"SELECT {col}, sum(size) FROM question_groups WHERE {col} IS NOT NULL GROUP BY {col}"
                ):
                    sizes[int(tid)] = int(n)
            tids = [r[0] for r in conn.execute("SELECT tid FROM question_topics")]
            conn.executemany(
                "UPDATE question_topics SET size = ? WHERE tid = ?", [(sizes.get(t, 0), t) for t in tids]
            )

    def save_groups(self, rows: Iterable[tuple[str, int, int, int]], replace: bool) -> None:
        """(group id, questions added, topic id, subtopic id); an existing group's size grows."""
        with self.db.write() as conn:
            if replace:
                conn.execute("DELETE FROM question_groups")
            conn.executemany(
                "INSERT INTO question_groups VALUES (?, ?, ?, ?) ON CONFLICT (group_id) DO UPDATE "
                "SET size = size + excluded.size, topic_id = excluded.topic_id, "
                "subtopic_id = excluded.subtopic_id",
                rows,
            )

    def groups(self) -> list[tuple[str, str, int, int | None, int | None]]:
        """(group id, head text, size, topic id, subtopic id) for every duplicate group."""
        with self.db.read() as conn:
            return conn.execute(
                "SELECT g.group_id, q.text, g.size, g.topic_id, g.subtopic_id FROM question_groups g "
                "JOIN questions q ON q.qid = g.group_id ORDER BY q.rowid"
            ).fetchall()

    def group_of(self, group_ids: Iterable[str]) -> dict[str, tuple[int, int | None, int | None]]:
        """(size, topic id, subtopic id) of the named groups."""
        out: dict[str, tuple[int, int | None, int | None]] = {}
        ids = list(dict.fromkeys(group_ids))
        with self.db.read() as conn:
            for i in range(0, len(ids), 900):
                chunk = ids[i : i + 900]
                marks = ",".join("?" * len(chunk))
                for g, n, t, sub in conn.execute(
                    "SELECT group_id, size, topic_id, subtopic_id FROM question_groups "
                    f"WHERE group_id IN ({marks})",
                    chunk,
                ):
                    out[g] = (n, t, sub)
        return out

    def save_norms(self, rows: Iterable[tuple[int, str]], replace: bool) -> None:
        """(normalised-text key, group id); a key already stored keeps its group."""
        with self.db.write() as conn:
            if replace:
                conn.execute("DELETE FROM question_norms")
            conn.executemany("INSERT OR IGNORE INTO question_norms VALUES (?, ?)", rows)

    def groups_for_norms(self, keys: Iterable[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        ks = list(dict.fromkeys(keys))
        with self.db.read() as conn:
            for i in range(0, len(ks), 900):
                chunk = ks[i : i + 900]
                marks = ",".join("?" * len(chunk))
                out.update(
                    conn.execute(
                        f"SELECT norm_key, group_id FROM question_norms WHERE norm_key IN ({marks})", chunk
                    ).fetchall()
                )
        return out

    def topic_stats(self) -> tuple[dict[int, dict[str, int]], dict[int, dict[str, int]]]:
        """(questions per UTC day, questions per region, most first) for every topic and subtopic id."""
        days: dict[int, dict[str, int]] = {}
        regions: dict[int, dict[str, int]] = {}
        with self.db.read() as conn:
            for tid, day, n in conn.execute("SELECT topic_id, day, n FROM question_topic_days ORDER BY 1, 2"):
                days.setdefault(int(tid), {})[day] = int(n)
            for tid, region, n in conn.execute(
                "SELECT topic_id, region, n FROM question_topic_regions ORDER BY 1, 3 DESC, 2"
            ):
                regions.setdefault(int(tid), {})[region] = int(n)
        return days, regions

    def save_model(self, key: str, value: bytes) -> None:
        with self.db.write() as conn:
            conn.execute("INSERT OR REPLACE INTO question_model VALUES (?, ?)", (key, value))

    def load_model(self, key: str) -> bytes | None:
        with self.db.read() as conn:
            row = conn.execute("SELECT value FROM question_model WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])


def _add_counts(conn: sqlite3.Connection, source: str) -> None:
    """Add the questions of ``source`` (a FROM clause over ``questions``) to the per-topic counts: one
    grouped scan (topic, subtopic, day, region), folded here into the two tables."""
    days: Counter[tuple[int, str]] = Counter()
    regions: Counter[tuple[int, str]] = Counter()
    for topic, sub, day, region, n in conn.execute(
        f"SELECT topic_id, subtopic_id, date(ts, 'unixepoch'), coalesce(region, '—'), count(*) FROM {source} "
        "WHERE topic_id IS NOT NULL OR subtopic_id IS NOT NULL GROUP BY 1, 2, 3, 4"
    ):
        for tid in {topic, sub} - {None}:
            regions[tid, region] += n
            if day is not None:
                days[tid, day] += n
    conn.executemany(
        "INSERT INTO question_topic_days VALUES (?, ?, ?) "
        "ON CONFLICT (topic_id, day) DO UPDATE SET n = n + excluded.n",
        [(tid, day, n) for (tid, day), n in days.items()],
    )
    conn.executemany(
        "INSERT INTO question_topic_regions VALUES (?, ?, ?) "
        "ON CONFLICT (topic_id, region) DO UPDATE SET n = n + excluded.n",
        [(tid, region, n) for (tid, region), n in regions.items()],
    )
