"""JSONL and CSV files of posts, one post per line or row, with a column mapping.

Columns are found by their usual names (``message_id``/``id``, ``text``/``message``, ``date``,
``sender_id``/``channel_id``, ``channel``, ``views``, ``forwards``, ``fwd_from``, ``url``/``link_url``), so
the layouts of ``tg_ru_news_2024`` and ``tg_en_bbcbreaking_2017`` import as they are; ``--map FIELD=COLUMN``
names any other column. A record whose values cannot be read (no date, an id that is not a positive whole
number, ``views: "many"``, a row with a cell too few or too many) is skipped and listed with what was wrong
(:meth:`~svodka.sources.files.ReadStats.bad`); the rest of the file is imported. ``url`` and ``links`` keep
only web and ``tg:`` addresses (:func:`svodka.links.safe_url`).
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from svodka.errors import InputError
from svodka.links import safe_url, safe_urls
from svodka.model import ChannelRef, ForwardOrigin, Post, from_unix, tg_ext_id
from svodka.sources.files import SNIFF_BYTES, FileFormat, ReadOptions, ReadStats, first_bad_utf8

# field -> column names tried in order
DEFAULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "message_id": ("message_id", "id", "msg_id", "post_id"),
    "text": ("text", "message", "content", "body"),
    "date": ("date", "datetime", "time", "timestamp", "published"),
    "channel_id": ("sender_id", "channel_id", "peer_id", "chat_id"),
    "channel": ("channel", "channel_name", "username", "chat"),
    "channel_handle": ("channel_username", "handle"),
    "channel_title": ("channel_title", "title"),
    "views": ("views", "view_count"),
    "forwards": ("forwards", "shares"),
    "fwd_from": ("fwd_from", "forwarded_from"),
    "reply_to": ("reply_to", "reply_to_msg_id", "reply_to_message_id"),
    "url": ("url", "link"),
    "links": ("link_url", "links"),
}
REQUIRED = ("message_id", "date")
_HANDLE = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{4,31})")


def parse_date(value: Any) -> datetime:
    """ISO 8601 (``Z`` or offset; naive is UTC) or Unix seconds/milliseconds."""
    if isinstance(value, (int, float)) or (
        isinstance(value, str) and re.fullmatch(r"\d{9,13}(\.\d+)?", value)
    ):
        ts = float(value)
        if ts > 1e11:  # milliseconds
            ts /= 1000
        return from_unix(ts)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a date: {value!r}")
    dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "T", 1))
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _int(value: Any, what: str = "value") -> int | None:
    """A whole number (``"1 234"``, ``"1,234"``, ``12.0`` as written by spreadsheets), or None if empty."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        value = value.strip().replace(" ", "").replace(",", "")
        if value.lstrip("-").isdigit():
            return int(value)
    if isinstance(value, (str, float)):
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if number.is_integer():
            return int(number)
    raise ValueError(f"{what} is {str(value)[:40]!r}, not a whole number")


def _count(value: Any, what: str) -> int | None:
    n = _int(value, what)
    if n is not None and n < 0:
        raise ValueError(f"{what} is {n}, not a count")
    return n


def _message_id(value: Any) -> int:
    n = _int(value, "message_id")
    if n is None:
        raise ValueError("no message_id")
    if not 0 < n < 1 << 63:
        raise ValueError(f"message_id is {n}, not a positive whole number")
    return n


class _Columns:
    """Resolves post fields to the columns of one file (explicit mapping first, then usual names)."""

    def __init__(self, columns: list[str], mapping: Mapping[str, str], path: Path) -> None:
        unknown = set(mapping) - set(DEFAULT_COLUMNS)
        if unknown:
            raise InputError(
                path, f"--map names unknown field(s) {sorted(unknown)}; known: {sorted(DEFAULT_COLUMNS)}"
            )
        self.by_field: dict[str, str] = {}
        present = set(columns)
        for field, names in DEFAULT_COLUMNS.items():
            if field in mapping:
                if mapping[field] not in present:
                    raise InputError(
                        path, f"--map {field}={mapping[field]}: no such column (have: {', '.join(columns)})"
                    )
                self.by_field[field] = mapping[field]
                continue
            for name in names:
                if name in present:
                    self.by_field[field] = name
                    break
        missing = [f for f in (*REQUIRED, "text") if f not in self.by_field]
        if not any(f in self.by_field for f in ("channel", "channel_id", "channel_handle", "channel_title")):
            missing.append("channel")
        self.missing = missing

    def check(self, path: Path, where: str, default_channel: str | None) -> None:
        missing = [m for m in self.missing if not (m == "channel" and default_channel)]
        if missing:
            raise InputError(
                path,
                f"missing column(s) {', '.join(missing)} (name them with --map FIELD=COLUMN"
                + (", or give --channel" if "channel" in missing else "")
                + ")",
                where,
            )


def _channel(record: Mapping[str, Any], cols: _Columns, default: str | None) -> ChannelRef:
    get = lambda f: record.get(cols.by_field[f]) if f in cols.by_field else None  # noqa: E731
    tg_id = tg_ext_id(get("channel_id"))
    handle = get("channel_handle")
    title = get("channel_title")
    name = get("channel") or default
    if isinstance(name, str) and name:
        m = _HANDLE.fullmatch(name.strip())
        # A bare name that looks like a username is a handle unless an id already identifies the channel.
        if m and not handle and tg_id is None:
            handle = m.group(1)
        elif not title:
            title = name.strip()
    return ChannelRef(handle=handle.lower().lstrip("@") if handle else None, ext_id=tg_id, title=title)


def _forward(value: Any) -> ForwardOrigin | None:
    if not value:
        return None
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("{"):
            value = orjson.loads(value)
        else:
            return ForwardOrigin(name=value)
    if isinstance(value, Mapping):
        channel = value.get("channel_id") or value.get("from_id")
        if isinstance(channel, Mapping):  # Telethon's PeerChannel as a dict
            channel = channel.get("channel_id")
        return ForwardOrigin(
            name=value.get("from_name") or value.get("name"),
            ext_id=tg_ext_id(channel) if channel is not None else None,
            message_id=_int(value.get("channel_post") or value.get("message_id")),
        )
    return None


def _post(record: Mapping[str, Any], cols: _Columns, opts: ReadOptions) -> Post:
    """One record as a Post; ValueError (or KeyError, TypeError) saying what is wrong if it is not one."""
    f = cols.by_field
    text = record.get(f["text"])
    if text is None:
        text = ""
    elif not isinstance(text, str):
        raise ValueError(f"{f['text']} is {orjson.dumps(text)[:40].decode('utf-8', 'replace')}, not a string")
    links_value = record.get(f["links"]) if "links" in f else None
    links: tuple[str, ...] = ()
    if isinstance(links_value, str) and links_value:
        links = safe_urls((links_value,))
    elif isinstance(links_value, list):
        links = safe_urls(links_value)
    if f["date"] not in record or record[f["date"]] in (None, ""):
        raise ValueError("no date")
    return Post(
        channel=_channel(record, cols, opts.channel),
        message_id=_message_id(record.get(f["message_id"])),
        date=parse_date(record[f["date"]]),
        text=text,
        links=links,
        views=_count(record.get(f["views"]), f["views"]) if "views" in f else None,
        forwards=_count(record.get(f["forwards"]), f["forwards"]) if "forwards" in f else None,
        forward=_forward(record.get(f["fwd_from"])) if "fwd_from" in f else None,
        reply_to=_int(record.get(f["reply_to"]), f["reply_to"]) if "reply_to" in f else None,
        url=safe_url(record.get(f["url"])) if "url" in f else None,
        # the text is stored in its own column; raw keeps the other columns
        raw={k: v for k, v in record.items() if k != f["text"]},
    )


def read_jsonl(path: Path, opts: ReadOptions, stats: ReadStats) -> Iterator[Post]:
    cols: _Columns | None = None
    with path.open("rb") as fh:
        for lineno, line in enumerate(fh, 1):
            stats.position = f"line {lineno}"
            if not line.strip():
                continue
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as e:
                if "depth" in e.msg or "recursion" in e.msg:
                    raise InputError(
                        path,
                        "JSON nested too deep (over 1024 levels): not a post",
                        f"line {lineno}",
                    ) from None
                raise InputError(path, f"not valid JSON ({e.msg})", f"line {lineno}") from None
            if not isinstance(record, dict):
                raise InputError(path, "expected one JSON object per line", f"line {lineno}")
            if cols is None:
                cols = _Columns(list(record), opts.mapping, path)
                cols.check(path, f"line {lineno}", opts.channel)
            try:
                post = _post(record, cols, opts)
            except KeyError as e:
                stats.bad(f"line {lineno}", f"no field {e.args[0]!r}", "bad line")
                continue
            except (ValueError, TypeError, OverflowError) as e:
                stats.bad(f"line {lineno}", str(e), "bad line")
                continue
            yield post
            if opts.on_bytes and lineno % 4096 == 0:
                opts.on_bytes(fh.tell())


def read_csv(path: Path, opts: ReadOptions, stats: ReadStats) -> Iterator[Post]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open("rb") as raw:
        head = raw.read(4096)
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        try:
            dialect: Any = csv.Sniffer().sniff(head.decode("utf-8", "ignore"), delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(text, dialect=dialect)
        try:
            header = reader.fieldnames or []
        except UnicodeDecodeError as e:
            raise InputError(path, f"not UTF-8 text ({e.reason})", first_bad_utf8(path)) from None
        cols = _Columns(list(header), opts.mapping, path)
        cols.check(path, "header", opts.channel)
        row = 1
        width = len(header)
        held: tuple[str, Post] | None = None  # a post whose row runs over several lines, until the next row
        try:
            line = reader.line_num + 1
            for row, record in enumerate(reader, 2):
                stats.position = f"row {row}"
                where, line = f"row {row} (line {line})", reader.line_num + 1
                if held:
                    yield held[1]
                    held = None
                if not any((v or "").strip() for v in record.values() if isinstance(v, str)):
                    stats.skip("empty row")
                    continue
                problem = _row_shape(record, width)
                if problem:
                    stats.bad(where, problem, "bad row")
                    continue
                try:
                    post = _post(record, cols, opts)
                except (KeyError, ValueError, TypeError, OverflowError) as e:
                    stats.bad(where, str(e), "bad row")
                    continue
                if any(isinstance(v, str) and "\n" in v for v in record.values()):
                    held = (where, post)
                else:
                    yield post
            if held:
                # The last row runs over several lines: a quote that is never closed takes in every line to
                # the end of the file (the csv module does not say so); an odd number of quotes tells.
                if _odd_quotes(path):
                    stats.bad(held[0], _UNCLOSED, "bad row")
                else:
                    yield held[1]
        except UnicodeDecodeError as e:
            raise InputError(path, f"not UTF-8 text ({e.reason})", first_bad_utf8(path)) from None
        except csv.Error as e:
            raise InputError(path, f"broken CSV ({e})", f"row {row}") from None


_UNCLOSED = "a quote opened in this row is not closed: it took in every line to the end of the file"


def _odd_quotes(path: Path) -> bool:
    """Whether the file holds an odd number of ``"`` (in CSV they pair up: open/close, and ``""``)."""
    count = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b'"')
    return count % 2 == 1


def _row_shape(record: Mapping[str | None, Any], width: int) -> str | None:
    """What is wrong with a row's number of cells (csv.DictReader fills a short row with None and puts
    extra cells under None), or None if it has one cell per header column."""
    extra = record.get(None)
    if extra:
        return f"{width + len(extra)} cells, the header has {width}: the extra cells would be lost"
    missing = [k for k, v in record.items() if v is None]
    if not missing:
        return None
    cells = width - len(missing)
    swallowed = any(isinstance(v, str) and "\n" in v for v in record.values())
    why = f"{cells} cells, the header has {width} (no {', '.join(str(m) for m in missing)})"
    if swallowed:
        why += "; a quote opened in this row is not closed, so it took in the lines after it"
    return why


_FIRST_LINE_MAX = 256 << 20  # how far detection looks for the end of a first JSONL record


def _first_line_end(path: Path) -> bytes:
    """The last bytes of the file's first line (detection's head may end inside a long first record)."""
    tail = b""
    with path.open("rb") as fh:
        read = 0
        while read < _FIRST_LINE_MAX:
            chunk = fh.read(1 << 20)
            if not chunk:
                return tail
            read += len(chunk)
            cut = chunk.find(b"\n")
            if cut >= 0:
                return (tail + chunk[:cut])[-16:]
            tail = (tail + chunk)[-16:]
    return b""


def _sniff_jsonl(head: bytes, path: Path) -> bool:
    body = head.lstrip(b"\xef\xbb\xbf").lstrip()
    first = body.split(b"\n", 1)[0]
    if not first.startswith(b"{"):
        return False
    if b"\n" not in body and len(head) >= SNIFF_BYTES:  # a first record longer than the head
        return _first_line_end(path).rstrip().endswith(b"}")
    return first.rstrip().endswith(b"}")


def _sniff_csv(head: bytes, path: Path) -> bool:
    if path.suffix.lower() in (".csv", ".tsv"):
        return True
    first = head.split(b"\n", 1)[0]
    return not first.lstrip().startswith((b"{", b"[", b"<")) and any(d in first for d in (b",", b";", b"\t"))


FORMATS = [
    FileFormat(
        "jsonl",
        "one JSON object per line (tg_ru_news_2024, tg_en_bbcbreaking_2017 layouts)",
        _sniff_jsonl,
        read_jsonl,
    ),
    FileFormat("csv", "CSV/TSV with a header row", _sniff_csv, read_csv),
]
