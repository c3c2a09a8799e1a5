"""Questions, their topics and the triage model in SQLite (migration 0005_questions)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence

from svodka.model import Question, QuestionTopic, StoredQuestion, TriageRecord
from svodka.store.records.questions import (
    COUNTS,
    QUESTION_COLUMNS,
    TOPIC_COLUMNS,
    by_topic,
    fold_counts,
    question_rows,
    topic,
    topic_row,
)
from svodka.store.sqlite.db import Database, now_ts


class SqliteQuestions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, questions: Sequence[Question]) -> int:
        """Store questions not seen before (by id); returns how many were new."""
        data = question_rows(questions, now_ts())
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
            rows = conn.execute(f"SELECT {QUESTION_COLUMNS} FROM questions{where} ORDER BY rowid").fetchall()
        for r in rows:
            yield StoredQuestion(*r)

    def count(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute("SELECT count(*) FROM questions").fetchone()[0])

    def replace_triage(self, triage: TriageRecord) -> None:
        """A full triage, in one transaction: every assignment, group, norm, topic and the per-topic counts
        are rebuilt from ``triage``; on an error the previous triage stays as it was."""
        with self.db.write() as conn:
            _assign(conn, triage.assignments)
            conn.execute("DELETE FROM question_topic_days")
            conn.execute("DELETE FROM question_topic_regions")
            _add_counts(conn, "questions")
            conn.execute("DELETE FROM question_groups")
            _save_groups(conn, triage.groups)
            conn.execute("DELETE FROM question_norms")
            _save_norms(conn, triage.norms)
            _save_topics(conn, triage.topics)
            _save_model(conn, triage.model)

    def add_triage(self, triage: TriageRecord) -> None:
        """An incremental triage, in one transaction: the new questions (untriaged until now, so counted
        nowhere) are assigned and added to the per-topic counts, their groups grow, their norms are added,
        the topics are replaced by ``triage.topics`` with sizes from the groups, and the model is saved."""
        with self.db.write() as conn:
            qids = _assign(conn, triage.assignments)
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS assigned (qid TEXT PRIMARY KEY)")
            conn.execute("DELETE FROM temp.assigned")
            conn.executemany("INSERT OR IGNORE INTO temp.assigned VALUES (?)", [(q,) for q in qids])
            _add_counts(conn, "questions JOIN temp.assigned USING (qid)")
            conn.execute("DELETE FROM temp.assigned")
            _save_groups(conn, triage.groups)
            _save_norms(conn, triage.norms)
            _save_topics(conn, triage.topics)
            _refresh_sizes(conn)
            _save_model(conn, triage.model)

    def topics(self) -> list[QuestionTopic]:
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT {TOPIC_COLUMNS} FROM question_topics ORDER BY tid").fetchall()
        return [topic(r) for r in rows]

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
        with self.db.read() as conn:
            days = by_topic(conn.execute("SELECT topic_id, day, n FROM question_topic_days ORDER BY 1, 2"))
            regions = by_topic(
                conn.execute("SELECT topic_id, region, n FROM question_topic_regions ORDER BY 1, 3 DESC, 2")
            )
        return days, regions

    def load_model(self, key: str) -> bytes | None:
        with self.db.read() as conn:
            row = conn.execute("SELECT value FROM question_model WHERE key = ?", (key,)).fetchone()
        return None if row is None else bytes(row[0])


def _assign(conn: sqlite3.Connection, rows: Iterable[tuple[str, str, int, int]]) -> list[str]:
    """Set (qid, group id, topic id, subtopic id) of each question; returns the qids."""
    params = [(g, t, s, q) for q, g, t, s in rows]
    conn.executemany("UPDATE questions SET group_id = ?, topic_id = ?, subtopic_id = ? WHERE qid = ?", params)
    return [p[3] for p in params]


def _save_groups(conn: sqlite3.Connection, rows: Iterable[tuple[str, int, int, int]]) -> None:
    """(group id, questions added, topic id, subtopic id); an existing group's size grows."""
    conn.executemany(
        "INSERT INTO question_groups VALUES (?, ?, ?, ?) ON CONFLICT (group_id) DO UPDATE "
        "SET size = size + excluded.size, topic_id = excluded.topic_id, subtopic_id = excluded.subtopic_id",
        rows,
    )


def _save_norms(conn: sqlite3.Connection, rows: Iterable[tuple[int, str]]) -> None:
    """(normalised-text key, group id); a key already stored keeps its group."""
    conn.executemany("INSERT OR IGNORE INTO question_norms VALUES (?, ?)", rows)


def _save_topics(conn: sqlite3.Connection, topics: Sequence[QuestionTopic]) -> None:
    """Replace every stored topic and subtopic by ``topics``."""
    conn.execute("DELETE FROM question_topics")
    conn.executemany(
        "INSERT OR REPLACE INTO question_topics VALUES (?, ?, ?, ?, ?, ?)",
        [topic_row(t) for t in topics],
    )


def _refresh_sizes(conn: sqlite3.Connection) -> None:
    """Each (sub)topic's size: the questions in its duplicate groups."""
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


def _save_model(conn: sqlite3.Connection, parts: Mapping[str, bytes]) -> None:
    conn.executemany("INSERT OR REPLACE INTO question_model VALUES (?, ?)", list(parts.items()))


def _add_counts(conn: sqlite3.Connection, source: str) -> None:
    """Add the questions of ``source`` (a FROM clause over ``questions``) to the per-topic counts: one
    grouped scan (topic, subtopic, day, region), folded here into the two tables."""
    days, regions = fold_counts(conn.execute(COUNTS.format(day="date(ts, 'unixepoch')", source=source)))
    conn.executemany(
        "INSERT INTO question_topic_days VALUES (?, ?, ?) "
        "ON CONFLICT (topic_id, day) DO UPDATE SET n = n + excluded.n",
        days,
    )
    conn.executemany(
        "INSERT INTO question_topic_regions VALUES (?, ?, ?) "
        "ON CONFLICT (topic_id, region) DO UPDATE SET n = n + excluded.n",
        regions,
    )
