"""Read questions from CSV, JSONL or XLSX, streamed, with a column mapping; bad rows are reported."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from svodka.errors import InputError
from svodka.model import Question, from_unix
from svodka.sources.files import first_bad_utf8

FIELDS = ("text", "time", "region", "channel", "id")
# Defaults match the citizen-appeals layout; --map overrides any of them.
DEFAULT_MAPPING = {"text": "text", "time": "date", "region": "district", "channel": "channel", "id": "id"}


@dataclass(frozen=True, slots=True)
class BadRow:
    row: int
    reason: str


def _parse_time(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return from_unix(value)
    t = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=UTC)


# Bytes that are not UTF-8, as errors="surrogateescape" decodes them: found row by row, so that the error
# names the row (a decoder reading ahead in chunks cannot).
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def _not_utf8(path: Path, row: str) -> InputError:
    where = f"{row}, {first_bad_utf8(path)}"
    return InputError(str(path), "not UTF-8 text (save the file as UTF-8)", where)


def _records(path: Path) -> Iterator[tuple[int, Mapping[str, object] | str]]:
    """(row number, mapping) or (row number, error) in file order; row numbers are 1-based data rows.

    A file that is not UTF-8 is an InputError naming the first row that is not.
    """
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        with path.open(encoding="utf-8", errors="surrogateescape") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                if _NOT_UTF8.search(line):
                    raise _not_utf8(path, f"row {n}")
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    yield n, f"not JSON ({e.msg})"
                    continue
                except RecursionError:
                    yield n, "JSON nested too deep to be a question"
                    continue
                yield (n, obj) if isinstance(obj, dict) else (n, "not a JSON object")
    elif suffix in (".csv", ".tsv"):
        with path.open(encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
            reader = csv.DictReader(f, delimiter="\t" if suffix == ".tsv" else ",")
            if any(_NOT_UTF8.search(c) for c in reader.fieldnames or ()):
                raise _not_utf8(path, "header")
            for n, rec in enumerate(reader, 1):
                if any(isinstance(v, str) and _NOT_UTF8.search(v) for v in rec.values()):
                    raise _not_utf8(path, f"row {n}")
                if None in rec:
                    yield n, "more cells than header columns"
                    continue
                yield n, rec
    elif suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many types for a broken file
            raise InputError(str(path), f"not a readable XLSX file ({e})", None) from None
        try:
            rows = wb.active.iter_rows(values_only=True) if wb.active is not None else iter(())
            header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
            for n, cells in enumerate(rows, 1):
                if all(c is None for c in cells):
                    continue
                yield n, dict(zip(header, cells, strict=False))
        finally:
            wb.close()
    else:
        raise InputError(str(path), "unknown question file type (expected .csv, .tsv, .jsonl or .xlsx)", None)


def read_questions(path: str | Path, mapping: Mapping[str, str] | None = None) -> Iterator[Question | BadRow]:
    """Questions in file order; a row that cannot be read is a :class:`BadRow` naming its row number.

    A row without an id gets a stable one from its content, so importing the same file twice stores
    each question once.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(str(path), "no such file", None)
    cols = {**DEFAULT_MAPPING, **(mapping or {})}
    unknown = set(cols) - set(FIELDS)
    if unknown:
        raise InputError(str(path), f"unknown field(s) in mapping: {', '.join(sorted(unknown))}", None)
    for n, rec in _records(path):
        if isinstance(rec, str):
            yield BadRow(n, rec)
            continue
        text = rec.get(cols["text"])
        if text is None or not str(text).strip():
            yield BadRow(n, f"no text in column {cols['text']!r}")
            continue
        text = str(text).strip()
        raw_time = rec.get(cols["time"])
        when = None
        if raw_time not in (None, ""):
            try:
                when = _parse_time(raw_time)
            except (ValueError, OverflowError, OSError):
                yield BadRow(n, f"unreadable time {str(raw_time)[:40]!r}")
                continue
        region = rec.get(cols["region"])
        channel = rec.get(cols["channel"])
        raw_id = rec.get(cols["id"])
        if raw_id in (None, ""):
            key = f"{text}\x1f{raw_time}\x1f{region}\x1f{channel}".encode()
            qid = "h" + hashlib.blake2b(key, digest_size=10).hexdigest()
        else:
            qid = str(raw_id).strip()
        yield Question(
            qid,
            text,
            when,
            str(region).strip() if region else None,
            str(channel).strip() if channel else None,
        )
