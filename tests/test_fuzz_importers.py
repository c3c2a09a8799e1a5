"""Fuzz the Telegram Desktop JSON and HTML readers: whatever the bytes, only InputError may escape."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svodka.errors import InputError
from svodka.sources import tabular, telegram_export, telegram_export_html
from svodka.sources.files import ReadOptions, ReadStats

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), st.text(max_size=20)
)
_json = st.recursive(
    _scalars,
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=12,
)
_message = st.fixed_dictionaries(
    {"id": st.one_of(st.integers(-5, 10**12), st.text(max_size=5), st.none())},
    optional={
        "type": st.sampled_from(["message", "service", "", "x"]) | _scalars,
        "date": st.sampled_from(["2024-01-01T10:00:00", "bad", ""]) | _scalars,
        "date_unixtime": st.sampled_from(["1700000000", "x", "-1", "99999999999999999"]) | _scalars,
        "edited_unixtime": _scalars,
        "text": st.one_of(st.text(max_size=30), st.lists(st.one_of(st.text(max_size=5), _json), max_size=4)),
        "text_entities": st.lists(_json, max_size=4) | _scalars,
        "forwarded_from": _scalars,
        "forwarded_from_id": st.sampled_from(["channel123", "user5", "chat", "channelx"]) | _scalars,
        "reactions": st.lists(st.dictionaries(st.sampled_from(["count", "type"]), _scalars), max_size=3)
        | _scalars,
        "reply_to_message_id": _scalars,
        "media_type": _scalars,
        "photo": _scalars,
        "author": _scalars,
    },
)


def _read_json(path: Path) -> None:
    try:
        for _ in telegram_export.read(path, ReadOptions(channel="fallback"), ReadStats()):
            pass
    except InputError:
        pass


def _read_html(path: Path) -> None:
    try:
        for _ in telegram_export_html.read(path, ReadOptions(channel="fallback"), ReadStats()):
            pass
    except InputError:
        pass


@FUZZ
@given(name=_scalars, chat_id=_scalars, messages=st.lists(_message, max_size=5), full=st.booleans())
def test_json_reader_structured(tmp_path_factory, name, chat_id, messages, full) -> None:  # type: ignore[no-untyped-def]
    chat = {"name": name, "type": "public_channel", "id": chat_id, "messages": messages}
    doc = {"chats": {"list": [chat]}} if full else chat
    path = tmp_path_factory.mktemp("j") / "result.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    _read_json(path)


@FUZZ
@given(data=st.binary(max_size=400), cut=st.integers(0, 2000))
def test_json_reader_raw_bytes(tmp_path_factory, data: bytes, cut: int) -> None:  # type: ignore[no-untyped-def]
    real = (
        b'{"name":"c","type":"public_channel","id":7,'
        b'"messages":[{"id":1,"type":"message","date_unixtime":"1"}]}'
    )
    path = tmp_path_factory.mktemp("b") / "result.json"
    path.write_bytes(real[: cut % (len(real) + 1)] + data)
    _read_json(path)


_fragments = st.sampled_from(
    [
        '<div class="message default clearfix" id="message5">',
        '<div class="message default clearfix joined" id="message6">',
        '<div class="message service" id="message7">',
        '<div class="message service" id="message-1">',
        '<div class="message default" id="messagex">',
        '<div class="body">',
        '<div class="forwarded body">',
        '<div class="pull_right date details" title="03.11.2025 21:19:06 UTC+01:00">',
        '<div class="date details" title="99.99.9999 99:99:99">',
        '<div class="from_name">A <span>x</span>',
        '<div class="text">hi<br>there <a href="https://x.y">l</a>',
        '<div class="reply_to details"><a onclick="return GoToMessage(4)">m</a>',
        '<div class="reactions"><span class="count">3</span>',
        '<div class="media_wrap"><div class="media media_photo">',
        "</div>",
        "</span>",
        "&amp;",
        "<br>",
        '<div class="page_header"><div class="text">Chan</div></div>',
        '<div class="signature details">S',
    ]
)


@FUZZ
@given(parts=st.lists(_fragments | st.text(max_size=10), max_size=40))
def test_html_reader(tmp_path_factory, parts: list[str]) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("h") / "messages.html"
    path.write_text(
        '<html><body><div class="page_wrap"><div class="history">' + "".join(parts), encoding="utf-8"
    )
    _read_html(path)


@FUZZ
@given(data=st.binary(max_size=300))
def test_html_reader_raw_bytes(tmp_path_factory, data: bytes) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("hb") / "messages.html"
    path.write_bytes(b'<html><div class="message default" id="message1">' + data)
    _read_html(path)


# Issue 13: nested and escaped-string shapes. Whatever the depth or the length of a string, a reader ends
# (InputError or posts) in bounded time; a string's escapes decode as JSON says.
SHAPES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_HEAD = '{"name":"c","type":"public_channel","id":7,"messages":[{"id":1,"type":"message","date_unixtime":"1",'


def _timed(read: Callable[[], object], limit: float = 5.0) -> None:
    started = time.perf_counter()
    read()
    assert time.perf_counter() - started < limit


@SHAPES
@given(
    depth=st.integers(0, 300_000),
    open_close=st.sampled_from([("[", "]"), ('{"a":', "}"), ("[", "}"), ("[", "")]),
    key=st.sampled_from(["text", "text_entities", "reactions", "photo", "zz"]),
    full=st.booleans(),
)
def test_json_reader_nested(
    tmp_path_factory, depth: int, open_close: tuple[str, str], key: str, full: bool
) -> None:  # type: ignore[no-untyped-def]
    opener, closer = open_close
    value = opener * depth + "1" + closer * depth
    doc = _HEAD + f'"{key}":{value}' + "}]}"
    if full:
        doc = '{"chats":{"list":[' + doc + "]}}"
    path = tmp_path_factory.mktemp("n") / "result.json"
    path.write_text(doc, encoding="utf-8")
    _timed(lambda: _read_json(path))


_escapes = st.sampled_from(
    ["\\u0436", '\\"', "\\\\", "\\n", "\\ud83d\\ude00", "\\/", "ж", "a", "\\u00", "\\x"]
)


@SHAPES
@given(parts=st.lists(st.tuples(_escapes, st.integers(1, 300_000)), min_size=1, max_size=4))
def test_json_reader_long_escaped_strings(tmp_path_factory, parts: list[tuple[str, int]]) -> None:  # type: ignore[no-untyped-def]
    literal = "".join(fragment * n for fragment, n in parts)
    path = tmp_path_factory.mktemp("e") / "result.json"
    path.write_text(_HEAD + '"text":"' + literal + '"}]}', encoding="utf-8")
    try:
        want: str | None = json.loads('"' + literal + '"')
    except json.JSONDecodeError:
        want = None  # \x or a cut \u: not JSON
    got: list[str] = []

    def read() -> None:
        try:
            got.extend(p.text for p in telegram_export.read(path, ReadOptions(), ReadStats()))
        except InputError:
            got.append("<error>")

    _timed(read)
    assert got == ([want] if want is not None else ["<error>"])


@SHAPES
@given(depth=st.integers(0, 300_000), tag=st.sampled_from(["b", "div", "a", "blockquote", "span"]))
def test_html_reader_nested(tmp_path_factory, depth: int, tag: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("hn") / "messages.html"
    path.write_text(
        '<html><body><div class="page_wrap"><div class="history">'
        '<div class="message default clearfix" id="message5"><div class="body">'
        '<div class="date details" title="03.11.2025 21:19:06 UTC+01:00"></div><div class="text">'
        + f"<{tag}>" * depth
        + "x"
        + f"</{tag}>" * depth
        + "</div></div></div>",
        encoding="utf-8",
    )
    _timed(lambda: _read_html(path))


@SHAPES
@given(depth=st.integers(0, 300_000), text=_escapes)
def test_jsonl_reader_nested_and_escaped(tmp_path_factory, depth: int, text: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("l") / "posts.jsonl"
    line = '{"message_id": 1, "date": "2024-01-01", "channel": "c", "text": "' + text * 1000 + '", "x": '
    path.write_text(line + "[" * depth + "1" + "]" * depth + "}\n", encoding="utf-8")

    def read() -> None:
        try:
            for _ in tabular.read_jsonl(path, ReadOptions(), ReadStats()):
                pass
        except InputError:
            pass

    _timed(read)
