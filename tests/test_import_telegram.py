"""Telegram Desktop exports (JSON and HTML) and the two post corpora import with the counts in the files.

Expected counts are computed from the files themselves with plain ``json.load`` / ``json.loads``, never
with the importer, so a reader bug cannot make its own test pass.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from conftest import shared
from svodka.ingest import import_file
from svodka.model import ChannelRef, StoredPost
from svodka.sources.files import ReadOptions, ReadStats, detect
from svodka.store import Store

SAMPLES = ("pachumarchive_result.json", "trantor_library_TG101_result.json", "uponthepathofsalaf_result.json")


def _expected(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    msgs = [m for m in data["messages"] if m["type"] == "message"]
    return {
        "id": data["id"],
        "name": data["name"],
        "messages": len(msgs),
        "service": sum(m["type"] == "service" for m in data["messages"]),
        "forwards": sum("forwarded_from" in m for m in msgs),
        "edited": sum("edited_unixtime" in m for m in msgs),
        "reactions": sum(sum(r["count"] for r in m.get("reactions", [])) for m in msgs),
        "replies": sum("reply_to_message_id" in m for m in msgs),
        "by_id": {m["id"]: m for m in msgs},
    }


def _posts(store: Store) -> list[StoredPost]:
    return list(store.posts.iter())


@pytest.mark.parametrize("name", SAMPLES)
def test_real_json_export_imports_with_its_counts(store: Store, name: str) -> None:
    path = shared("tg_desktop_export_samples", name)
    want = _expected(path)
    assert detect(path).name == "telegram-json"
    report = import_file(store, path)
    assert report.saved.new == want["messages"]
    assert report.skipped.get("service message", 0) == want["service"]
    [channel] = store.channels.list()
    assert (channel.title, int(channel.ext_id or 0)) == (want["name"], want["id"])
    posts = _posts(store)
    n, fwd, edited = (
        len(posts),
        sum(p.fwd_name is not None for p in posts),
        sum(bool(p.edited) for p in posts),
    )
    reactions = sum(p.reactions or 0 for p in posts)
    replies = sum(p.reply_to is not None for p in posts)
    assert (n, fwd, edited, reactions, replies) == (
        want["messages"],
        want["forwards"],
        want["edited"],
        want["reactions"],
        want["replies"],
    )
    # every stored text equals the plain text of the source, whichever form ``text`` took
    for post in posts:
        src = want["by_id"][post.message_id]
        plain = (
            src["text"]
            if isinstance(src["text"], str)
            else "".join(p if isinstance(p, str) else p["text"] for p in src["text"])
        )
        assert post.text == plain
        assert int(post.date.timestamp()) == int(src["date_unixtime"])
        edited_at = int(post.edited.timestamp()) if post.edited else None
        assert edited_at == (int(src["edited_unixtime"]) if "edited_unixtime" in src else None)


def test_forward_origins_and_links_of_salaf_export(store: Store) -> None:
    path = shared("tg_desktop_export_samples", "uponthepathofsalaf_result.json")
    want = _expected(path)
    import_file(store, path)
    posts = _posts(store)
    stored = {
        p.message_id: int(p.fwd_ext_id) if p.fwd_ext_id else None for p in posts if p.fwd_name is not None
    }
    expected = {
        mid: int(m["forwarded_from_id"].removeprefix("channel"))
        for mid, m in want["by_id"].items()
        if str(m.get("forwarded_from_id", "")).startswith("channel")
    }
    assert stored == expected and len(expected) == 27
    link_sources = sum(
        1
        for m in want["by_id"].values()
        if any(e["type"] in ("text_link", "link") for e in m["text_entities"])
    )
    assert sum(bool(p.links) for p in posts) == link_sources


def test_media_kinds_of_trantor_export(store: Store) -> None:
    path = shared("tg_desktop_export_samples", "trantor_library_TG101_result.json")
    want = _expected(path)
    import_file(store, path)
    posts = _posts(store)
    media = Counter(p.media for p in posts if p.media is not None)
    msgs = want["by_id"].values()
    assert media.get("photo", 0) == sum("photo" in m and "media_type" not in m for m in msgs)
    assert media.get("poll", 0) == sum("poll" in m for m in msgs) == 1
    assert media.get("sticker", 0) == sum(m.get("media_type") == "sticker" for m in msgs)
    authors = sum(p.author is not None for p in posts)
    assert authors == sum(bool(m.get("author") or m.get("from")) for m in msgs)


def test_import_twice_stores_nothing_twice_and_an_edit_keeps_the_old_text(
    store: Store, tmp_path: Path
) -> None:
    src = shared("tg_desktop_export_samples", "uponthepathofsalaf_result.json")
    want = _expected(src)
    first = import_file(store, src)
    again = import_file(store, src)
    assert (again.saved.new, again.saved.edited, again.saved.unchanged) == (0, 0, first.saved.new)
    data = json.loads(src.read_text(encoding="utf-8"))
    target = next(
        m for m in data["messages"] if m["type"] == "message" and isinstance(m["text"], str) and m["text"]
    )
    old_text = target["text"]
    target["text"] = old_text + " (updated)"
    target["text_entities"] = [{"type": "plain", "text": target["text"]}]
    target["edited_unixtime"] = str(int(target.get("edited_unixtime", target["date_unixtime"])) + 60)
    changed = tmp_path / "result.json"
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    third = import_file(store, changed)
    assert (third.saved.new, third.saved.edited) == (0, 1)
    assert store.posts.count() == want["messages"]
    [post] = [p for p in _posts(store) if p.message_id == target["id"]]
    assert post.text == old_text + " (updated)"
    assert [v.text for v in store.posts.versions(post.id)] == [old_text]


def test_full_account_export_reads_every_chat(tmp_path: Path, store: Store) -> None:
    """The ``chats.list[]`` layout, built from two real single-chat exports."""
    a = json.loads(
        shared("tg_desktop_export_samples", "pachumarchive_result.json").read_text(encoding="utf-8")
    )
    b = json.loads(
        shared("tg_desktop_export_samples", "uponthepathofsalaf_result.json").read_text(encoding="utf-8")
    )
    full = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 1, "first_name": "A"},
        "chats": {"about": "chats", "list": [a, b]},
        "left_chats": {"about": "left", "list": []},
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(full, ensure_ascii=False, indent=1), encoding="utf-8")
    report = import_file(store, path)
    want_a, want_b = (sum(m["type"] == "message" for m in x["messages"]) for x in (a, b))
    assert report.saved.new == want_a + want_b
    assert report.skipped["service message"] == sum(
        m["type"] == "service" for m in b["messages"] + a["messages"]
    )
    ext_ids = {c.id: int(c.ext_id or 0) for c in store.channels.list()}
    per = Counter(ext_ids[p.channel_id] for p in _posts(store))
    assert per == {a["id"]: want_a, b["id"]: want_b}


def test_html_export_matches_the_json_export_of_the_same_channel() -> None:
    html = shared("tg_desktop_export_samples", "uponthepathofsalaf_messages.html")
    js = shared("tg_desktop_export_samples", "uponthepathofsalaf_result.json")
    want = _expected(js)
    fmt = detect(html)
    assert fmt.name == "telegram-html"
    stats = ReadStats()
    posts = list(fmt.read(html, ReadOptions(), stats))
    assert len(posts) == want["messages"] == 208
    assert stats.skipped == {"service message": want["service"]}
    assert sum(p.forward is not None for p in posts) == want["forwards"] == 27
    assert {p.message_id for p in posts} == set(want["by_id"])
    # the page's dates carry their UTC offset, so they equal the JSON's unix times exactly
    assert all(int(p.date.timestamp()) == int(want["by_id"][p.message_id]["date_unixtime"]) for p in posts)
    fwd_names = {p.message_id: p.forward.name for p in posts if p.forward}
    assert fwd_names == {
        mid: " ".join(m["forwarded_from"].split())
        for mid, m in want["by_id"].items()
        if "forwarded_from" in m
    }
    assert posts[0].channel == ChannelRef(title=" ".join(want["name"].split()))
    # joined messages (no from_name in the markup) still get the author of the message before them
    assert all(p.author for p in posts)


def test_html_after_json_of_the_same_channel_is_unchanged_not_edited(store: Store) -> None:
    """Same text, same entities (bold, links, blockquotes, custom emoji …): the HTML adds nothing false."""
    html = shared("tg_desktop_export_samples", "uponthepathofsalaf_messages.html")
    js = shared("tg_desktop_export_samples", "uponthepathofsalaf_result.json")
    want = _expected(js)
    j = {p.message_id: p for p in detect(js).read(js, ReadOptions(), ReadStats())}
    h = {p.message_id: p for p in detect(html).read(html, ReadOptions(), ReadStats())}
    assert all(h[m].text == j[m].text and h[m].entities == j[m].entities for m in j)
    assert all(h[m].links == j[m].links for m in j)
    import_file(store, js)
    again = import_file(store, html)
    assert (again.saved.new, again.saved.edited, again.saved.unchanged) == (0, 0, want["messages"])
    assert len(store.channels.list()) == 1


def test_html_texts_match_json_texts() -> None:
    html = shared("tg_desktop_export_samples", "uponthepathofsalaf_messages.html")
    want = _expected(shared("tg_desktop_export_samples", "uponthepathofsalaf_result.json"))
    posts = list(detect(html).read(html, ReadOptions(), ReadStats()))
    same = 0
    for p in posts:
        src = want["by_id"][p.message_id]["text"]
        plain = src if isinstance(src, str) else "".join(x if isinstance(x, str) else x["text"] for x in src)
        same += p.text == plain
    assert same == len(posts)


def test_ru_news_corpus_counts(store: Store) -> None:
    path = shared("tg_ru_news_2024", "posts.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    report = import_file(store, path)
    assert report.saved.new == len(rows) == 22099
    assert len(store.channels.list()) == len({r["sender_id"] for r in rows}) == 24
    forwarded = sum(p.fwd_name is not None or p.fwd_ext_id is not None for p in _posts(store))
    assert forwarded == sum(bool(r.get("fwd_from")) for r in rows)
    again = import_file(store, path)
    assert (again.saved.new, again.saved.edited, again.saved.unchanged) == (0, 0, len(rows))


def test_bbc_corpus_counts(store: Store) -> None:
    path = shared("tg_en_bbcbreaking_2017", "bbcbreaking_telegram_posts.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    report = import_file(store, path)
    assert report.saved.new == len(rows) == 1925
    fwd = sum(p.fwd_name is not None or p.fwd_ext_id is not None for p in _posts(store))
    assert fwd == sum(bool(r["fwd_from"]) for r in rows) == 39
    assert [c.handle for c in store.channels.list()] == ["bbcbreaking"]
