"""The topic page /questions/topics/<id> over a real triaged store of real appeals: the topic's questions,
filtered by district and date, paged, the per-day chart with dated axes, CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from conftest import open_test_store, shared
from svodka.questions.dedup import DedupSettings
from svodka.questions.kmeans import TopicSettings
from svodka.questions.service import import_questions, run_triage
from svodka.store import Store
from svodka.web.app import create_app
from svodka.web.auth import hash_password
from svodka.web.server import running
from test_web_support import PASSWORDS, ROLES, login

N = 1500


@pytest.fixture(scope="module")
def site(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Store, list[dict[str, Any]]]]:
    tmp = tmp_path_factory.mktemp("qtopic")
    store = open_test_store(backend, tmp, "web")
    for role in ROLES:
        store.users.add(role, hash_password(PASSWORDS[role]), role)
    src = Path(str(shared("citizen_appeals_dev", "appeals.jsonl")))
    rows = [json.loads(line) for line in islice(src.open(encoding="utf-8"), N)]
    (tmp / "q.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    import_questions(store, tmp / "q.jsonl")
    run_triage(store, TopicSettings(topics=5, subtopics=15), DedupSettings())
    with running(create_app(store)) as base:
        yield base, store, rows
    store.close()


def _day(row: dict[str, Any]) -> str:
    return datetime.fromisoformat(row["date"]).replace(tzinfo=UTC).strftime("%Y-%m-%d")


def _members(store: Store, tid: int) -> set[str]:
    return {q.qid for q in store.questions.iter_all() if tid in (q.topic_id, q.subtopic_id)}


def test_topic_page_lists_filters_pages_and_charts(site: tuple[str, Store, list[dict[str, Any]]]) -> None:
    base, store, rows = site
    viewer = login(base, "viewer")
    topics = viewer.get("/api/questions/topics").json()["topics"]
    big = topics[0]
    assert big["title"] and len(big["title"]) <= 81 and big["title"] != big["label"]
    listing = viewer.get("/questions").text
    assert f'href="/questions/topics/{big["id"]}"' in listing  # the drill-down link

    data = viewer.get(f"/questions/topics/{big['id']}?format=json").json()
    members = _members(store, big["id"])
    assert data["matching"] == data["count"] == big["count"] == len(members)
    assert data["title"] == big["title"]
    assert len(data["questions"]) == min(50, len(members)) and data["pages"] == -(-len(members) // 50)
    assert {q["id"] for q in data["questions"]} <= members
    times = [q["time"] for q in data["questions"]]
    assert times == sorted(times, reverse=True)  # newest first
    assert [s["id"] for s in data["subtopics"]] and all(s["count"] for s in data["subtopics"])
    by_id = {str(r["id"]): r for r in rows}
    # Days and districts are the appeals' own.
    assert Counter(_day(by_id[q]) for q in members) == {d["day"]: d["questions"] for d in data["by_day"]}
    assert Counter(by_id[q]["district"] for q in members) == {
        d["district"]: d["questions"] for d in data["districts"]
    }

    # Paging: page 2 continues where page 1 stopped, no question twice.
    assert data["next"] and data["prev"] is None
    second = viewer.get(data["next"], headers={"accept": "application/json"}).json()
    assert second["page"] == 2 and second["prev"]
    assert not {q["id"] for q in second["questions"]} & {q["id"] for q in data["questions"]}

    # District and date filters narrow to exactly the matching appeals.
    district = data["districts"][0]["district"]
    days = sorted(d["day"] for d in data["by_day"])
    since, until = days[len(days) // 4], days[3 * len(days) // 4]
    narrowed = viewer.get(
        f"/questions/topics/{big['id']}",
        params={"district": district, "since": since, "until": until, "format": "json"},
    ).json()
    want = {q for q in members if by_id[q]["district"] == district and since <= _day(by_id[q]) <= until}
    assert 0 < narrowed["matching"] == len(want) < len(members)
    assert narrowed["filters"] == {"district": district, "since": since, "until": until}
    assert all(since <= d["day"] <= until for d in narrowed["by_day"])

    # The HTML page: questions shown, the chart is an SVG with dated ticks, exports linked.
    page = viewer.get(f"/questions/topics/{big['id']}").text
    assert big["title"].replace("&", "&amp;")[:30] in page.replace("&#34;", '"').replace("&#39;", "'")
    svg = page[page.index("<svg") : page.index("</svg>")]
    ticks = re.findall(r">(\d\d\.\d\d\.\d\d)</text>", svg)
    assert len(ticks) >= 3
    assert ticks[0] == datetime.strptime(days[0], "%Y-%m-%d").strftime("%d.%m.%y")
    assert ticks[-1] == datetime.strptime(days[-1], "%Y-%m-%d").strftime("%d.%m.%y")
    assert (
        svg.count("<rect") == (datetime.fromisoformat(days[-1]) - datetime.fromisoformat(days[0])).days + 1
    )  # one bar a day, empty days included
    assert "questions.csv" in page and "questions.xlsx" in page and 'name="district"' in page


def test_topic_exports_match_the_filtered_questions(site: tuple[str, Store, list[dict[str, Any]]]) -> None:
    base, store, rows = site
    viewer = login(base, "viewer")
    big = viewer.get("/api/questions/topics").json()["topics"][0]
    district = viewer.get(f"/questions/topics/{big['id']}?format=json").json()["districts"][0]["district"]
    by_id = {str(r["id"]): r for r in rows}
    want = {q for q in _members(store, big["id"]) if by_id[q]["district"] == district}
    r = viewer.get(f"/questions/topics/{big['id']}/questions.csv", params={"district": district})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert table[0] == ["id", "time_utc", "district", "topic_id", "subtopic_id", "text"]
    assert {row[0] for row in table[1:]} == want and len(table) - 1 == len(want)
    assert all(row[2] == district and row[5] == by_id[row[0]]["text"] for row in table[1:])
    x = viewer.get(f"/questions/topics/{big['id']}/questions.xlsx", params={"district": district})
    assert x.status_code == 200 and "spreadsheetml" in x.headers["content-type"]
    sheet = load_workbook(io.BytesIO(x.content), read_only=True).active
    assert sheet is not None
    cells = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert cells[0][0] == "id" and {str(c[0]) for c in cells[1:]} == want


def test_topic_page_errors(site: tuple[str, Store, list[dict[str, Any]]]) -> None:
    base, _, _ = site
    viewer = login(base, "viewer")
    big = viewer.get("/api/questions/topics").json()["topics"][0]
    assert viewer.get("/questions/topics/987654").status_code == 404
    bad = viewer.get(f"/questions/topics/{big['id']}", params={"since": "31/12/2020"})
    assert bad.status_code == 400 and "is not a date" in bad.text
    backwards = viewer.get(
        f"/questions/topics/{big['id']}", params={"since": "2021-02-01", "until": "2021-01-01"}
    )
    assert backwards.status_code == 400 and "after until" in backwards.text
    assert viewer.get(f"/questions/topics/{big['id']}", params={"page": "0"}).status_code == 400
    empty = viewer.get(f"/questions/topics/{big['id']}", params={"district": "Нигде"})
    assert empty.status_code == 200 and "No questions of this topic match" in empty.text
    with httpx.Client(base_url=base, timeout=30) as anon:
        assert anon.get(f"/questions/topics/{big['id']}").status_code == 303
        assert anon.get(f"/questions/topics/{big['id']}/questions.csv").status_code == 303
