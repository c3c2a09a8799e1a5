"""The watchlist pages and the alert inbox (issue 19 §1, §3): an analyst manages their own lists and sees
the team's shared ones, not another user's private ones; each user's inbox shows the alerts of the lists
they may see, read or unread (a later revision is unread again), each linked to its post or story."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime

import httpx
import pytest

from svodka.monitor.rules import RuleOptions
from svodka.monitor.run import scan
from svodka.monitor.watchlist import from_stored
from svodka.store.base import AlertDraft
from test_web_support import WebEnv, login, web  # noqa: F401


@pytest.fixture(scope="module")
def clients(web: WebEnv):  # type: ignore[no-untyped-def]  # noqa: F811
    made = {role: login(web.base, role) for role in ("viewer", "analyst", "admin")}
    yield made
    for c in made.values():
        c.close()


def _add(client: httpx.Client, **form: str) -> httpx.Response:
    return client.post("/watchlists", data={"csrf_token": client.csrf, **form})  # type: ignore[attr-defined]


def _names(client: httpx.Client) -> list[str]:
    return [w["name"] for w in client.get("/watchlists?format=json").json()["watchlists"]]


def test_own_and_shared_lists(web: WebEnv, clients: dict[str, httpx.Client]) -> None:  # noqa: F811
    analyst, admin = clients["analyst"], clients["admin"]
    assert _add(analyst, name="mine", query="Песков", rules="post").status_code == 303  # not shared
    assert (
        _add(analyst, name="team", query="Байден", rules="post, sources>=2", shared="on").status_code == 303
    )
    assert _add(admin, name="adm", query="Зеленский", shared="on").status_code == 303
    assert _add(admin, name="adm-private", query="Путин").status_code == 303
    assert _names(analyst) == ["adm", "mine", "team"]
    assert _names(admin) == ["adm", "adm-private", "team"]
    stored = {w.name: w for w in web.store.watchlists.list()}
    assert stored["mine"].owner_id == web.store.users.get("analyst").id and not stored["mine"].shared
    assert (
        from_stored("team", stored["team"].spec).describe()
        == "query 'Байден'; rules post,sources>=2; to (no target)"
    )
    page = analyst.get("/watchlists").text
    assert "mine" in page and "adm-private" not in page and "no (only you)" in page
    # a viewer has no watchlist pages
    assert clients["viewer"].get("/watchlists").status_code == 403


def test_bad_lists_are_refused_in_one_line(web: WebEnv, clients: dict[str, httpx.Client]) -> None:  # noqa: F811
    analyst = clients["analyst"]
    before = len(web.store.watchlists.list())
    for form, says in (
        ({"name": "bad name!", "query": "x"}, "a name of 1-64 letters"),
        ({"name": "badq", "query": "выборы OR"}, "watchlist 'badq'"),
        ({"name": "badr", "query": "x", "rules": "sometimes"}, "not a watchlist rule"),
        ({"name": "noq", "query": ""}, "give a query"),
    ):
        r = _add(analyst, **form)
        assert r.status_code == 400, form
        message = re.search(r'id="message">([^<]+)<', r.text)
        assert message, r.text[:500]
        text = html.unescape(message.group(1))
        assert says in text and "\n" not in text, (form, text)
    r = _add(analyst, name="team", query="x")
    assert r.status_code == 400 and "exists already" in r.text  # the name is taken
    assert len(web.store.watchlists.list()) == before


def test_only_the_owner_or_an_admin_removes(web: WebEnv, clients: dict[str, httpx.Client]) -> None:  # noqa: F811
    analyst, admin = clients["analyst"], clients["admin"]
    _add(admin, name="adm-shared2", query="Шойгу", shared="on")
    r = analyst.post("/watchlists/adm-shared2/remove", data={"csrf_token": analyst.csrf})  # type: ignore[attr-defined]
    assert r.status_code == 403 and "only its owner or an admin" in r.text
    r = analyst.post("/watchlists/adm-private/remove", data={"csrf_token": analyst.csrf})  # type: ignore[attr-defined]
    assert r.status_code == 404  # not even seen
    _add(analyst, name="temp", query="Лавров")
    r = analyst.post("/watchlists/temp/remove", data={"csrf_token": analyst.csrf})  # type: ignore[attr-defined]
    assert r.status_code == 303 and "temp" not in _names(analyst)
    r = admin.post("/watchlists/adm-shared2/remove", data={"csrf_token": admin.csrf})  # type: ignore[attr-defined]
    assert r.status_code == 303 and "adm-shared2" not in _names(admin)


def _inbox(client: httpx.Client, unread: bool = False) -> dict[str, object]:
    data: dict[str, object] = client.get(
        "/alerts" + ("?unread=true" if unread else ""), headers={"accept": "application/json"}
    ).json()
    return data


def test_the_inbox_per_user(web: WebEnv, clients: dict[str, httpx.Client]) -> None:  # noqa: F811
    analyst, admin, viewer = clients["analyst"], clients["admin"], clients["viewer"]
    lists = [from_stored(w.name, w.spec) for w in web.store.watchlists.list()]
    report = scan(web.store, lists, RuleOptions(max_age=None), datetime.now(UTC))
    assert report.recorded > 0
    recorded = {
        name: len(web.store.inbox.of_watchlist(name, 1000)) for name in ("mine", "team", "adm", "adm-private")
    }
    assert all(n > 0 for n in recorded.values()), recorded
    seen = {
        role: {a["watchlist"] for a in _inbox(c)["alerts"]}  # type: ignore[index, attr-defined]
        for role, c in (("analyst", analyst), ("admin", admin), ("viewer", viewer))
    }
    assert seen["analyst"] == {"mine", "team", "adm"}
    assert seen["admin"] == {"team", "adm", "adm-private"}
    assert seen["viewer"] == {"team", "adm"}
    # everything is unread at first; the count is per user
    total = sum(recorded[n] for n in ("mine", "team", "adm"))
    assert _inbox(analyst)["unread"] == total == web.store.inbox.unread(web.store.users.get("analyst").id)
    # one read: one fewer unread for this user only, and its row has no unread mark any more
    first = _inbox(analyst)["alerts"][0]  # type: ignore[index]
    r = analyst.post("/alerts/read", data={"alert_id": str(first["id"]), "csrf_token": analyst.csrf})  # type: ignore[attr-defined]
    assert r.status_code == 303
    assert _inbox(analyst)["unread"] == total - 1
    assert first["id"] not in {a["id"] for a in _inbox(analyst, unread=True)["alerts"]}  # type: ignore[attr-defined]
    assert _inbox(admin)["unread"] == sum(recorded[n] for n in ("team", "adm", "adm-private"))
    # its link opens the post (or story) it is about
    assert first["link"] and analyst.get(first["link"]).status_code == 200
    page = analyst.get("/alerts").text
    assert f'href="{first["link"]}"' in page and "unread" in page
    # the alert grows (a new revision): unread again
    alert = next(a for a in web.store.alerts.recent(10_000) if a.id == first["id"])
    grown = AlertDraft(alert.watchlist, alert.rule, alert.subject, alert.level + 1, alert.payload, ())
    assert web.store.alerts.record([grown], datetime.now(UTC))
    again = next(a for a in _inbox(analyst)["alerts"] if a["id"] == first["id"])  # type: ignore[attr-defined]
    assert again["unread"] and again["revision"] == 2 and _inbox(analyst)["unread"] == total
    assert "(update 2)" in analyst.get("/alerts").text
    # all read; a bad id is one line
    assert analyst.post("/alerts/read", data={"csrf_token": analyst.csrf}).status_code == 303  # type: ignore[attr-defined]
    assert _inbox(analyst)["unread"] == 0 and _inbox(admin)["unread"] > 0
    r = analyst.post("/alerts/read", data={"alert_id": "x1", "csrf_token": analyst.csrf})  # type: ignore[attr-defined]
    assert r.status_code == 400 and "alert_id must be a number" in r.text


def test_nav_links(clients: dict[str, httpx.Client]) -> None:
    assert 'href="/watchlists"' in clients["analyst"].get("/alerts").text
    viewer_page = clients["viewer"].get("/alerts").text
    assert 'href="/alerts"' in viewer_page and 'href="/watchlists"' not in viewer_page


def test_an_alert_shows_its_telegram_link(web: WebEnv, clients: dict[str, httpx.Client]) -> None:  # noqa: F811
    """As a digest card cites a post (its page here first, the ``t.me/c`` link second): an alert whose
    ``url`` is this app's page (``web.public_url`` set) shows its ``alt_url`` beside the title's link."""
    analyst = clients["analyst"]
    assert _add(analyst, name="links", query="Кобахидзе", rules="post").status_code == 303
    lists = [from_stored(w.name, w.spec) for w in web.store.watchlists.list() if w.name == "links"]
    public = "https://svodka.example"
    web.store.alerts.set_state("posts", 0)  # the inbox test's scan read every post: read them again
    assert scan(web.store, lists, RuleOptions(max_age=None, public_url=public), datetime.now(UTC)).recorded
    page = analyst.get("/alerts").text
    rows = [r for r in page.split('<tr class="alert') if "<td>links</td>" in r]
    assert rows
    for alert in web.store.inbox.of_watchlist("links", 1000):
        p = json.loads(alert.payload)
        row = next(r for r in rows if f'href="/posts/{p["post_id"]}"' in r)
        if p["url"].startswith(public):  # no public handle: the page, with the member-only link second
            assert p["alt_url"].startswith("https://t.me/c/")
            assert f'<a class="cite alt" href="{html.escape(p["alt_url"])}"><small>t.me</small></a>' in row
        else:  # t.me/<handle>/<msg> opens for anyone: it is the second link itself
            assert f'<a class="cite alt" href="{html.escape(p["url"])}">' in row
    assert any(json.loads(a.payload).get("alt_url") for a in web.store.inbox.of_watchlist("links", 1000))
