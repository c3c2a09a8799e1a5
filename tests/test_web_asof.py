"""Archive time: a window that counts back from "now" counts from the newest stored post when nothing was
posted inside it (an imported archive), pages say "as of", and a person can pick the time — on the home page,
trending, /api/stories/trending, `svodka stories --since` and `svodka credibility`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from svodka.clock import ARCHIVE, LIVE, PICKED, parse_as_of, store_now
from svodka.errors import InputError
from svodka.model import ChannelRef, Post
from svodka.store import Store
from test_web_support import WebEnv, login, web  # noqa: F401

NEWEST = datetime(2024, 12, 2, 23, 57, 39, tzinfo=UTC)  # the newest post of the bundled sample
GOLD_EVENING = "2024-11-30T23:59"  # the end of the hand-labelled day, whose stories the store keeps


@pytest.fixture(scope="module")
def viewer(web: WebEnv):  # type: ignore[no-untyped-def]  # noqa: F811
    c = login(web.base, "viewer")
    yield c
    c.close()


def test_now_is_the_wall_clock_live_and_the_newest_post_on_an_archive(store: Store) -> None:
    wall = datetime(2026, 3, 1, 12, tzinfo=UTC)
    day = timedelta(hours=24)
    assert store_now(store, day, wall=wall).basis == LIVE  # an empty store: the wall clock
    ref = ChannelRef(handle="asof_test", ext_id="990001")
    store.posts.save([Post(channel=ref, message_id=1, date=wall - timedelta(days=40), text="old news")])
    old = store_now(store, day, wall=wall)
    assert old.basis == ARCHIVE and old.at == wall - timedelta(days=40) + timedelta(seconds=1)
    assert store_now(store, timedelta(days=41), wall=wall).basis == LIVE  # the post is inside this window
    store.posts.save([Post(channel=ref, message_id=2, date=wall - timedelta(hours=2), text="fresh news")])
    assert store_now(store, day, wall=wall).at == wall
    # A post dated after the wall clock does not move "now" into the future.
    store.posts.save([Post(channel=ref, message_id=3, date=wall + timedelta(days=9), text="misdated")])
    assert store_now(store, timedelta(hours=1), wall=wall).at == wall - timedelta(hours=2, seconds=-1)
    picked = store_now(store, day, as_of=datetime(2025, 1, 1, tzinfo=UTC), wall=wall)
    assert picked.basis == PICKED and picked.at == datetime(2025, 1, 1, tzinfo=UTC)


def test_picked_times_are_read_as_a_person_writes_them() -> None:
    assert parse_as_of("2024-11-30") == datetime(2024, 12, 1, tzinfo=UTC)  # a day: as of its end
    assert parse_as_of("2024-11-30 18:30") == datetime(2024, 11, 30, 18, 30, tzinfo=UTC)
    assert parse_as_of("2024-11-30T21:30+03:00") == datetime(2024, 11, 30, 18, 30, tzinfo=UTC)
    assert parse_as_of("") is None and parse_as_of(None) is None
    with pytest.raises(InputError, match=r"as_of.*not a time"):
        parse_as_of("yesterday")


def test_home_and_trending_count_back_from_the_newest_post(web: WebEnv, viewer: httpx.Client) -> None:  # noqa: F811
    home = viewer.get("/")
    assert (
        home.status_code == 200
        and "as of 2 December 2024, 23:57 UTC" in home.text
        and "newest stored post" in home.text
    )
    api = viewer.get("/api/stories/trending", params={"hours": 6}).json()
    assert api["as_of_basis"] == "archive" and api["as_of"].startswith("2024-12-02T23:57:40")
    if web.story_id is None:
        pytest.skip("the stories need ../shared/data/stories_dev")
    # The sample day holds no stories; the hand-labelled day does: pick its evening.
    picked = viewer.get("/api/stories/trending", params={"hours": 24, "as_of": GOLD_EVENING}).json()
    assert picked["as_of_basis"] == "picked" and picked["stories"]
    assert all(s["first_date"] <= "2024-11-30T23:59" for s in picked["stories"])
    assert web.story_id in {s["id"] for s in picked["stories"]}
    page = viewer.get("/trending", params={"hours": 24, "as_of": GOLD_EVENING}).text
    assert f'href="/stories/{web.story_id}"' in page and "as of 30 November 2024, 23:59 UTC" in page
    home = viewer.get("/", params={"as_of": GOLD_EVENING}).text
    assert f'href="/stories/{web.story_id}"' in home
    # The stories browser counts back from the same "now".
    browse = viewer.get("/api/stories", params={"hours": 72}).json()
    assert browse["as_of_basis"] == "archive" and web.story_id in {s["id"] for s in browse["stories"]}
    bad = viewer.get("/trending", params={"as_of": "soon"})
    assert bad.status_code == 400 and "as_of" in bad.text


def _cli(path: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path("src").resolve()), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-m", "svodka", "--db", path, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_cli_stories_and_credibility_count_back_from_the_newest_post(web: WebEnv) -> None:  # noqa: F811
    if web.story_id is None:
        pytest.skip("the stories need ../shared/data/stories_dev")
    listed = _cli(web.path, "stories", "--since", "72h", "--limit", "500")
    assert listed.returncode == 0, listed.stderr
    assert "as of 2024-12-02 23:57 UTC (archive)" in listed.stderr
    assert any(line.split()[0] == str(web.story_id) for line in listed.stdout.splitlines())
    picked = _cli(web.path, "stories", "--since", "1h", "--as-of", GOLD_EVENING, "--limit", "500")
    assert picked.returncode == 0 and "(picked)" in picked.stderr
    ids = [int(line.split()[0]) for line in picked.stdout.splitlines() if line.strip()]
    stories = [web.store.stories.get(i) for i in ids]
    assert stories and all(s.last_date >= datetime(2024, 11, 30, 22, 59, tzinfo=UTC) for s in stories)
    cred = _cli(web.path, "credibility", "--json")
    assert cred.returncode == 0, cred.stderr
    rows = json.loads(cred.stdout)
    assert rows and sum(r["stories"] for r in rows) > 50
    bad = _cli(web.path, "credibility", "--as-of", "soon")
    assert bad.returncode != 0 and "--as-of" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
