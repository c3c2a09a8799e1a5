"""Question triage: import formats, duplicate merging, two-level topics, quality vs the baseline."""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from conftest import shared
from svodka.cli import cli
from svodka.model import Question
from svodka.questions.dedup import group_duplicates
from svodka.questions.ingest import BadRow, read_questions
from svodka.questions.kmeans import TopicSettings
from svodka.questions.quality import baseline, score
from svodka.questions.run import triage_texts

APPEALS = ("citizen_appeals_dev", "appeals.jsonl")


def _appeals(n: int) -> list[dict[str, object]]:
    with shared(*APPEALS).open(encoding="utf-8") as f:
        return [json.loads(line) for line in islice(f, n)]


def test_import_formats_and_bad_rows(tmp_path: Path) -> None:
    rows = [
        {"qid": "a1", "question": "Когда починят дорогу?", "at": "2024-01-02T10:00:00", "area": "Север"},
        {"qid": "a2", "question": "   ", "at": "2024-01-02T10:00:00", "area": "Юг"},
        {"qid": "a3", "question": "Будет ли индексация пенсий?", "at": "вчера", "area": "Юг"},
        {"qid": "", "question": "Почему дорожает бензин?", "at": "", "area": ""},
    ]
    mapping = {"id": "qid", "text": "question", "time": "at", "region": "area"}
    jl = tmp_path / "q.jsonl"
    jl.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n{broken\n", encoding="utf-8"
    )
    csv_path = tmp_path / "q.csv"
    csv_path.write_text(
        "qid,question,at,area\n" + "\n".join(",".join(str(v) for v in r.values()) for r in rows) + "\n",
        encoding="utf-8",
    )
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(rows[0]))
    for r in rows:
        ws.append(list(r.values()))
    xlsx = tmp_path / "q.xlsx"
    wb.save(xlsx)
    for path in (jl, csv_path, xlsx):
        items = list(read_questions(path, mapping))
        good = [i for i in items if isinstance(i, Question)]
        bad = [i for i in items if isinstance(i, BadRow)]
        assert [q.qid for q in good][:1] == ["a1"], path
        assert good[0].region == "Север" and good[0].time is not None and good[0].time.year == 2024
        assert {b.row for b in bad} >= {2, 3}, (path, bad)
        assert any("time" in b.reason for b in bad) and any("no text" in b.reason for b in bad)
        # A row without an id gets a content id: reading the file again gives the same ids (idempotent).
        again = [i.qid for i in read_questions(path, mapping) if isinstance(i, Question)]
        assert again == [q.qid for q in good] and len(set(again)) == len(again)
    assert any(
        b.reason.startswith("not JSON") and b.row == 5
        for b in read_questions(jl, mapping)
        if isinstance(b, BadRow)
    )
    result = CliRunner().invoke(
        cli,
        [
            "questions",
            "check",
            str(jl),
            "--map",
            "id=qid",
            "--map",
            "text=question",
            "--map",
            "time=at",
            "--map",
            "region=area",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 questions, 3 bad rows skipped" in result.output and "row 5" in result.output


def test_dedup_counts_on_constructed_duplicates() -> None:
    real = [str(r["text"]) for r in _appeals(400)]
    base = [t for t in dict.fromkeys(real) if len(t.split()) >= 8][:30]
    texts: list[str] = []
    for i, t in enumerate(base):
        copies = 40 if i == 0 else 3
        for c in range(copies):
            # exact copy, case/punctuation change, and a near-duplicate with one word appended
            texts.append([t, t.upper() + "!!", t + " срочно"][c % 3])
    groups = group_duplicates(texts)
    sizes = np.unique(groups, return_counts=True)[1]
    first = groups[0]
    assert sum(1 for g in groups if g == first) == 40
    assert len(set(groups)) <= len(base) + 2  # a few originals may legitimately near-match each other
    assert len(set(groups)) >= len(base) - 3
    assert sizes.max() >= 40


def test_hierarchy_labels_representatives() -> None:
    rows = _appeals(3000)
    texts = [str(r["text"]) for r in rows]
    a, tri, _ = triage_texts(texts, TopicSettings(topics=6, subtopics=20))
    tops = {t.tid: t for t in tri.topics if t.parent is None}
    subs = [t for t in tri.topics if t.parent is not None]
    assert len(tops) >= 6 and 10 <= len(subs) <= 26  # 6 asked; a catch-all is split
    for s in subs:
        assert s.parent in tops
    for t in tops.values():
        assert sum(s.size for s in subs if s.parent == t.tid) == t.size
        assert t.label and 1 <= len(t.representatives) <= 5
        assert len(set(t.representatives)) == len(t.representatives)
    assert sum(t.size for t in tops.values()) == len(texts)
    # every question's subtopic lies inside its topic
    parent = {s.tid: s.parent for s in subs}
    assert all(parent[int(s)] == int(t) for s, t in zip(a.subtopic, a.topic, strict=True))


@pytest.mark.slow
def test_quality_above_baseline_on_dev_subset() -> None:
    rows = _appeals(8000)
    texts = [str(r["text"]) for r in rows]
    truth = [str(r["reason"]) for r in rows]
    a, _, _ = triage_texts(texts, TopicSettings(topics=15, subtopics=60))
    ours = score(truth, a.topic)
    base = score(truth, baseline(texts, ours.k))
    assert ours.nmi >= base.nmi + 0.05, (ours, base)
    assert 0 < ours.purity <= 1 and 0 <= ours.homogeneity <= 1


def test_cli_import_triage_incremental_export_report(tmp_path: Path, store_url: str) -> None:
    rows = _appeals(2400)
    first, later = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[:2000]), encoding="utf-8")
    later.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[2000:]), encoding="utf-8")
    db = store_url
    run = CliRunner().invoke
    base = ["questions"]
    r = run(cli, [*base, "import", str(first), "--db", db])
    assert r.exit_code == 0 and "2000 new" in r.output, r.output
    r = run(cli, [*base, "import", str(first), "--db", db])
    assert "0 new" in r.output, r.output  # idempotent
    r = run(cli, [*base, "triage", "--db", db])
    assert r.exit_code == 0 and "full triage" in r.output, r.output
    out1 = tmp_path / "e1.csv"
    assert run(cli, [*base, "export", str(out1), "--db", db]).exit_code == 0
    before = {line.split(",")[0]: line.split(",")[2:4] for line in out1.read_text().splitlines()[1:]}
    assert len(before) == 2000 and all(v[0] and v[1] for v in before.values())
    r = run(cli, [*base, "import", str(later), "--db", db])
    r = run(cli, [*base, "triage", "--db", db])
    assert r.exit_code == 0 and "added to existing topics" in r.output, r.output
    out2 = tmp_path / "e2.csv"
    run(cli, [*base, "export", str(out2), "--db", db])
    after = {line.split(",")[0]: line.split(",")[2:4] for line in out2.read_text().splitlines()[1:]}
    assert len(after) == 2400
    assert all(after[q] == v for q, v in before.items())  # ids of existing questions did not move
    assert {v[0] for v in after.values()} <= {v[0] for v in before.values()}
    html_out = tmp_path / "r.html"
    r = run(cli, [*base, "report", str(html_out), "--db", db])
    assert r.exit_code == 0, r.output
    page = html_out.read_text(encoding="utf-8")
    assert "Questions per topic" in page and "Topics by region" in page and "plotly" in page.lower()
    assert "Приморский" in page  # region breakdown data is in the chart
    for ext in ("csv", "xlsx"):
        assert run(cli, [*base, "report", str(tmp_path / f"r.{ext}"), "--db", db]).exit_code == 0
    assert (tmp_path / "r.csv").read_text(encoding="utf-8").startswith("topic_id,parent_id,label,count")
