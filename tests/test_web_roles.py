"""Every route of the web app, for no login, each wrong role and the right one; CSRF.

The route table is read from the app itself, so a route added later is checked without editing this file.
The login limit has its own file, test_web_login_limit.py.
"""

from __future__ import annotations

import re

import httpx
import pytest

from svodka.model import ChannelRef
from svodka.web.app import route_table
from svodka.web.framework import RouteSpec
from svodka.web.openapi import document
from test_web_support import PASSWORDS, ROLES, WebEnv, csrf_of, login, web  # noqa: F401

RANK = {r: i for i, r in enumerate(ROLES)}


def concrete(spec: RouteSpec, env: WebEnv) -> str:
    ids = {
        "post_id": 1,
        "channel_id": 1,
        "story_id": env.story_id or 1,
        "storyline_id": env.story_id or 1,
        "digest_id": env.digest_id or 1,
        "key_id": 999_999,
        "correction_id": 999_999,
        "feed_id": 999_999,
        "topic_id": next((t.tid for t in env.store.questions.topics()), 1),
        "user_id": env.store.users.get("viewer").id,
    }
    path = re.sub(r"\{(\w+):int\}", lambda m: str(ids[m.group(1)]), spec.path)
    path = re.sub(r"\{(\w+)\}", "none", path)  # a name (a watchlist's)
    return path + "?q=Байден" if path.endswith("/search") else path


@pytest.fixture(scope="module")
def clients(web: WebEnv):  # type: ignore[no-untyped-def]  # noqa: F811
    made = {role: login(web.base, role) for role in ROLES}
    yield made
    for c in made.values():
        c.close()


def _call(
    client: httpx.Client,
    spec: RouteSpec,
    path: str,
    csrf: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    method = spec.methods[0]
    if method == "GET":
        return client.get(path, headers=headers)
    if spec.api:
        h = dict(headers or {})
        if csrf:
            h["x-csrf-token"] = csrf
        return client.request(method, path, json={}, headers=h)
    return client.request(method, path, data={"csrf_token": csrf or ""}, headers=headers)


def test_every_route_declares_a_role_and_the_api_is_documented() -> None:
    table = route_table()
    assert len(table) >= 40
    public = {(s.path, s.methods) for s in table if s.role is None}
    # the login form, and the feeds, whose URL carries its own secret (feed readers cannot log in)
    assert public == {("/login", ("GET",)), ("/login", ("POST",)), ("/feeds/{fmt}/{secret}", ("GET",))}
    documented = {p for p in document()["paths"]}
    api_paths = {re.sub(r":int\}", "}", s.path) for s in table if s.api}
    assert api_paths == documented
    for path in (
        "/api/posts",
        "/api/stories",
        "/api/digests",
        "/api/channels",
        "/api/search",
        "/api/questions/topics",
    ):
        assert path in api_paths


def test_no_login_is_refused_everywhere(web: WebEnv) -> None:  # noqa: F811
    anon = httpx.Client(base_url=web.base, timeout=30)
    checked = 0
    for spec in route_table():
        if spec.role is None:
            continue
        path = concrete(spec, web)
        r = _call(anon, spec, path)
        if spec.api:
            assert r.status_code == 401, (spec, r.status_code)
            assert r.json()["error"] == "login required"
        else:
            assert r.status_code == 303, (spec, r.status_code)
            assert r.headers["location"].startswith("/login?next=")
        # A bad or unknown API key is no login either.
        r = _call(anon, spec, path, headers={"authorization": "Bearer svk_0000_nothing"})
        assert r.status_code in (401, 303), (spec, r.status_code)
        checked += 1
    assert checked >= 38


def test_wrong_role_is_refused_with_a_valid_csrf_token(web: WebEnv, clients) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    checked = 0
    for spec in route_table():
        if spec.role is None:
            continue
        for role in ROLES:
            if RANK[role] >= RANK[spec.role]:
                continue
            client = clients[role]
            r = _call(client, spec, concrete(spec, web), csrf=client.csrf)
            assert r.status_code == 403, (spec, role, r.status_code)
            assert f"needs the {spec.role} role" in r.text
            checked += 1
    assert checked >= 20


def test_wrong_role_api_key_is_refused(web: WebEnv) -> None:  # noqa: F811
    checked = 0
    with httpx.Client(base_url=web.base, timeout=30) as c:
        for spec in route_table():
            if not spec.api or spec.role is None:
                continue
            for role in ROLES:
                headers = {"authorization": f"Bearer {web.keys[role]}"}
                r = _call(c, spec, concrete(spec, web), headers=headers)
                if RANK[role] < RANK[spec.role]:
                    assert r.status_code == 403, (spec, role, r.status_code)
                    checked += 1
                elif spec.methods == ("GET",):
                    assert r.status_code in (200, 501), (spec, role, r.status_code, r.text[:200])
    assert checked >= 9


def test_right_role_reads_every_page(web: WebEnv, clients) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    for spec in route_table():
        if spec.methods != ("GET",) or spec.role is None:
            continue
        client = clients[spec.role]
        r = client.get(concrete(spec, web))
        built = web.story_id is not None or ("stor" not in spec.path and "trending" not in spec.path)
        if "/questions/topics/" in spec.path:  # a topic's pages exist once questions are triaged
            built = bool(web.store.questions.topics())
        assert r.status_code == 200 if built else r.status_code in (200, 404, 501), (spec, r.status_code)
        if not spec.api and not re.search(r"\.(pdf|docx|csv|xlsx)$", spec.path):  # downloads are files
            assert r.headers["content-type"].startswith("text/html")
            # … and the same page as JSON.
            j = client.get(concrete(spec, web), headers={"accept": "application/json"})
            assert j.headers["content-type"] == "application/json"
            assert isinstance(j.json(), dict)


def test_public_routes(web: WebEnv) -> None:  # noqa: F811
    with httpx.Client(base_url=web.base, timeout=30) as anon:
        assert anon.get("/login").status_code == 200
        assert anon.get("/api/openapi.json").json()["openapi"].startswith("3.1")


def test_csrf_is_required_on_forms(web: WebEnv, clients) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    admin = clients["admin"]
    before = len(web.store.channels.list())
    for token in (None, "", "forged-" + "x" * 40, clients["viewer"].csrf):  # another session's token too
        data = {"channel": "@csrf_probe"} | ({"csrf_token": token} if token is not None else {})
        r = admin.post("/channels", data=data)
        assert r.status_code == 403 and "expired" in r.text
    assert len(web.store.channels.list()) == before
    r = admin.post("/channels", data={"channel": "@csrf_probe", "csrf_token": admin.csrf})
    assert r.status_code == 303
    assert web.store.channels.get(ChannelRef(handle="csrf_probe")).handle == "csrf_probe"
    # JSON writes with the session cookie need the X-CSRF-Token header; an API key needs none.
    assert admin.post("/api/channels", json={"channel": "@csrf_probe2"}).status_code == 403
    r = admin.post("/api/channels", json={"channel": "@csrf_probe2"}, headers={"x-csrf-token": admin.csrf})
    assert r.status_code == 201 and r.json()["handle"] == "csrf_probe2"
    with httpx.Client(base_url=web.base, timeout=30) as c:
        r = c.post(
            "/api/channels",
            json={"channel": "@csrf_probe3"},
            headers={"authorization": f"Bearer {web.keys['admin']}"},
        )
        assert r.status_code == 201
        # The login form has its own token (double submit): without it, no session is made.
        r = c.post("/login", data={"username": "admin", "password": PASSWORDS["admin"]})
        assert r.status_code == 403 and "svodka_session" not in r.headers.get("set-cookie", "")


def test_cookies_headers_and_redirects(web: WebEnv) -> None:  # noqa: F811
    with httpx.Client(base_url=web.base, timeout=30) as c:
        page = c.get("/login")
        assert page.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        r = c.post(
            "/login",
            data={
                "username": "viewer",
                "password": PASSWORDS["viewer"],
                "csrf_token": csrf_of(page.text),
                "next": "https://evil.example/x",
            },
        )
        assert r.status_code == 303 and r.headers["location"] == "/"  # no open redirect
        c.cookies.clear()
        page = c.get("/login")
        r = c.post(
            "/login",
            data={
                "username": "viewer",
                "password": PASSWORDS["viewer"],
                "csrf_token": csrf_of(page.text),
                "next": "/\\evil.example",
            },
        )
        assert r.headers["location"] == "/"
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("svodka_session="))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        token = cookie.split(";", 1)[0].split("=", 1)[1]
        assert c.get("/account").status_code == 200
        # The store keeps hashes only: no session token, password or API key in the clear.
        assert web.store.sessions.get(token) is None  # (sessions are found by the hash of their token)
        users = web.store.users.list()
        hashes = [pw[1] for u in users if (pw := web.store.users.password_hash(u.username))]
        assert hashes and len(hashes) == len(users) and all(h.startswith("$argon2id$") for h in hashes)
        api_keys = web.store.api_keys
        stored = [api_keys.by_prefix(k.prefix) for u in users for k in api_keys.list(u.id)]
        keys = [found[1] for found in stored if found]
        assert keys and not set(web.keys.values()) & set(keys)
        # Logging out ends the session on the server, not only in this browser.
        r = c.post("/logout", data={"csrf_token": csrf_of(c.get("/account").text)})
        assert r.status_code == 303
        stolen = httpx.Client(base_url=web.base, cookies={"svodka_session": token})
        assert stolen.get("/account").status_code == 303


def test_api_keys_are_made_shown_once_and_revoked(web: WebEnv, clients) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    viewer = clients["viewer"]
    r = viewer.post("/account/keys", data={"name": "script", "csrf_token": viewer.csrf})
    assert r.status_code == 201
    key = re.search(r'<code id="new-key">(svk_[^<]+)</code>', r.text).group(1)  # type: ignore[union-attr]
    assert key not in viewer.get("/account").text  # shown once
    with httpx.Client(base_url=web.base, timeout=30) as c:
        me = c.get("/api/me", headers={"authorization": f"Bearer {key}"})
        assert me.status_code == 200 and me.json()["role"] == "viewer"
        assert c.get("/api/me", headers={"x-api-key": key}).status_code == 200
        key_id = max(k.id for k in web.store.api_keys.list(web.store.users.get("viewer").id))
        assert (
            viewer.post(f"/account/keys/{key_id}/revoke", data={"csrf_token": viewer.csrf}).status_code == 303
        )
        assert c.get("/api/me", headers={"authorization": f"Bearer {key}"}).status_code == 401


def test_admin_manages_users_and_roles_take_effect(web: WebEnv, clients) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    admin = clients["admin"]
    r = admin.post(
        "/users",
        data={"username": "newbie", "password": "newbie-pass-1", "role": "viewer", "csrf_token": admin.csrf},
    )
    assert r.status_code == 303
    newbie = login(web.base, "newbie", "newbie-pass-1")
    assert newbie.get("/health").status_code == 403
    uid = web.store.users.get("newbie").id
    assert (
        admin.post(f"/users/{uid}/role", data={"role": "analyst", "csrf_token": admin.csrf}).status_code
        == 303
    )
    assert newbie.get("/health").status_code == 200  # the role is read on every request
    assert admin.post(f"/users/{uid}/remove", data={"csrf_token": admin.csrf}).status_code == 303
    assert newbie.get("/health").status_code == 303  # removed: its session is gone
    me = web.store.users.get("admin").id
    assert admin.post(f"/users/{me}/remove", data={"csrf_token": admin.csrf}).status_code == 400
