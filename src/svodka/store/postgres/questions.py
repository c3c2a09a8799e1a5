"""Questions, their topics and the triage model in PostgreSQL (migration 0005_questions)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import psycopg

from svodka.model import Question, QuestionTopic, StoredQuestion, TriageRecord
from svodka.store.postgres.db import Database, now_ts
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

_DAY = "to_char(to_timestamp(ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


class PgQuestions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, questions: Sequence[Question]) -> int:
        """Store questions not seen before (by id); returns how many were new."""
        data = question_rows(questions, now_ts())
        if not data:
            return 0
        with self.db.write() as conn:
            # in the given order, a repeated qid once (SQLite's INSERT OR IGNORE row by row)
            return conn.execute(
                "INSERT INTO questions (qid, text, ts, region, channel, imported_at) "
                "SELECT qid, text, ts, region, channel, imported_at FROM ("
                "SELECT DISTINCT ON (qid) * FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::text[], "
                "%s::text[], %s::bigint[]) WITH ORDINALITY AS u(qid, text, ts, region, channel, "
                "imported_at, n) "
                "ORDER BY qid, n) x ORDER BY n ON CONFLICT (qid) DO NOTHING",
                [list(col) for col in zip(*data, strict=True)],
            ).rowcount

    def iter_all(self, untriaged_only: bool = False) -> Iterator[StoredQuestion]:
        where = " WHERE topic_id IS NULL" if untriaged_only else ""
        with self.db.read() as conn:
            rows = conn.execute(f"SELECT {QUESTION_COLUMNS} FROM questions{where} ORDER BY seq").fetchall()
        for r in rows:
            yield StoredQuestion(*r)

    def count(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute("SELECT count(*) FROM questions").fetchone()[0])  # type: ignore[index]

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
        """An incremental triage, in one transaction: the new questions are assigned and added to the
        per-topic counts, their groups grow, their norms are added, the topics are replaced by
        ``triage.topics`` with sizes from the groups, and the model is saved."""
        with self.db.write() as conn:
            qids = _assign(conn, triage.assignments)
            conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS assigned (qid TEXT PRIMARY KEY) ON COMMIT DELETE ROWS"
            )
            conn.execute("DELETE FROM assigned")
            conn.execute("INSERT INTO assigned SELECT DISTINCT unnest(%s::text[])", (qids,))
            _add_counts(conn, "questions JOIN assigned USING (qid)")
            conn.execute("DELETE FROM assigned")
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
                "JOIN questions q ON q.qid = g.group_id ORDER BY q.seq"
            ).fetchall()

    def group_of(self, group_ids: Iterable[str]) -> dict[str, tuple[int, int | None, int | None]]:
        """(size, topic id, subtopic id) of the named groups."""
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT group_id, size, topic_id, subtopic_id FROM question_groups WHERE group_id = ANY(%s)",
                (list(dict.fromkeys(group_ids)),),
            ).fetchall()
        return {g: (n, t, sub) for g, n, t, sub in rows}

    def groups_for_norms(self, keys: Iterable[int]) -> dict[int, str]:
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT norm_key, group_id FROM question_norms WHERE norm_key = ANY(%s)",
                (list(dict.fromkeys(keys)),),
            ).fetchall()
        return dict(rows)

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
            row = conn.execute("SELECT value FROM question_model WHERE key = %s", (key,)).fetchone()
        return None if row is None else bytes(row[0])


def _many(conn: psycopg.Connection, sql: str, rows: Iterable[Sequence[Any]]) -> None:
    data = list(rows)
    if data:
        with conn.cursor() as cur:
            cur.executemany(sql, data)  # our own statements


def _assign(conn: psycopg.Connection, rows: Iterable[tuple[str, str, int, int]]) -> list[str]:
    """Set (qid, group id, topic id, subtopic id) of each question; returns the qids."""
    data = list(rows)
    if data:
        cols = [list(c) for c in zip(*data, strict=True)]
        conn.execute(
            "UPDATE questions q SET group_id = u.g, topic_id = u.t, subtopic_id = u.s FROM ("
            "SELECT DISTINCT ON (qid) qid, g, t, s FROM unnest(%s::text[], %s::text[], %s::int[], %s::int[]) "
            "WITH ORDINALITY AS x(qid, g, t, s, n) ORDER BY qid, n DESC) u WHERE q.qid = u.qid",
            cols,
        )
    return [r[0] for r in data]


def _save_groups(conn: psycopg.Connection, rows: Iterable[tuple[str, int, int, int]]) -> None:
    """(group id, questions added, topic id, subtopic id); an existing group's size grows."""
    _many(
        conn,
        "INSERT INTO question_groups AS g VALUES (%s, %s, %s, %s) ON CONFLICT (group_id) DO UPDATE "
        "SET size = g.size + excluded.size, topic_id = excluded.topic_id, subtopic_id = excluded.subtopic_id",
        rows,
    )


def _save_norms(conn: psycopg.Connection, rows: Iterable[tuple[int, str]]) -> None:
    """(normalised-text key, group id); a key already stored keeps its group."""
    _many(conn, "INSERT INTO question_norms VALUES (%s, %s) ON CONFLICT DO NOTHING", rows)


def _save_topics(conn: psycopg.Connection, topics: Sequence[QuestionTopic]) -> None:
    """Replace every stored topic and subtopic by ``topics``."""
    conn.execute("DELETE FROM question_topics")
    _many(
        conn,
        "INSERT INTO question_topics VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (tid) DO UPDATE SET "
        "parent = excluded.parent, label = excluded.label, keywords = excluded.keywords, "
        "size = excluded.size, representatives = excluded.representatives",
        [topic_row(t) for t in topics],
    )


def _refresh_sizes(conn: psycopg.Connection) -> None:
    """Each (sub)topic's size: the questions in its duplicate groups."""
    sizes: dict[int, int] = {}
    for col in ("topic_id", "subtopic_id"):
        for tid, n in conn.execute(
            f"SELECT {col}, sum(size) FROM question_groups WHERE {col} IS NOT NULL GROUP BY {col}"
        ):
            sizes[int(tid)] = int(n)
    tids = [r[0] for r in conn.execute("SELECT tid FROM question_topics")]
    _many(conn, "UPDATE question_topics SET size = %s WHERE tid = %s", [(sizes.get(t, 0), t) for t in tids])


def _save_model(conn: psycopg.Connection, parts: Mapping[str, bytes]) -> None:
    _many(
        conn,
        "INSERT INTO question_model VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        list(parts.items()),
    )


def _add_counts(conn: psycopg.Connection, source: str) -> None:
    """Add the questions of ``source`` (a FROM clause over ``questions``) to the per-topic counts: one
    grouped scan (topic, subtopic, day, region), folded here into the two tables."""
    days, regions = fold_counts(conn.execute(COUNTS.format(day=_DAY, source=source)))
    _many(
        conn,
        "INSERT INTO question_topic_days AS d VALUES (%s, %s, %s) "
        "ON CONFLICT (topic_id, day) DO UPDATE SET n = d.n + excluded.n",
        days,
    )
    _many(
        conn,
        "INSERT INTO question_topic_regions AS r VALUES (%s, %s, %s) "
        "ON CONFLICT (topic_id, region) DO UPDATE SET n = r.n + excluded.n",
        regions,
    )
