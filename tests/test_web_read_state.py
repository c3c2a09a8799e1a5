"""The analyst's workflow: read / unread per user for stories and digests (opening one marks it read), marks
that show their target's title and link to it, and the digests list with name, topic, group and period in
the display zone."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from svodka.errors import StoreError
from svodka.model import ChannelRef, Post
from svodka.store import Store
from svodka.web.app import create_app
from svodka.web.auth import WebConfig, hash_password
from svodka.web.server import running
from test_web_support import WebEnv, login, web  # noqa: F401

DAY = "2024-11-30"


def test_the_store_keeps_read_state_per_user_and_kind(store: Store) -> None:
    a = store.users.add("reader-a", hash_password("reader-pass-1"), "viewer")
    b = store.users.add("reader-b", hash_password("reader-pass-1"), "viewer")
    assert store.read_state.mark(a.id, "story", [3, 5, 5]) == 2
    assert store.read_state.mark(a.id, "story", [5, 7]) == 1  # 5 was read already
    assert set(store.read_state.read(a.id, "story", [3, 4, 5, 7])) == {3, 5, 7}
    assert store.read_state.read(b.id, "story", [3, 5, 7]) == {}  # another user's state is their own
    assert store.read_state.read(a.id, "digest", [3, 5, 7]) == {}  # and a digest is not a story
    assert store.read_state.unmark(a.id, "story", [5, 9]) == 1
    assert set(store.read_state.read(a.id, "story", range(1, 10))) == {3, 7}
    with pytest.raises(StoreError, match="not 'post'"):
        store.read_state.mark(a.id, "post", [1])
    store.users.remove("reader-a")  # a user's state goes with the user
    assert store.read_state.read(a.id, "story", [3, 7]) == {}


@pytest.fixture(scope="module")
def clients(web: WebEnv):  # type: ignore[no-untyped-def]  # noqa: F811
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev (the gold stories)")
    viewer, analyst = login(web.base, "viewer"), login(web.base, "analyst")
    yield viewer, analyst
    viewer.close()
    analyst.close()


def _read(client: httpx.Client, story_id: int) -> bool:
    rows = client.get("/api/stories", params={"day": DAY, "min_posts": 1, "limit": 200}).json()["stories"]
    return bool(next(r for r in rows if r["id"] == story_id)["read"])


def test_opening_a_story_marks_it_read_for_that_user_only(web: WebEnv, clients) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    viewer, analyst = clients
    sid = web.story_id
    assert not _read(viewer, sid) and not _read(analyst, sid)
    assert "new</span>" in viewer.get("/stories", params={"day": DAY}).text
    assert viewer.get(f"/stories/{sid}").status_code == 200
    assert _read(viewer, sid) and not _read(analyst, sid)
    r = viewer.post(
        "/unread", data={"kind": "story", "ref_id": str(sid), "csrf_token": viewer.csrf, "next": "/stories"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/stories"
    assert not _read(viewer, sid)
    r = viewer.post("/read", data={"kind": "story", "ref_id": str(sid), "csrf_token": viewer.csrf})
    assert r.status_code == 303 and _read(viewer, sid)
    # Without the form's token the state does not change.
    assert viewer.post("/unread", data={"kind": "story", "ref_id": str(sid)}).status_code == 403
    assert _read(viewer, sid)
    for data, status in [
        ({"kind": "post", "ref_id": "1"}, 400),
        ({"kind": "story", "ref_id": "abc"}, 400),
        ({"kind": "story", "ref_id": "99999999"}, 404),
    ]:
        assert viewer.post("/read", data={**data, "csrf_token": viewer.csrf}).status_code == status


def test_the_api_marks_read_and_unread(web: WebEnv) -> None:  # noqa: F811
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev")
    headers = {"Authorization": f"Bearer {web.keys['admin']}"}
    with httpx.Client(base_url=web.base, headers=headers, timeout=30) as admin:
        body = {"kind": "story", "ids": [web.story_id]}
        assert admin.post("/api/read", json=body).json() == {
            "kind": "story",
            "ids": [web.story_id],
            "changed": 1,
        }
        assert admin.post("/api/read", json=body).json()["changed"] == 0
        assert _read(admin, web.story_id)
        assert (
            admin.post("/api/unread", json={"kind": "story", "ids": [float(web.story_id)]}).json()["changed"]
            == 1
        )
        assert not _read(admin, web.story_id)
        assert admin.post("/api/read", json={"kind": "story", "ids": [99999999]}).status_code == 404
        bad = admin.post("/api/read", json={"kind": "channel", "ids": [1]})
        assert bad.status_code == 400 and "kind" in bad.json()["error"]
        assert admin.post("/api/read", json={"kind": "story", "ids": []}).status_code == 400


def test_digests_are_listed_by_name_topic_group_and_period_in_the_display_zone(web: WebEnv) -> None:  # noqa: F811
    if web.digest_id is None:
        pytest.skip("no digest in the web store")
    from svodka.digest import DigestQuery, build_digest, save_digest

    day = web.store.digests.get(web.digest_id).since
    query = DigestQuery(since=day, until=day + timedelta(days=1), topic="politics")
    topical = save_digest(web.store, build_digest(web.store, query)).id
    with running(create_app(web.store, WebConfig(tz="Europe/Moscow"))) as base:
        viewer = login(base, "viewer")
        page = viewer.get("/digests").text
        row = next(line for line in page.splitlines() if f'href="/digests/{topical}"' in line)
        name = web.store.digests.get(topical).name
        assert name and name in row and "<td>politics</td>" in row and "<td>all</td>" in row
        assert f"{day.astimezone().strftime('%Y')}" in row and " MSK" in row  # Moscow time
        assert "new</span>" in row
        assert viewer.get(f"/digests/{topical}").status_code == 200  # opened: read
        row = next(
            line for line in viewer.get("/digests").text.splitlines() if f'href="/digests/{topical}"' in line
        )
        assert "new</span>" not in row and 'class="read"' in row
        viewer.close()


def test_marks_show_their_targets_title_and_link(web: WebEnv, clients) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _viewer, analyst = clients
    story = web.store.stories.get(web.story_id or 0)
    ref = ChannelRef(handle="marks_gone", ext_id="990077")
    web.store.posts.save(
        [Post(channel=ref, message_id=1, date=story.first_date, text="Сюжет для заметки\nещё")]
    )
    gone = web.store.channels.resolve(ref)
    gone_post = web.store.posts.by_key(gone, 1)
    assert gone_post is not None
    post = story.members[0].post
    for kind, ref_id in [("story", story.id), ("post", post.id), ("post", gone_post.id)]:
        r = analyst.post("/marks", data={"kind": kind, "ref_id": str(ref_id), "csrf_token": analyst.csrf})
        assert r.status_code == 303
    web.store.channels.remove(gone, keep_posts=False)  # the marked post is no longer stored
    page = analyst.get("/marks").text
    headline = analyst.get(f"/api/stories/{story.id}").json()["story"]["headline"]
    marks = {(m["kind"], m["ref_id"]): m for m in analyst.get("/api/marks").json()["marks"]}
    assert marks[("story", story.id)]["title"] and f'href="/stories/{story.id}"' in page
    assert marks[("post", post.id)]["title"].startswith(post.channel) and f'href="/posts/{post.id}"' in page
    assert marks[("post", gone_post.id)]["title"] is None and "(no longer stored)" in page
    assert marks[("story", story.id)]["title"] in page and headline
    for kind, ref_id in [("story", story.id), ("post", post.id), ("post", gone_post.id)]:
        analyst.post("/marks/remove", data={"kind": kind, "ref_id": str(ref_id), "csrf_token": analyst.csrf})
