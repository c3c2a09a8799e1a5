"""Incremental triage through the CLI on real appeals: half triaged, the other half (with a reason held
out of the first half) added; ids stay, counts add up, the held-out reason emerges as a new topic; and a
``--full`` rebuild keeps the ids of the topics it finds again."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import shared
from svodka.cli import cli
from svodka.store import open_store

# Street trading: about 1 % of the appeals, with words (торговля, реализация товаров) the rest rarely use.
HELD_OUT = "Реализация товаров в местах, не предназначенных для торговли"
N = 16_000


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _assignments(db: Path) -> dict[str, tuple[int, int, str]]:
    with open_store(db) as store:
        return {q.qid: (q.topic_id, q.subtopic_id, q.group_id) for q in store.questions.iter_all()}  # type: ignore[misc]


def _stats_are_exact(db: Path) -> bool:
    """The per-topic day and region counts kept at triage time equal a recount over every question."""
    days: dict[int, Counter[str]] = {}
    regions: dict[int, Counter[str]] = {}
    with open_store(db) as store:
        for q in store.questions.iter_all():
            for tid in {q.topic_id, q.subtopic_id} - {None}:
                if q.ts is not None:
                    day = datetime.fromtimestamp(q.ts, UTC).strftime("%Y-%m-%d")
                    days.setdefault(tid, Counter())[day] += 1
                regions.setdefault(tid, Counter())[q.region or "—"] += 1
        kept_days, kept_regions = store.questions.topic_stats()
    return bool(days) and kept_days == days and kept_regions == regions


@pytest.mark.slow
def test_incremental_keeps_ids_and_finds_the_new_topic(tmp_path: Path) -> None:
    with shared("citizen_appeals_dev", "appeals.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in islice(f, N)]
    first = [r for r in rows[: N // 2] if r["reason"] != HELD_OUT]
    later = rows[N // 2 :] + [r for r in rows[: N // 2] if r["reason"] == HELD_OUT]
    held = {str(r["id"]) for r in later if r["reason"] == HELD_OUT}
    assert len(held) >= 80
    _write(tmp_path / "a.jsonl", first)
    _write(tmp_path / "b.jsonl", later)
    db = tmp_path / "q.db"
    run = CliRunner().invoke

    def triage(*extra: str) -> dict[str, object]:
        r = run(cli, ["questions", "triage", "--json", "--db", str(db), *extra])
        assert r.exit_code == 0, r.output
        return json.loads(r.output[r.output.index("{") :])

    assert run(cli, ["questions", "import", str(tmp_path / "a.jsonl"), "--db", str(db)]).exit_code == 0
    full = triage()
    assert full["incremental"] is False and full["questions"] == len(first)
    assert _stats_are_exact(db)
    before = _assignments(db)
    with open_store(db) as store:
        old_ids = {t.tid for t in store.questions.topics()}
    r = run(cli, ["questions", "import", str(tmp_path / "b.jsonl"), "--json", "--db", str(db)])
    assert json.loads(r.output[r.output.index("{") :])["new"] == len(later)
    # The new-topic threshold is a setting: set out of reach (on a copy), nothing new opens.
    strict = tmp_path / "strict.db"
    shutil.copy(db, strict)
    r = run(
        cli,
        ["questions", "triage", "--json", "--db", str(strict)],
        env={"SVODKA_QUESTIONS_NEW_TOPIC_MIN": "1000000000"},
    )
    assert r.exit_code == 0, r.output
    strict_report = json.loads(r.output[r.output.index("{") :])
    assert strict_report["questions"] == len(later) and strict_report["new_topics"] == 0
    inc = triage()
    assert inc["incremental"] is True and inc["questions"] == len(later)
    timings = inc["timings"]
    assert isinstance(timings, dict) and {"dedup", "place", "emerging", "refresh"} <= set(timings)
    after = _assignments(db)
    assert len(after) == len(first) + len(later)
    assert _stats_are_exact(db)  # raised by the new questions, not recounted
    # Old questions keep their group, topic and subtopic; old topic ids all survive.
    assert all(after[q] == v for q, v in before.items())
    with open_store(db) as store:
        topics = {t.tid: t for t in store.questions.topics()}
    assert old_ids <= set(topics)
    # Counts add up: every question is in exactly one topic and one subtopic inside it.
    tops = [t for t in topics.values() if t.parent is None]
    assert sum(t.size for t in tops) == len(after)
    for t in tops:
        assert sum(s.size for s in topics.values() if s.parent == t.tid) == t.size
    assert Counter(v[0] for v in after.values()) == {t.tid: t.size for t in tops if t.size}
    # The held-out reason: its most common topic is a new one (new id), which is mostly that reason.
    new_ids = set(topics) - old_ids
    assert inc["new_topics"] >= 1 and new_ids
    where = Counter(after[q][0] for q in held)
    home, n = where.most_common(1)[0]
    assert home in new_ids, (where.most_common(5), [topics[i].label for i in new_ids])
    members = [q for q, v in after.items() if v[0] == home]
    assert sum(q in held for q in members) / len(members) >= 0.5
    assert n >= 0.25 * len(held)
    assert any(w in topics[home].label for w in ("торговл", "товар", "реализац"))
    assert topics[home].representatives
    # Near duplicates of old questions joined the old groups.
    old_groups = {v[2] for v in before.values()}
    assert any(after[q][2] in old_groups for q in after if q not in before)

    # A full rebuild: ids of topics found again are kept; others get ids never used before.
    rebuilt = triage("--full")
    assert rebuilt["incremental"] is False and rebuilt["questions"] == len(after)
    again = _assignments(db)
    assert _stats_are_exact(db)
    kept = sum(again[q][0] == after[q][0] for q in after) / len(after)
    assert kept >= 0.4, kept
    with open_store(db) as store:
        ids_now = {t.tid for t in store.questions.topics()}
    assert all(i in topics or i > max(topics) for i in ids_now)
