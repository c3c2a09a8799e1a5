"""Fuzz the Telegram Desktop JSON and HTML readers: whatever the bytes, only InputError may escape."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svodka.errors import InputError
from svodka.sources import telegram_export, telegram_export_html
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
