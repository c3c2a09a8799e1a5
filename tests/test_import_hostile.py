"""Issue 13, the importers: hostile or careless files through the real CLI, in a process with a memory limit.

Each test is one of the issue's cases, exactly as described there; each failed on the code before the fix
(a traceback, gigabytes of memory, minutes of time, a stored ``javascript:`` link, or a silent loss).
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import shared
from svodka.links import safe_url, safe_urls

MEMORY_LIMIT = 1 << 30  # address space of one import: it needs ~200 MiB; the nested case took 23 GiB


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def svodka(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The real entry point in a fresh process, at most MEMORY_LIMIT of memory and ``timeout`` seconds."""
    code = "import sys; from svodka.cli import main; sys.argv = ['svodka', *sys.argv[1:]]; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ),
        preexec_fn=_limit_memory,
    )


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0, proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def warnings(proc: subprocess.CompletedProcess[str]) -> list[str]:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return [line for line in proc.stderr.splitlines() if line.startswith("warning: ")]


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql))


HEAD = (
    '{"name":"c","type":"public_channel","id":7,"messages":['
    '{"id":1,"type":"message","date_unixtime":"1700000000","text":'
)


def _message(**fields: object) -> dict[str, object]:
    return {"id": 1, "type": "message", "date_unixtime": "1700000000", "text": "ok", **fields}


def _export(path: Path, messages: list[dict[str, object]]) -> Path:
    path.write_text(
        json.dumps({"name": "c", "type": "public_channel", "id": 7, "messages": messages}), encoding="utf-8"
    )
    return path


# 1. Nested JSON: a limit on depth in every reader, one clear line, memory and time bounded.


def test_nested_json_text_is_one_line_in_bounded_memory_and_time(tmp_path: Path) -> None:
    deep = tmp_path / "result.json"
    deep.write_text(HEAD + "[" * 200_000 + "]" * 200_000 + "}]}", encoding="utf-8")
    started = time.perf_counter()
    line = one_error_line(svodka("import", "--db", str(tmp_path / "t.db"), str(deep)))
    assert time.perf_counter() - started < 30
    assert str(deep) in line and "nested deeper than 1024 levels" in line and "byte" in line
    assert "MemoryError" not in line


def test_nested_json_in_a_whole_account_export_and_in_jsonl(tmp_path: Path) -> None:
    full = tmp_path / "result.json"
    full.write_text('{"about":"x","chats":{"list":[' + "[" * 200_000 + "]" * 200_000 + "]}}")
    assert "nested deeper" in one_error_line(svodka("import", "--db", str(tmp_path / "t.db"), str(full)))
    jsonl = tmp_path / "posts.jsonl"
    jsonl.write_text(
        '{"message_id": 1, "date": "2024-01-01", "channel": "c", "text": ' + "[" * 200_000 + "\n"
    )
    line = one_error_line(svodka("import", "--db", str(tmp_path / "t.db"), "--format", "jsonl", str(jsonl)))
    assert str(jsonl) in line and "line 1" in line and "nested too deep" in line


_HTML_MESSAGE = (
    '<div class="message default clearfix" id="message{n}"><div class="body">'
    '<div class="pull_right date details" title="03.11.2025 21:19:06 UTC+01:00">21:19</div>'
    '<div class="text">{text}</div></div></div>'
)


def _page(path: Path, *texts: str) -> Path:
    path.write_text(
        '<html><body><div class="page_wrap"><div class="page_header"><div class="text">Chan</div></div>'
        '<div class="history">'
        + "".join(_HTML_MESSAGE.format(n=n, text=t) for n, t in enumerate(texts, 1))
        + "</div></div></body></html>",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("tag", ["b", "div"])
def test_nested_html_markup_is_one_line_in_seconds(tmp_path: Path, tag: str) -> None:
    """200,000 nested <b> took 10 minutes (every element's text re-read its subtree); <div> costs the parser
    itself the depth on each one, so the page's depth is checked on the markup first."""
    page = _page(tmp_path / "messages.html", f"<{tag}>" * 200_000 + "x" + f"</{tag}>" * 200_000, "fine")
    started = time.perf_counter()
    line = one_error_line(svodka("import", "--db", str(tmp_path / "t.db"), str(page), timeout=60))
    assert time.perf_counter() - started < 30
    assert str(page) in line and "nested deeper than 512 levels" in line and "byte" in line


def test_html_message_nested_too_deep_is_skipped_and_the_page_imported(tmp_path: Path) -> None:
    page = _page(tmp_path / "messages.html", "<b>" * 100 + "x" + "</b>" * 100, "fine")
    db = tmp_path / "t.db"
    warned = warnings(svodka("import", "--db", str(db), str(page)))
    assert len(warned) == 1 and "message 1" in warned[0] and "nested deeper than 64 levels" in warned[0]
    assert rows(db, "SELECT message_id, text FROM posts") == [(2, "fine")]


def test_questions_json_nested_is_a_bad_row_not_a_traceback(tmp_path: Path) -> None:
    f = tmp_path / "q.jsonl"
    f.write_text('{"text": "a real question", "id": "1"}\n{"text": ' + "[" * 200_000 + "\n", encoding="utf-8")
    proc = svodka("questions", "import", "--db", str(tmp_path / "t.db"), str(f))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "row 2: JSON nested too deep" in proc.stderr and "1 questions" in proc.stdout


# 8. Long escaped strings: linear time (yajl2_c took 37 s for 4M escaped Cyrillic characters).


@pytest.mark.parametrize("escape", ["\\u0436", '\\"', "a"])
def test_long_escaped_text_imports_in_linear_time(tmp_path: Path, escape: str) -> None:
    from svodka.sources import telegram_export
    from svodka.sources.files import ReadOptions, ReadStats

    times = []
    for n in (1_000_000, 4_000_000):
        f = tmp_path / f"result{n}.json"
        f.write_text(HEAD + '"' + escape * n + '"}]}', encoding="utf-8")
        started = time.perf_counter()
        (post,) = telegram_export.read(f, ReadOptions(), ReadStats())
        times.append(time.perf_counter() - started)
        assert len(post.text) == n
    assert times[1] < 10  # before: 37 s for the \u0436 case
    assert times[1] < 8 * times[0] + 0.5  # 4× the text, not 16× the time


def test_long_escaped_text_through_the_cli(tmp_path: Path) -> None:
    f = tmp_path / "result.json"
    f.write_text(HEAD + '"' + "\\u0436" * 4_000_000 + '"}]}', encoding="utf-8")
    db = tmp_path / "t.db"
    assert warnings(svodka("import", "--db", str(db), str(f), timeout=60)) == []
    assert rows(db, "SELECT length(text) FROM posts") == [(4_000_000,)]


# 13. Wrong types: a bad message is skipped and listed, the rest imported, the count printed.


def test_bad_telegram_messages_are_skipped_and_listed(tmp_path: Path) -> None:
    f = _export(
        tmp_path / "result.json",
        [
            _message(id=1),
            {"id": 2, "type": "message", "text": "no date"},
            _message(id="x"),
            _message(id=-5),
            _message(id=6, edited="yesterday"),
            _message(id=7, text={"type": "bold", "text": "an object"}),
            _message(id=8, views="many"),
            {"type": "message", "date_unixtime": "1700000000", "text": "no id"},
            _message(id=10, text="the last good one", views=12),
        ],
    )
    db = tmp_path / "t.db"
    proc = svodka("import", "--db", str(db), str(f))
    warned = warnings(proc)
    assert len(warned) == 7, proc.stderr
    expect = [
        "message 2 (id 2)",
        "no date",
        "message 3 (id 'x')",
        "'x', not a positive whole number",
        "message 4 (id -5)",
        "id is -5, not a positive whole number",
        "message 5 (id 6)",
        "edited is 'yesterday', not a date and time",
        "message 6 (id 7)",
        "text is {",
        "not a string or a list of parts",
        "message 7 (id 8)",
        "views is 'many', not a count",
        "message 8 (no id)",
        "no id",
    ]
    text = "\n".join(warned)
    for part in expect:
        assert part in text, (part, text)
    assert all(str(f) in w and w.endswith("(skipped)") for w in warned)
    assert "skipped: 7 bad message" in proc.stdout
    assert rows(db, "SELECT message_id, text, views FROM posts ORDER BY message_id") == [
        (1, "ok", None),
        (10, "the last good one", 12),
    ]


def test_bad_jsonl_lines_are_skipped_and_json_output_lists_them(tmp_path: Path) -> None:
    f = tmp_path / "posts.jsonl"
    lines = [
        {"message_id": 1, "date": "2024-01-01T00:00:00Z", "text": "ok", "channel": "chan_one", "views": 3},
        {
            "message_id": 2,
            "date": "2024-01-01T00:00:00Z",
            "text": "x",
            "channel": "chan_one",
            "views": "many",
        },
        {"message_id": -5, "date": "2024-01-01T00:00:00Z", "text": "x", "channel": "chan_one"},
        {"message_id": 4, "text": "no date", "channel": "chan_one"},
        {"message_id": 5, "date": "2024-01-01T00:00:00Z", "text": {"a": 1}, "channel": "chan_one"},
    ]
    f.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    db = tmp_path / "t.db"
    proc = svodka("import", "--json", "--db", str(db), str(f))
    assert len(warnings(proc)) == 4
    (report,) = json.loads(proc.stdout)
    assert report["new"] == 1 and report["skipped"] == {"bad line": 4}
    reasons = {p["where"]: p["reason"] for p in report["problems"]}
    assert reasons == {
        "line 2": "views is 'many', not a whole number",
        "line 3": "message_id is -5, not a positive whole number",
        "line 4": "no date",
        "line 5": 'text is {"a":1}, not a string',
    }


def test_csv_rows_short_long_and_with_an_unterminated_quote_are_listed(tmp_path: Path) -> None:
    f = tmp_path / "posts.csv"
    f.write_text(
        "message_id,date,text,channel\n"
        "1,2024-01-01T00:00:00Z,fine,chan_one\n"
        "2,2024-01-01T00:00:00Z\n"  # no text cell: not an empty post
        "3,2024-01-01T00:00:00Z,text,chan_one,an extra cell\n"  # would vanish
        '4,2024-01-01T00:00:00Z,"an unterminated quote,chan_one\n'
        "5,2024-01-01T00:00:00Z,swallowed,chan_one\n",
        encoding="utf-8",
    )
    db = tmp_path / "t.db"
    proc = svodka("import", "--db", str(db), str(f))
    warned = warnings(proc)
    assert len(warned) == 3, proc.stderr
    assert "row 3" in warned[0] and "2 cells, the header has 4" in warned[0]
    assert "row 4" in warned[1] and "5 cells, the header has 4" in warned[1]
    assert "row 5" in warned[2] and "quote opened in this row is not closed" in warned[2]
    assert "3 bad row" in proc.stdout
    assert rows(db, "SELECT message_id, text FROM posts") == [(1, "fine")]


def test_csv_unterminated_quote_in_the_last_column_is_listed(tmp_path: Path) -> None:
    f = tmp_path / "posts.csv"
    f.write_text(
        "message_id,date,text,channel\n"
        '1,2024-01-01T00:00:00Z,"two\nlines, quoted",chan_one\n'
        '2,2024-01-01T00:00:00Z,fine,"chan_one\n'
        "3,2024-01-01T00:00:00Z,swallowed,chan_one\n",
        encoding="utf-8",
    )
    db = tmp_path / "t.db"
    proc = svodka("import", "--db", str(db), str(f))
    warned = warnings(proc)
    assert len(warned) == 1, proc.stderr
    assert "row 3 (line 4)" in warned[0] and "a quote opened in this row is not closed" in warned[0]
    assert rows(db, "SELECT message_id, text FROM posts") == [(1, "two\nlines, quoted")]


def test_html_script_and_style_are_not_text_nor_the_channel_title(tmp_path: Path) -> None:
    page = tmp_path / "messages.html"
    page.write_text(
        '<html><head><script>var title = "evil";</script></head><body><div class="page_wrap">'
        '<div class="page_header"><div class="text">Chan<script>alert("title")</script></div></div>'
        '<div class="history"><div class="message default clearfix" id="message3"><div class="body">'
        '<div class="pull_right date details" title="03.11.2025 21:19:06 UTC+01:00">21:19</div>'
        '<div class="from_name">Chan</div><div class="text">Hello<script>alert(1)</script>'
        "<style>b{color:red}</style> world</div></div></div>"
        '<div class="message default clearfix" id="messagex"><div class="body">'
        '<div class="pull_right date details" title="03.11.2025 21:19:06 UTC+01:00">21:19</div>'
        '<div class="text">an id that is not a number</div></div></div></div></div></body></html>',
        encoding="utf-8",
    )
    db = tmp_path / "t.db"
    proc = svodka("import", "--db", str(db), str(page))
    warned = warnings(proc)
    assert len(warned) == 1 and "messagex" in warned[0]
    assert rows(db, "SELECT text FROM posts") == [("Hello world",)]
    assert rows(db, "SELECT title FROM channels") == [("Chan",)]


# 14. Detection of a JSONL file whose first record is over 64 KiB.


def test_jsonl_with_a_first_record_over_64_kib_is_detected(tmp_path: Path) -> None:
    f = tmp_path / "posts.data"
    first = {"message_id": 1, "date": "2024-01-01T00:00:00Z", "channel": "chan_one", "text": "я" * 100_000}
    second = {"message_id": 2, "date": "2024-01-01T00:00:00Z", "channel": "chan_one", "text": "short"}
    f.write_text(json.dumps(first, ensure_ascii=False) + "\n" + json.dumps(second) + "\n", encoding="utf-8")
    db = tmp_path / "t.db"
    proc = svodka("import", "--db", str(db), str(f))
    assert proc.returncode == 0, proc.stderr
    assert "(jsonl)" in proc.stdout
    assert rows(db, "SELECT message_id, length(text) FROM posts ORDER BY 1") == [(1, 100_000), (2, 5)]


# 9. `svodka questions import` of a file that is not UTF-8: one line, the row, exit 5.


@pytest.mark.parametrize(
    ("name", "data", "row"),
    [
        ("q.csv", b"text,date\nfirst question,2024-01-01\nsecond \xff\xfe one,2024-01-02\n", "row 2"),
        ("q.jsonl", b'{"text": "first"}\n{"text": "second"}\n{"text": "\xc0 third"}\n', "row 3"),
    ],
)
def test_questions_import_of_non_utf8_is_one_line_with_the_row(
    tmp_path: Path, name: str, data: bytes, row: str
) -> None:
    f = tmp_path / name
    f.write_bytes(data)
    proc = svodka("questions", "import", "--db", str(tmp_path / "t.db"), str(f))
    line = one_error_line(proc)
    assert proc.returncode == 5  # as `svodka import` (InputError)
    assert str(f) in line and "not UTF-8" in line and f"{row}, line " in line


# 4. javascript:/data: links are not stored, at any edge where a URL enters.


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(8)",
        " JaVaScRiPt:alert(8)",
        "java\tscript:alert(8)",
        "\x01javascript:alert(8)",
        "jav&#x09;ascript:alert(8)",
        "data:text/html,<script>alert(8)</script>",
        "vbscript:msgbox(1)",
        "http:alert(8)",
        "//evil.example/x",
        "",
        None,
        5,
    ],
)
def test_safe_url_refuses(url: object) -> None:
    assert safe_url(url) is None


def test_safe_url_keeps_web_and_tg_links_cleaned() -> None:
    assert safe_url("https://meduza.io/news/1") == "https://meduza.io/news/1"
    assert safe_url("  HTTP://Example.org/a\n") == "HTTP://Example.org/a"
    assert safe_url("https://exa\tmple.org/\x00x") == "https://example.org/x"
    assert safe_url("tg://resolve?domain=durov") == "tg://resolve?domain=durov"
    assert safe_url("github.com/x") == "http://github.com/x"  # a bare link as Telegram writes it
    assert safe_urls(["javascript:x", "https://a.b/", "https://a.b/", "t.me/s"]) == (
        "https://a.b/",
        "http://t.me/s",
    )


def test_javascript_links_from_jsonl_csv_and_exports_are_not_stored(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    jsonl = tmp_path / "posts.jsonl"
    jsonl.write_text(
        json.dumps(
            {
                "message_id": 1,
                "date": "2024-01-01T00:00:00Z",
                "channel": "chan_one",
                "text": "a",
                "url": " JaVaScRiPt:alert(8)",
                "links": ["data:text/html,x", "https://ok.example/1", "java\tscript:x"],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    csvf = tmp_path / "posts.csv"
    csvf.write_text(
        "message_id,date,text,channel,url\n2,2024-01-01T00:00:00Z,b,chan_one,javascript:alert(8)\n"
        "3,2024-01-01T00:00:00Z,c,chan_one,https://ok.example/3\n",
        encoding="utf-8",
    )
    export = _export(
        tmp_path / "result.json",
        [
            _message(
                id=4,
                text=["see ", {"type": "text_link", "text": "here", "href": "javascript:alert(8)"}],
                text_entities=[
                    {"type": "plain", "text": "see "},
                    {"type": "text_link", "text": "here", "href": "javascript:alert(8)"},
                    {"type": "link", "text": "data:text/html,x"},
                    {"type": "text_link", "text": "ok", "href": "https://ok.example/4"},
                ],
            )
        ],
    )
    for f in (jsonl, csvf, export):
        assert warnings(svodka("import", "--db", str(db), str(f))) == []
    got = rows(db, "SELECT message_id, url, links, entities FROM posts ORDER BY message_id")
    assert [(m, u, links) for m, u, links, _ in got] == [
        (1, None, b'["https://ok.example/1"]'),
        (2, None, None),
        (3, "https://ok.example/3", None),
        (4, None, b'["https://ok.example/4"]'),
    ]
    assert [url for _, _, url in json.loads(got[3][3])] == [None, None, "https://ok.example/4"]


def test_rss_item_link_javascript_is_not_stored() -> None:
    from datetime import UTC, datetime

    from svodka.sources.rss import parse_feed

    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
        b"<item><title>one</title><guid>1</guid><link>javascript:alert(8)</link></item>"
        b"<item><title>two</title><guid>2</guid><link>https://ok.example/2</link></item>"
        b"</channel></rss>"
    )
    posts = parse_feed(feed, "https://feed.example/rss", datetime(2024, 1, 1, tzinfo=UTC)).posts
    assert [(p.url, p.links) for p in posts] == [
        (None, ()),
        ("https://ok.example/2", ("https://ok.example/2",)),
    ]


# 16. A full disk while indexing for search: say that the posts are stored and how far the index got.


def test_full_disk_during_indexing_says_the_posts_are_stored(tmp_path: Path) -> None:
    from svodka.errors import StoreError
    from svodka.ingest import import_file
    from svodka.store import open_store

    real = shared("tg_desktop_export_samples", "trantor_library_TG101_result.json")
    store = open_store(tmp_path / "t.db")
    report = import_file(store, real)
    conn = store.db.conn  # type: ignore[attr-defined]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + 5}")  # what SQLite reports on a full disk: SQLITE_FULL
    with pytest.raises(StoreError) as info:
        store.posts.index_pending()
    message = str(info.value)
    assert "disk full while indexing" in message and "every post is stored" in message
    assert "nothing of the interrupted batch was stored" not in message
    assert str(tmp_path / "t.db") in message and f"up to id 0 of {report.saved.new}" in message
    assert store.posts.count() == report.saved.new
    conn.execute("PRAGMA max_page_count = 1073741823")
    assert store.posts.index_pending() == report.saved.new
    store.close()


# The streaming walk reads any layout of the same export the same (its fast path looks at line breaks).


@pytest.mark.parametrize("sample", ["uponthepathofsalaf_result.json", "trantor_library_TG101_result.json"])
def test_every_layout_of_an_export_reads_the_same(tmp_path: Path, sample: str) -> None:
    from svodka.sources import telegram_export
    from svodka.sources.files import ReadOptions, ReadStats

    doc = json.loads(shared("tg_desktop_export_samples", sample).read_text(encoding="utf-8"))
    full = {"about": "x", "contacts": {"list": [{"a": [1, {"b": "}\n  }"}]}]}, "chats": {"list": [doc]}}
    layouts = {
        "desktop": json.dumps(doc, ensure_ascii=False, indent=1),
        "one line": json.dumps(doc, ensure_ascii=False, separators=(",", ":")),
        "tabs": json.dumps(doc, indent="\t"),
        "per line": '{"name": '
        + json.dumps(doc["name"])
        + f', "id": {doc["id"]}, "messages": [\n'
        + ",\n".join(json.dumps(m) for m in doc["messages"])
        + "\n]}",
        "full export": json.dumps(full, ensure_ascii=False, indent=2),
    }
    results = {}
    for name, text in layouts.items():
        path = tmp_path / f"{name}.json"
        path.write_text(text, encoding="utf-8")
        stats = ReadStats()
        results[name] = (
            [
                (p.message_id, p.date, p.text, p.entities, p.links)
                for p in telegram_export.read(path, ReadOptions(), stats)
            ],
            stats.skipped,
        )
    want = results.pop("desktop")
    assert len(want[0]) == sum(m.get("type") == "message" for m in doc["messages"])
    for name, got in results.items():
        assert got == want, name
