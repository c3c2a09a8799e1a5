"""Channel handles (issue 14 §4): set, learned from the posts, merged on add; links that open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from svodka.errors import StoreError
from svodka.ingest import import_file
from svodka.links import opens_publicly, public_post_url, safe_url, telegram_post_url
from svodka.model import ChannelRef, ForwardOrigin, Post
from svodka.pipeline.handles import learn_handles, learn_store_handles, mentions
from svodka.store import Store
from test_web_support import WebEnv, login, web  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl"
T0 = datetime(2024, 12, 2, 8, tzinfo=UTC)


def _post(channel: ChannelRef, msg: int, text: str, forward: ForwardOrigin | None = None) -> Post:
    return Post(channel=channel, message_id=msg, date=T0 + timedelta(minutes=msg), text=text, forward=forward)


def _open_share(store: Store) -> tuple[int, int]:
    posts = list(store.posts.iter())
    return sum(opens_publicly(p.url) for p in posts), len(posts)


def test_the_bundled_day_learns_its_footer_handles(store: Store) -> None:
    import_file(store, SAMPLE)
    before, total = _open_share(store)
    assert total == 654 and before == 0  # imported by id: every link is t.me/c/…
    learned = {
        store.channels.by_id(h.channel_id).title: h.handle
        for h in learn_store_handles(store.channels, store.posts)
    }
    assert learned["Банкста"] == "banksta"
    assert learned["Москва с огоньком"] == "moscowtop"
    assert "SHOT" not in learned  # @shot_go and @shot_shot tie: nothing is learned
    # BBC never names itself, but its evening round-up links two of the day's posts of its own
    assert learned["BBC News | Русская служба"] == "bbcrussian"
    assert not any(h.endswith("bot") for h in learned.values())
    after, _ = _open_share(store)
    assert after > 0.15 * total
    banksta = store.channels.get(ChannelRef(handle="banksta"))
    post = next(store.posts.iter(channel_ids=[banksta.id]))
    assert post.url == f"https://t.me/banksta/{post.message_id}"
    assert learn_store_handles(store.channels, store.posts) == []  # learned once


def test_a_forward_names_its_origins_handle(store: Store) -> None:
    origin = ChannelRef(ext_id="1101170442", title="Origin")
    copier = ChannelRef(handle="copier")
    store.posts.save([_post(origin, 1, "Новость без подписи")])
    store.posts.save([_post(copier, 1, "Новость", ForwardOrigin(ext_id="1101170442", handle="Origin_News"))])
    channels = {c.id: c for c in store.channels.list()}
    learned = learn_handles(channels, store.posts.iter())
    assert [(channels[h.channel_id].title, h.handle, h.evidence) for h in learned] == [
        ("Origin", "origin_news", "forward")
    ]


def test_a_handle_needs_repetition() -> None:
    assert mentions("Подписаться: @Banksta · t.me/joinchat/x t.me/s/other_one @some_bot") == {
        "banksta",
        "other_one",
    }
    assert mentions("mail@example.org") == set()


def test_set_handle_and_add_at_handle_is_the_same_channel(store: Store, cli_run) -> None:  # type: ignore[no-untyped-def]
    ch = ChannelRef(ext_id="1754252633", title="Банкста")
    store.posts.save([_post(ch, 7, "Курс")])
    imported = store.channels.get(ch)
    assert store.channels.set_handle(imported.id, "@BankSta").handle == "banksta"
    again = store.channels.add(ChannelRef(handle="banksta"), tier=2)
    assert again.id == imported.id and again.tier == 2
    assert len(store.channels.list()) == 1
    assert store.posts.by_key(imported.id, 7).url == "https://t.me/banksta/7"  # type: ignore[union-attr]


def test_set_handle_merges_a_duplicate_added_before(store: Store) -> None:
    imported_ref = ChannelRef(ext_id="1754252633", title="Банкста")
    store.posts.save([_post(imported_ref, 1, "старый"), _post(imported_ref, 2, "общий (импорт)")])
    store.posts.save(
        [
            _post(ChannelRef(handle="banksta"), 2, "общий (t.me/s)"),
            _post(ChannelRef(handle="banksta"), 3, "новый"),
        ]
    )
    dup = store.channels.get(ChannelRef(handle="banksta"))
    store.channels.set_groups(dup.id, ["finance"])
    imported = store.channels.get(imported_ref)
    assert dup.id != imported.id
    merged = store.channels.set_handle(imported.id, "banksta")
    assert [c.id for c in store.channels.list()] == [imported.id]
    assert merged.handle == "banksta" and merged.ext_id == "1754252633" and merged.groups == ("finance",)
    texts = {p.message_id: p.text for p in store.posts.iter()}
    assert texts == {1: "старый", 2: "общий (импорт)", 3: "новый"}  # every post kept, the shared one once


def test_a_handle_of_another_channel_is_refused(store: Store) -> None:
    store.posts.save([_post(ChannelRef(ext_id="1", handle="one"), 1, "a")])
    store.posts.save([_post(ChannelRef(ext_id="2"), 1, "b")])
    two = store.channels.get(ChannelRef(ext_id="2"))
    with pytest.raises(StoreError, match="belongs to channel"):
        store.channels.set_handle(two.id, "one")
    assert store.channels.by_id(two.id).handle is None
    assert len(list(store.posts.iter())) == 2


def test_cli_set_handle_learn_and_merge(cli_run) -> None:  # type: ignore[no-untyped-def]
    assert cli_run("import", str(SAMPLE)).exit_code == 0
    r = cli_run("channels", "set-handle", "РИА Новости", "t.me/rian_ru")
    assert r.exit_code == 0 and "rian_ru" in r.output
    r = cli_run("channels", "add", "@rian_ru")
    assert r.exit_code == 0
    listed = cli_run("channels", "list").output
    assert listed.count("rian_ru") == 1
    r = cli_run("channels", "learn-handles")
    assert r.exit_code == 0 and "banksta" in r.output and "footer" in r.output
    r = cli_run("channels", "set-handle", "Mash", "-1001234567890")
    assert r.exit_code != 0


def test_public_post_url() -> None:
    assert telegram_post_url("banksta", "1", 5) == "https://t.me/banksta/5"
    assert telegram_post_url(None, "1754252633", 5) == "https://t.me/c/1754252633/5"
    private = "https://t.me/c/1754252633/5"
    assert public_post_url("https://t.me/banksta/5", 9, "https://svodka.example/") == (
        "https://t.me/banksta/5",
        None,
    )
    assert public_post_url(private, 9, "") == (private, None)
    assert public_post_url(private, 9, "https://svodka.example/") == (
        "https://svodka.example/posts/9",
        private,
    )
    assert public_post_url(private, 9, "javascript:alert(1)") == (private, None)
    for url in public_post_url(private, 9, "https://svodka.example"):
        assert url is None or safe_url(url) == url


def test_the_channel_page_sets_a_handle(web: WebEnv) -> None:  # noqa: F811
    ref = ChannelRef(ext_id="1101170442", title="Без имени")
    web.store.posts.save([_post(ref, 41, "Новость дня")])
    channel = web.store.channels.get(ref)
    admin = login(web.base, "admin")
    try:
        page = admin.get(f"/channels/{channel.id}").text
        assert 'name="handle"' in page
        form = {"tier": "2", "groups": "", "handle": "https://t.me/bez_imeni", "csrf_token": admin.csrf}  # type: ignore[attr-defined]
        assert admin.post(f"/channels/{channel.id}/settings", data=form).status_code == 303
        assert web.store.channels.by_id(channel.id).handle == "bez_imeni"
        post = web.store.posts.by_key(channel.id, 41)
        assert post is not None and post.url == "https://t.me/bez_imeni/41"
        assert "https://t.me/bez_imeni/41" in admin.get(f"/posts/{post.id}").text
        bad = {"tier": "2", "handle": "not a handle!", "csrf_token": admin.csrf}  # type: ignore[attr-defined]
        assert admin.post(f"/channels/{channel.id}/settings", data=bad).status_code == 400
    finally:
        admin.close()
