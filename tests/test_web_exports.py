"""Downloads in the web app: a stored digest as PDF and DOCX from its page, and the search results as CSV
and XLSX with the search page's parameters; a cell that starts like a formula stays text."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from urllib.parse import urlencode

import docx
import openpyxl
import pytest

from svodka.model import ChannelRef, Post
from svodka.web.exports import safe_text, to_csv
from test_web_support import WebEnv, login, web  # noqa: F401

MARK = "зловредныйэкспорт"
HOSTILE = (
    f'=HYPERLINK("http://evil.example/","клик") {MARK}',
    f"+1+2 {MARK}",
    f"-3+4 {MARK}",
    f"@SUM(A1:A9) {MARK}",
    f"\t=1+1 {MARK}",
)
HOSTILE_CHANNEL = ChannelRef(ext_id="777000099", title="=cmd|'/C calc'!A0")


@pytest.fixture(scope="module")
def hostile(web: WebEnv) -> WebEnv:  # noqa: F811
    web.store.posts.save(
        [
            Post(
                channel=HOSTILE_CHANNEL,
                message_id=i + 1,
                date=datetime(2024, 12, 2, 9, i, tzinfo=UTC),
                text=t,
            )
            for i, t in enumerate(HOSTILE)
        ]
    )
    return web


@pytest.fixture(scope="module")
def viewer(web: WebEnv):  # type: ignore[no-untyped-def]  # noqa: F811
    client = login(web.base, "viewer")
    yield client
    client.close()


def _csv(body: bytes) -> list[dict[str, str]]:
    assert body.startswith("\ufeff".encode())  # the byte-order mark Excel needs for UTF-8
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_digest_page_offers_pdf_and_docx(web: WebEnv, viewer) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    if web.digest_id is None:
        pytest.skip("no digest: needs ../shared/data/stories_dev")
    page = viewer.get(f"/digests/{web.digest_id}")
    assert f'href="/digests/{web.digest_id}.pdf"' in page.text
    assert f'href="/digests/{web.digest_id}.docx"' in page.text
    doc = viewer.get(f"/digests/{web.digest_id}?format=json").json()["digest"]
    first = doc["items"][0]["headline"]["text"]

    r = viewer.get(f"/digests/{web.digest_id}.docx")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocess")
    assert f"digest-{web.digest_id}.docx" in r.headers["content-disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(r.content)).paragraphs)
    assert first in text and "Sources" in text  # the digest's language: English here

    r = viewer.get(f"/digests/{web.digest_id}.pdf")
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert viewer.get("/digests/999999.pdf").status_code == 404
    assert viewer.get("/digests/999999.docx").status_code == 404


def test_search_exports_have_the_search_pages_hits(web: WebEnv, viewer) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    query = "q=Байден&since=2024-12-01&until=2024-12-31"
    page = viewer.get(f"/search?{query}", headers={"accept": "application/json"}).json()
    assert page["hits"], "the sample has posts about Байден"
    html = viewer.get(f"/search?{query}").text
    assert "/search.csv?q=" in html and "/search.xlsx?q=" in html
    rows = _csv(viewer.get(f"/search.csv?{query}").content)
    ids = [int(r["post_id"]) for r in rows]
    assert ids[: len(page["hits"])] == [h["post"]["id"] for h in page["hits"]]
    assert all("байден" in r["text"].lower() for r in rows)

    r = viewer.get(f"/search.xlsx?{query}")
    assert r.headers["content-disposition"] == 'attachment; filename="search.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == ("rank", "date", "channel", "text")
    assert [v[7] for v in values[1:]] == ids
    assert isinstance(values[1][1], datetime)

    # a filter of the search page narrows the export the same way
    channel = page["hits"][0]["post"]["channel"]
    narrowed = _csv(viewer.get(f"/search.csv?{query}&{urlencode({'channel': channel})}").content)
    assert narrowed and {r["channel"] for r in narrowed} == {channel}
    assert len(narrowed) <= len(rows)
    assert viewer.get("/search.csv?q=Байден&since=notaday").status_code == 400


def test_formula_cells_are_written_as_text(hostile: WebEnv, viewer) -> None:  # type: ignore[no-untyped-def]
    rows = _csv(viewer.get(f"/search.csv?q={MARK}").content)
    assert sorted(r["text"] for r in rows) == sorted("'" + t for t in HOSTILE)
    assert {r["channel"] for r in rows} == {"'" + HOSTILE_CHANNEL.title}

    body = viewer.get(f"/search.xlsx?q={MARK}").content
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    cells = [row[3] for row in sheet.iter_rows(min_row=2)]
    assert sorted(c.value for c in cells) == sorted(HOSTILE)  # the text as it was …
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)  # … as a string, quote-prefixed
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere in the sheet


def test_safe_text_and_plain_values() -> None:
    assert safe_text("=1+1") == "'=1+1" and safe_text("@x") == "'@x" and safe_text("-") == "'-"
    assert safe_text("Байден заявил") == "Байден заявил" and safe_text("") == ""
    body = to_csv(("a", "b", "c"), [("-5", -5, None)])
    assert body.decode("utf-8-sig").splitlines() == ["a,b,c", "'-5,-5,"]  # numbers stay numbers
