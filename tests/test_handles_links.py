"""Handles learned from what posts say of a channel (issue 14 §4): links to its posts, its name beside a
handle — each rule on real posts of ../shared/data (slices of tg_ru_news_2024, Telegram Desktop exports)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from conftest import shared
from svodka.ingest import import_file
from svodka.model import PLATFORM_TELEGRAM, Channel
from svodka.pipeline.handle_links import channel_names, named_handles
from svodka.pipeline.handles import HandleOptions, learn_store_handles
from svodka.store import Store

RIA, BBC, SHOT = "РИА Новости", "BBC News | Русская служба", "SHOT"
GO, PY = "Библиотека Go разработчика | Golang", "Библиотека питониста | Python, Django, Flask"
# RIA's posts that link an earlier post of its own («Ранее СМИ [сообщали](https://t.me/rian_ru/271061)…»),
# and the posts they link: RIA never writes its handle otherwise (no footer, no forwards in the data).
RIA_LINKS = {271565: 271399, 271563: 271555, 271139: 271061, 270740: 270710, 270613: 270582, 270600: 270562}
RIA_OTHERS = range(271400, 271420)
EVERYTHING = HandleOptions(days=4000)  # the slices span months: read them whole


@lru_cache(maxsize=1)
def _posts() -> dict[tuple[str, int], dict[str, Any]]:
    path = shared("tg_ru_news_2024", "posts.jsonl")
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    return {(r["channel"], r["message_id"]): r for r in rows}


def _rows(channel: str, ids: Iterable[int]) -> list[dict[str, Any]]:
    """The channel's posts of these ids that the data holds (message ids have gaps)."""
    posts = _posts()
    return [posts[(channel, i)] for i in ids if (channel, i) in posts]


def _import(store: Store, tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    path = tmp_path / "slice.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    import_file(store, path)


def _learned(store: Store, options: HandleOptions = EVERYTHING) -> dict[str, tuple[str, str]]:
    found = learn_store_handles(store.channels, store.posts, options)
    return {store.channels.by_id(h.channel_id).title or "": (h.handle, h.evidence) for h in found}


def test_links_to_its_own_posts_teach_ria_its_handle(store: Store, tmp_path: Path) -> None:
    linking = _rows(RIA, RIA_LINKS)
    linked = _rows(RIA, RIA_LINKS.values())
    assert len(linking) == len(linked) == 6
    _import(store, tmp_path, linking + linked + _rows(RIA, RIA_OTHERS) + _rows(BBC, range(73640, 73648)))
    assert _learned(store) == {RIA: ("rian_ru", "links 6")}
    ria = next(c for c in store.channels.list() if c.title == RIA)
    post = store.posts.by_key(ria.id, 271061)
    assert post is not None and post.url == "https://t.me/rian_ru/271061"


def test_the_linked_post_must_say_what_the_link_says(store: Store, tmp_path: Path) -> None:
    # The same links, but the store holds other posts of RIA under the linked ids' neighbours only:
    # an id a channel does not hold, or a post that shares no rare words with the link, verifies nothing.
    linking = _rows(RIA, RIA_LINKS)
    _import(store, tmp_path, linking + _rows(RIA, RIA_OTHERS))
    assert _learned(store) == {}


def test_one_chance_link_teaches_nothing(store: Store, tmp_path: Path) -> None:
    # SHOT links its own post 73198 («Пока длится [следствие](https://t.me/shot_shot/73198)…»); SHOT's post
    # is not stored, BBC's post 73198 (on Kurakhove) is, and by chance shares two rare words with the
    # link's sentence ("окончательно", "часть"). One such link could be chance: BBC learns nothing …
    rows = _rows(SHOT, [74751]) + _rows(BBC, [73198, 73199, 73200, 73201])
    _import(store, tmp_path, rows)
    assert BBC not in _learned(store)
    # … though it would if one link were enough (so the rule, not the data, keeps it out)
    assert _learned(store, HandleOptions(days=4000, min_links=1))[BBC] == ("shot_shot", "links 1")


def test_two_handles_for_one_channel_teach_nothing(store: Store, tmp_path: Path) -> None:
    # RIA's six linking posts, two of them made to link a mirror's handle instead (the posts edited for
    # the test): four links say rian_ru, two ria_mirror — a conflict, so no handle.
    linking = _rows(RIA, RIA_LINKS)
    for row in linking[:2]:
        row = row | {"text": row["text"].replace("t.me/rian_ru/", "t.me/ria_mirror/")}
        linking = [row if r["message_id"] == row["message_id"] else r for r in linking]
    _import(store, tmp_path, linking + _rows(RIA, RIA_LINKS.values()))
    assert _learned(store) == {}


def test_a_title_beside_a_handle_names_the_channel(store: Store, tmp_path: Path) -> None:
    # The Go library's posts list its sister channels as links under their titles
    # («[Библиотека питониста](https://t.me/pyproglib)»); the Python library never links its own posts.
    catalogs = [r for (ch, _), r in _posts().items() if ch == GO and "[Библиотека питониста](" in r["text"]]
    python = [r for (ch, _), r in _posts().items() if ch == PY][:20]
    _import(store, tmp_path, catalogs[:3] + python)
    assert _learned(store)[PY] == ("pyproglib", "named 3")


def test_a_title_named_once_teaches_nothing(store: Store, tmp_path: Path) -> None:
    catalogs = [r for (ch, _), r in _posts().items() if ch == GO and "[Библиотека питониста](" in r["text"]]
    python = [r for (ch, _), r in _posts().items() if ch == PY][:20]
    _import(store, tmp_path, catalogs[:1] + python)
    assert PY not in _learned(store)


def test_a_desktop_export_links_its_own_posts(store: Store) -> None:
    # A real Telegram Desktop result.json: the channel links its earlier posts (text_link entities) by its
    # public handle, which the export itself does not carry.
    import_file(store, shared("tg_desktop_export_samples", "trantor_library_TG101_result.json"))
    [(handle, evidence)] = _learned(store).values()
    assert handle == "trantor_library" and evidence.startswith("links ")
    assert all(p.url and p.url.startswith("https://t.me/trantor_library/") for p in store.posts.iter())


def _channel(cid: int, title: str) -> Channel:
    return Channel(id=cid, platform=PLATFORM_TELEGRAM, handle=None, ext_id=str(1000 + cid), title=title)


def test_the_names_a_post_puts_beside_a_handle() -> None:
    titles = (RIA, "Москва - новостная", "Библиотека программиста | программирование, кодинг, разработка")
    names = channel_names(_channel(i, t) for i, t in enumerate(titles))
    assert named_handles("Об этом сообщает РИА Новости (@rian_ru).", names) == {(0, "rian_ru")}
    assert named_handles("[Библиотека программиста](http://t.me/proglibrary) — новости", names) == {
        (2, "proglibrary")
    }
    assert named_handles("[РИА Новости](https://t.me/rian_ru/271061)", names) == {(0, "rian_ru")}
    # a handle without the name beside it, or a one-word head of a title («Москва»), names no channel
    assert named_handles("сообщает @rian_ru", names) == set()
    assert named_handles("Погода в Москва @meteo_msk, [Москва](t.me/moscow_city)", names) == set()


def test_links_mostly_to_other_posts_than_its_own_teach_nothing(store: Store, tmp_path: Path) -> None:
    # SHOT's posts that link ids of its own which BBC's posts also have (message ids are counted per
    # channel), with those posts of BBC's and a few of SHOT's own. With a loose word check (one shared rare
    # word) some of BBC's twelve posts match a link by chance; those few of twelve are chance, not BBC's
    # handle, and SHOT keeps the handle its own linked posts verify.
    link = re.compile(r"t\.me/shot_shot/(\d+)")
    posts = _posts()
    linking = [
        r
        for (ch, _), r in posts.items()
        if ch == SHOT and any((BBC, int(n)) in posts for n in link.findall(r["text"]))
    ]
    bbc = _rows(BBC, sorted({int(n) for r in linking for n in link.findall(r["text"])}))
    assert len(linking) == 11 and len(bbc) == 12
    _import(store, tmp_path, linking + bbc)
    loose = HandleOptions(days=4000, min_links=1, min_shared=1)
    assert _learned(store, loose) == {SHOT: ("shot_shot", "links 1")}
    # without the share rule BBC's chance matches make shot_shot a handle of two channels: nobody's
    assert _learned(store, HandleOptions(days=4000, min_links=1, min_shared=1, min_verified=0)) == {}
