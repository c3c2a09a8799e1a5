"""The triage in the web app: /questions and /api/questions/topics over a real triaged store, by role."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import httpx
import pytest

from conftest import open_test_store, shared
from svodka.questions.dedup import DedupSettings
from svodka.questions.kmeans import TopicSettings
from svodka.questions.service import import_questions, run_triage
from svodka.store import Store
from svodka.web.app import create_app
from svodka.web.auth import hash_password
from svodka.web.server import running
from test_web_support import PASSWORDS, ROLES, login


@pytest.fixture(scope="module")
def site(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    store = open_test_store(backend, tmp_path_factory.mktemp("qweb"), "web")
    for role in ROLES:
        store.users.add(role, hash_password(PASSWORDS[role]), role)
    with running(create_app(store)) as base:
        yield base, store
    store.close()


def test_questions_page_before_and_after_triage(site: tuple[str, Store], tmp_path: Path) -> None:
    base, store = site
    viewer = login(base, "viewer")
    r = viewer.get("/questions")
    assert r.status_code == 200 and "not triaged yet" in r.text
    assert viewer.get("/api/questions/topics").json() == {"built": False, "questions": 0, "topics": []}
    src = Path(str(shared("citizen_appeals_dev", "appeals.jsonl")))
    rows = [json.loads(line) for line in islice(src.open(encoding="utf-8"), 1500)]
    (tmp_path / "q.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8"
    )
    import_questions(store, tmp_path / "q.jsonl")
    run_triage(store, TopicSettings(topics=5, subtopics=15), DedupSettings())
    data = viewer.get("/api/questions/topics").json()
    assert data["built"] and data["questions"] == len(rows) == 1500
    topics = data["topics"]
    assert len(topics) >= 5 and [t["count"] for t in topics] == sorted(  # a catch-all may be split
        (t["count"] for t in topics), reverse=True
    )
    assert sum(t["count"] for t in topics) == 1500
    for t in topics:
        assert t["label"] and 1 <= len(t["representatives"]) <= 5
        assert sum(s["count"] for s in t["subtopics"]) == t["count"]
        # trend and regions are the questions' own days and districts
        assert sum(d["questions"] for d in t["trend"]) <= t["count"]
        assert t["regions"] and t["regions"][0]["questions"] >= t["regions"][-1]["questions"]
    districts = {str(r["district"]) for r in rows}
    assert {reg["region"] for t in topics for reg in t["regions"]} <= districts | {"—"}
    page = viewer.get("/questions").text
    biggest = topics[0]
    assert biggest["label"] in page and "<svg" in page and "subtopics" in page
    assert biggest["representatives"][0].split("\n")[0][:30] in page.replace("&#34;", '"').replace(
        "&#39;", "'"
    )
    assert 'href="/questions"' in page  # in the navigation
    for role in ROLES:  # every role reads it
        c = viewer if role == "viewer" else login(base, role)
        assert c.get("/questions").status_code == 200
        assert c.get("/api/questions/topics").json()["topics"][0]["id"] == biggest["id"]
    with httpx.Client(base_url=base, timeout=30) as anon:
        assert anon.get("/api/questions/topics").status_code == 401
        assert anon.get("/questions").status_code == 303
