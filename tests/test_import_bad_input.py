"""Bad input through the real CLI entry point: one clear line naming file and position, non-zero exit,
and nothing already stored is lost or half-written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import shared
from svodka.store import open_store

SAMPLE = "uponthepathofsalaf_result.json"


def svodka(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m svodka.cli``-style run of ``svodka.cli.main`` in a fresh process (stderr not a TTY)."""
    code = "import sys; from svodka.cli import main; sys.argv = ['svodka', *sys.argv[1:]]; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0, proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def count(url: str) -> int:
    """Posts stored at ``url`` (a store of any backend), read without writing."""
    with open_store(url, readonly=True) as store:
        return store.posts.count()


@pytest.fixture
def real(tmp_path: Path) -> Path:
    return shared("tg_desktop_export_samples", SAMPLE)


def test_truncated_json_names_file_and_byte_and_keeps_earlier_batches(
    tmp_path: Path, store_url: str, real: Path
) -> None:
    db = store_url
    ok = svodka(
        "import", "--db", str(db), str(shared("tg_desktop_export_samples", "pachumarchive_result.json"))
    )
    assert ok.returncode == 0, ok.stderr
    before = count(db)
    data = real.read_bytes()
    cut = tmp_path / "result.json"
    cut.write_bytes(data[: len(data) * 2 // 3])
    line = one_error_line(svodka("import", "--db", str(db), str(cut)))
    assert str(cut) in line and "truncated" in line and "near byte" in line
    assert count(db) == before


def test_truncated_json_with_small_batches_keeps_whole_batches_and_rerun_completes(
    tmp_path: Path, store_url: str, real: Path
) -> None:
    db = store_url
    cfg = tmp_path / "svodka.toml"
    cfg.write_text("[store]\nbatch_size = 20\n", encoding="utf-8")
    data = real.read_bytes()
    cut = tmp_path / "result.json"
    cut.write_bytes(data[: len(data) // 2])
    one_error_line(svodka("import", "--config", str(cfg), "--db", str(db), str(cut)))
    partial = count(db)
    assert partial > 0 and partial % 20 == 0  # whole batches only
    cut.write_bytes(data)
    done = svodka("import", "--config", str(cfg), "--db", str(db), str(cut))
    assert done.returncode == 0, done.stderr
    want = sum(m["type"] == "message" for m in json.loads(data)["messages"])
    assert count(db) == want


def test_invalid_json(tmp_path: Path, store_url: str) -> None:
    bad = tmp_path / "result.json"
    bad.write_text('{"name": "x", "type": "public_channel", "id": 5, "messages": [{"id": 1, "type": }]}')
    line = one_error_line(svodka("import", "--db", store_url, str(bad)))
    assert str(bad) in line and "not valid JSON" in line and "byte" in line


def test_unrecognised_file(tmp_path: Path, store_url: str) -> None:
    odd = tmp_path / "notes.bin"
    odd.write_bytes(b"\x00\x01\x02 just some bytes without a format\n")
    line = one_error_line(svodka("import", "--db", store_url, str(odd)))
    assert str(odd) in line and "cannot tell the format" in line


def test_format_mismatch(tmp_path: Path, store_url: str, real: Path) -> None:
    line = one_error_line(svodka("import", "--db", store_url, "--format", "csv", str(real)))
    assert str(real) in line and ("missing column" in line or "row" in line or "header" in line)


def test_unknown_format_name(tmp_path: Path, store_url: str, real: Path) -> None:
    proc = svodka("import", "--db", store_url, "--format", "xml", str(real))
    assert proc.returncode != 0 and "xml" in proc.stderr


def test_csv_missing_columns(tmp_path: Path, store_url: str) -> None:
    f = tmp_path / "posts.csv"
    f.write_text("id,body\n1,hello\n", encoding="utf-8")
    line = one_error_line(svodka("import", "--db", store_url, str(f)))
    assert str(f) in line and "missing column(s) date" in line and "header" in line


def test_non_utf8_bytes(tmp_path: Path, store_url: str) -> None:
    f = tmp_path / "posts.csv"
    f.write_bytes(
        b"message_id,date,text,channel\n1,2024-01-01T00:00:00Z,hi,abcdef\n"
        + b"2,2024-01-01T00:00:00Z,\xff\xfe broken,abcdef\n"
    )
    line = one_error_line(svodka("import", "--db", store_url, str(f)))
    assert str(f) in line and "not UTF-8" in line and "line 3, byte " in line  # where the bad byte is
    j = tmp_path / "result.json"
    j.write_bytes(
        b'{"name": "x", "id": 5, "messages": [{"id": 1, "type": "message", "date_unixtime": "1", '
        b'"text": "\xff\xfe"}]}'
    )
    line = one_error_line(svodka("import", "--db", store_url, str(j)))
    assert str(j) in line and "not UTF-8" in line and "line 1, byte " in line


def test_empty_file(tmp_path: Path, store_url: str) -> None:
    f = tmp_path / "result.json"
    f.write_bytes(b"")
    line = one_error_line(svodka("import", "--db", store_url, str(f)))
    assert str(f) in line and "empty" in line


def test_dates_out_of_range_are_one_line_naming_the_message(
    tmp_path: Path, store_url: str, real: Path
) -> None:
    """Found by the fuzzer: a ``date_unixtime`` past year 9999 raised OverflowError, not an error line. Since
    issue 13 the message is skipped with one warning line naming it, and the rest of the file is stored."""
    export = json.loads(real.read_text(encoding="utf-8"))
    victim = next(m for m in export["messages"][5:] if m.get("type") == "message")
    victim["date_unixtime"] = "99999999999999999"
    bad = tmp_path / "result.json"
    bad.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    proc = svodka("import", "--db", store_url, str(bad))
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1, proc.stderr
    assert str(bad) in warnings[0] and f"(id {victim['id']})" in warnings[0]
    assert "not a Unix time in range" in warnings[0]
    assert count(store_url) == sum(m["type"] == "message" for m in export["messages"]) - 1
    jsonl = tmp_path / "posts.jsonl"
    jsonl.write_text('{"message_id": 1, "date": 1e300, "text": "x", "channel": "c"}\n', encoding="utf-8")
    proc = svodka("import", "--db", store_url, str(jsonl))
    assert proc.returncode == 0, proc.stderr
    assert str(jsonl) in proc.stderr and "line 1" in proc.stderr and "1 bad line" in proc.stdout
