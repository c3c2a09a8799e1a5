"""The server-rendered pages (each also JSON with ``?format=json`` or ``Accept: application/json``)."""

from __future__ import annotations

import secrets
from collections.abc import Hashable
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from starlette.responses import RedirectResponse, Response

from svodka.clock import Now, parse_as_of, store_now
from svodka.collect.registry import parse_channel
from svodka.digest.render import digest_links
from svodka.errors import InputError, NotFoundError, QueryError
from svodka.i18n import LANGUAGES
from svodka.model import PLATFORM_TELEGRAM, ROLES
from svodka.web import adapters, auth, story_model, storylines, views, workflow
from svodka.web.corrections import story_corrections
from svodka.web.feeds import account_feeds
from svodka.web.framework import Ctx, HttpError, Renderer, View, client_address, route
from svodka.web.openapi import channel_name

ANALYST, ADMIN, VIEWER = "analyst", "admin", "viewer"


def _back(to: str) -> Response:
    """After a form: back to a page (303 so the browser GETs it)."""
    return RedirectResponse(to, status_code=303)


def _safe_next(target: str | None) -> str:
    """Only a local path may follow a login (no open redirect)."""
    if not target:
        return "/"
    parsed = urlparse(target)
    # Browsers read "/\\host" like "//host": a backslash anywhere is refused too.
    if (
        parsed.scheme
        or parsed.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return "/"
    return target


def _cookie(response: Response, ctx: Ctx, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=ctx.config.secure_cookies,
        path="/",
    )


# --- login -------------------------------------------------------------------------------------------
def _login_form(ctx: Ctx, message: str | None = None, status: int = 200) -> View:
    token = ctx.request.cookies.get(auth.LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    return View(
        "login.html", {"login_csrf": token, "next": _safe_next(ctx.param("next")), "message": message}, status
    )


def _with_login_cookie(ctx: Ctx, view: View) -> Response:
    renderer: Renderer = ctx.request.app.state.renderer  # the renderer of this request's app
    response = renderer.html(view.template, ctx, view.data, view.status)
    _cookie(response, ctx, auth.LOGIN_CSRF_COOKIE, view.data["login_csrf"], 3600)
    return response


@route("/login", None)
def login_page(ctx: Ctx) -> Response:
    if ctx.user is not None:
        return _back("/")
    return _with_login_cookie(ctx, _login_form(ctx))


@route("/login", None, ("POST",))
def login_submit(ctx: Ctx) -> Response:
    # Login CSRF: the form echoes a random value that is also in a cookie only this site could have set.
    if not auth.same_token(ctx.request.cookies.get(auth.LOGIN_CSRF_COOKIE), ctx.form.get("csrf_token")):
        raise HttpError(403, "the login form has expired; reload it")
    username, password = ctx.form.get("username", ""), ctx.form.get("password", "")
    client = client_address(ctx.request, ctx.config.trusted_proxies)
    try:
        user = auth.login(ctx.store, username, password, client, ctx.config)
    except auth.TooManyAttempts as e:
        response = _with_login_cookie(ctx, _login_form(ctx, str(e), 429))
        response.headers["retry-after"] = str(e.retry_after)
        return response
    except auth.LoginFailed as e:
        return _with_login_cookie(ctx, _login_form(ctx, str(e), 401))
    token, _csrf = auth.new_session(ctx.store, user, ctx.config)
    response = _back(_safe_next(ctx.form.get("next")))
    _cookie(response, ctx, auth.SESSION_COOKIE, token, int(ctx.config.session_hours * 3600))
    response.delete_cookie(auth.LOGIN_CSRF_COOKIE, path="/")
    return response


@route("/logout", VIEWER, ("POST",))
def logout(ctx: Ctx) -> Response:
    auth.end_session(ctx.store, ctx.request.cookies.get(auth.SESSION_COOKIE))
    response = _back("/login")
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


# --- reading -----------------------------------------------------------------------------------------
def as_of(ctx: Ctx, hours: float) -> Now:
    """The "now" a page's window of ``hours`` ends at: ``?as_of=``, else the store's (svodka.clock)."""
    return store_now(ctx.store, timedelta(hours=hours), parse_as_of(ctx.param("as_of")))


@route("/", VIEWER)
def home(ctx: Ctx) -> View:
    trending = views.trending_page(ctx.store, now=as_of(ctx, 6))
    data: dict[str, Any] = {
        "posts": ctx.store.posts.count(),
        "trending": trending["stories"][:10],
        "as_of": trending["as_of"],
        "as_of_basis": trending["as_of_basis"],
        "form": {"as_of": ctx.param("as_of") or ""},
        "digests": workflow.digest_rows(ctx.store, adapters.digests(ctx.store, limit=5), ctx.config.tz),
    }
    return View("home.html", data)


def digest_filters(ctx: Ctx) -> dict[str, Any]:
    return {
        "since": views.parse_day(ctx.param("since"), "since"),
        "until": views.parse_day(ctx.param("until"), "until", end=True),
    }


@route("/digests", VIEWER)
def digests_page(ctx: Ctx) -> View:
    page = views.parse_int(ctx.param("page"), "page", 1, 1, 10_000)
    size = ctx.config.page_size
    rows = adapters.digests(ctx.store, limit=size + 1, offset=(page - 1) * size, **digest_filters(ctx))
    form = {k: ctx.param(k) or "" for k in ("since", "until", "topic", "group")}
    topic, group = ctx.param("topic"), ctx.param("group")
    if topic or group:  # the filters a digest was made with are in its document
        rows = [r for r in rows if _digest_matches(ctx, r["id"], topic, group)]
    assert ctx.user is not None
    read = ctx.store.read_state.read(ctx.user.id, "digest", [r["id"] for r in rows[:size]])
    return View(
        "digests.html",
        {
            "digests": workflow.digest_rows(ctx.store, rows[:size], ctx.config.tz, read),
            "page": page,
            "next_page": page + 1 if len(rows) > size else None,
            "form": form,
        },
    )


def _digest_matches(ctx: Ctx, digest_id: int, topic: str | None, group: str | None) -> bool:
    filters = adapters.digest(ctx.store, digest_id).get("filters") or {}
    return (not topic or filters.get("topic") == topic) and (not group or filters.get("group") == group)


@route("/digests/{digest_id:int}", VIEWER)
def digest_page(ctx: Ctx) -> View:
    digest = digest_links(adapters.digest(ctx.store, ctx.path_params["digest_id"]))
    workflow.mark_read(ctx, "digest", ctx.path_params["digest_id"])
    return View("digest.html", {"digest": digest})


@route("/stories/{story_id:int}", VIEWER)
def story_page(ctx: Ctx) -> View:
    page = views.parse_int(ctx.param("page"), "page", 1, 1, 10_000)

    def read() -> tuple[Hashable, dict[str, Any]]:
        # The store's state, read before the page's data (which is then as new or newer): the page's HTML is
        # kept under it and, while nothing is committed, the next request of this page in this language by
        # anyone of this role is answered with it (Renderer.html).
        stamp = ("story", ctx.store.stamp(), views.STORY_PAGE_SIZE)
        return stamp, views.story_page(
            ctx.store, ctx.path_params["story_id"], ctx.config.tz, page, ctx.language
        )

    kept, data = read()
    sid = data["story"]["id"]
    if workflow.mark_read(ctx, "story", sid):  # the user's first view moved the stamp: the page under the new
        kept, data = read()  # one (its data is kept, and the next request finds this page)
    view = View("story.html", data, kept=kept)
    # what the page adds is kept while the store is unchanged, as the story's data (story_model.as_of_stamp)
    view.data["storyline"] = story_model.as_of_stamp(
        ctx.store,
        ("storyline", sid, ctx.config.tz),
        lambda: storylines.part_of(ctx.store, sid, ctx.config.tz),
    )
    if ctx.user is not None and ctx.user.may(ANALYST):  # the corrections part (svodka.web.corrections)
        view.data["corrections"] = story_model.as_of_stamp(
            ctx.store, ("corrections", sid), lambda: story_corrections(ctx.store, sid)
        )
    return view


@route("/trending", VIEWER)
def trending_page(ctx: Ctx) -> View:
    hours = views.parse_int(ctx.param("hours"), "hours", 6, 1, 24 * 14)
    data = views.trending_page(ctx.store, hours=hours, now=as_of(ctx, hours))
    return View("trending.html", {**data, "form": {"as_of": ctx.param("as_of") or ""}})


def search_params(ctx: Ctx) -> views.SearchParams:
    return views.SearchParams(
        query=(ctx.param("q") or "")[:500],
        channel=ctx.param("channel"),
        group=ctx.param("group"),
        since=views.parse_day(ctx.param("since"), "since"),
        until=views.parse_day(ctx.param("until"), "until", end=True),
        language=views.parse_language(ctx.param("language")),
        page=views.parse_int(ctx.param("page"), "page", 1, 1, 10_000),
        sort=ctx.param("sort") or "relevance",
    )


@route("/search", VIEWER)
def search_page(ctx: Ctx) -> View:
    params = search_params(ctx)
    try:
        data = views.search_page(ctx.store, params, ctx.config.page_size)
    except QueryError as e:  # shown with the form, to be corrected there
        data = {**views.search_page(ctx.store, replace(params, query=""), 1), "query": params.query}
        data["error"] = str(e)
    for hit in data["hits"]:
        hit["snippet_html"] = views.highlight(hit["snippet"])
    data["groups"] = sorted({g for c in ctx.store.channels.list() for g in c.groups})
    data["languages"] = views.SEARCH_LANGUAGES
    data["sorts"] = views.SEARCH_SORTS
    raw = {k: ctx.param(k) or "" for k in ("q", "channel", "group", "since", "until", "language", "sort")}
    return View("search.html", {**data, "form": raw})


@route("/posts/{post_id:int}", VIEWER)
def post_page(ctx: Ctx) -> View:
    return View("post.html", views.post_page(ctx.store, ctx.path_params["post_id"]))


@route("/channels", VIEWER)
def channels_page(ctx: Ctx) -> View:
    return View("channels.html", views.channels_page(ctx.store, ctx.param("group")))


@route("/channels/{channel_id:int}", VIEWER)
def channel_page(ctx: Ctx) -> View:
    return View("channel.html", views.channel_page(ctx.store, ctx.path_params["channel_id"]))


@route("/health", ANALYST)
def health_page(ctx: Ctx) -> View:
    return View("health.html", views.health_page(ctx.store))


@route("/health/clear", ADMIN, ("POST",))
def health_clear(ctx: Ctx) -> Response:
    """Lift one source's wait (backoff, breaker, Retry-After), as `svodka collect --now` does:
    `svodka watch` collects it on its next tick."""
    from svodka.collect.policy import clear_wait

    key = ctx.form.get("source", "")
    state = next((s for s in ctx.store.state.all() if s.key == key), None)
    if state is None:
        raise NotFoundError(f"no collected source {key!r}")
    ctx.store.state.put(clear_wait(state))
    return _back("/health")


# --- admin: channels ---------------------------------------------------------------------------------
def _tier(text: str | None) -> int | None:
    if text is None or text.strip() == "":
        return None
    return views.parse_int(text, "tier", 0, 0, 5)


def _groups(text: str | None) -> list[str]:
    return [g.strip() for g in (text or "").split(",") if g.strip()][:20]


@route("/channels", ADMIN, ("POST",))
def channel_add(ctx: Ctx) -> Response:
    ref = parse_channel(channel_name(ctx.form.get("channel", "")))
    channel = ctx.store.channels.add(
        ref, tier=_tier(ctx.form.get("tier")), groups=_groups(ctx.form.get("groups"))
    )
    views.ACTIVITY.clear()
    return _back(f"/channels/{channel.id}")


@route("/channels/{channel_id:int}/remove", ADMIN, ("POST",))
def channel_remove(ctx: Ctx) -> Response:
    channel = ctx.store.channels.by_id(ctx.path_params["channel_id"])
    # Keep the posts unless asked: stories and digests already cite them.
    ctx.store.channels.remove(channel.id, keep_posts=ctx.form.get("delete_posts") != "on")
    views.ACTIVITY.clear()
    return _back("/channels")


@route("/channels/{channel_id:int}/settings", ADMIN, ("POST",))
def channel_settings(ctx: Ctx) -> Response:
    channel = ctx.store.channels.by_id(ctx.path_params["channel_id"])
    tier = _tier(ctx.form.get("tier"))
    if tier is not None:
        ctx.store.channels.set_tier(channel.id, tier)
    if "groups" in ctx.form:
        ctx.store.channels.set_groups(channel.id, _groups(ctx.form.get("groups")))
    handle = ctx.form.get("handle", "").strip()
    if handle and channel.platform == PLATFORM_TELEGRAM:  # @name or t.me/name: citations t.me/<name>/<post>
        ref = parse_channel(handle)
        if not ref.handle or ref.ext_id is not None:
            raise InputError("handle", f"{handle!r} is not a channel handle: write @name or t.me/name")
        if ref.handle != channel.handle:
            ctx.store.channels.set_handle(channel.id, ref.handle)
    views.ACTIVITY.clear()
    return _back(f"/channels/{channel.id}")


# --- read / unread, per user -------------------------------------------------------------------------
def _read_targets(ctx: Ctx) -> tuple[str, list[int]]:
    return workflow.targets(ctx, ctx.form.get("kind"), (ctx.form.get("ref_id") or "").split(","))


@route("/read", VIEWER, ("POST",))
def read_submit(ctx: Ctx) -> Response:
    assert ctx.user is not None
    ctx.store.read_state.mark(ctx.user.id, *_read_targets(ctx))
    return _back(_safe_next(ctx.form.get("next")))


@route("/unread", VIEWER, ("POST",))
def unread_submit(ctx: Ctx) -> Response:
    assert ctx.user is not None
    ctx.store.read_state.unmark(ctx.user.id, *_read_targets(ctx))
    return _back(_safe_next(ctx.form.get("next")))


# --- analyst: marks ----------------------------------------------------------------------------------
@route("/marks", ANALYST)
def marks_page(ctx: Ctx) -> View:
    assert ctx.user is not None
    return View(
        "marks.html",
        {"marks": [workflow.mark_row(ctx.store, m) for m in ctx.store.marks.list(ctx.user.id)]},
    )


def _mark_target(ctx: Ctx) -> tuple[str, int]:
    kind = ctx.form.get("kind", "")
    ref_id = views.parse_int(ctx.form.get("ref_id"), "ref_id", 0, 1)
    if kind == "post":
        ctx.store.posts.get(ref_id)
    elif kind == "story":
        adapters.story(ctx.store, ref_id)
    else:
        raise InputError("kind", "a mark is on a post or a story")
    return kind, ref_id


@route("/marks", ANALYST, ("POST",))
def mark_add(ctx: Ctx) -> Response:
    assert ctx.user is not None
    kind, ref_id = _mark_target(ctx)
    ctx.store.marks.set(ctx.user.id, kind, ref_id, ctx.form.get("note", ""))
    return _back(_safe_next(ctx.form.get("next") or "/marks"))


@route("/marks/remove", ANALYST, ("POST",))
def mark_remove(ctx: Ctx) -> Response:
    assert ctx.user is not None
    kind = ctx.form.get("kind", "")
    ref_id = views.parse_int(ctx.form.get("ref_id"), "ref_id", 0, 1)
    ctx.store.marks.remove(ctx.user.id, kind, ref_id)
    return _back("/marks")


# --- account: password and API keys ------------------------------------------------------------------
@route("/account", VIEWER)
def account_page(ctx: Ctx) -> View:
    assert ctx.user is not None
    return View(
        "account.html",
        {
            "username": ctx.user.username,
            "role": ctx.user.role,
            "keys": [
                {
                    "id": k.id,
                    "prefix": k.prefix,
                    "name": k.name,
                    "created_at": k.created_at,
                    "last_used": k.last_used,
                }
                for k in ctx.store.api_keys.list(ctx.user.id)
            ],
            "new_key": None,
            "feeds": account_feeds(ctx),
            "new_feed": None,
            "language": ctx.store.interface.user_language(ctx.user.id) or "",
        },
    )


@route("/account/language", VIEWER, ("POST",))
def language_set(ctx: Ctx) -> Response:
    """The user's interface language (``ru``, ``en``; empty: the app's ``web.language``), stored."""
    assert ctx.user is not None
    chosen = ctx.form.get("language", "").strip()
    if chosen and chosen not in LANGUAGES:
        raise InputError("language", f"unknown language {chosen[:20]!r}; use one of {', '.join(LANGUAGES)}")
    ctx.store.interface.set_user_language(ctx.user.id, chosen or None)
    return _back("/account")


@route("/account/keys", VIEWER, ("POST",))
def key_create(ctx: Ctx) -> View:
    assert ctx.user is not None
    key, _info = auth.new_api_key(ctx.store, ctx.user, ctx.form.get("name", ""))
    view = account_page(ctx)
    # Shown once, on this response only: the store keeps its hash.
    return View("account.html", {**view.data, "new_key": key}, 201)


@route("/account/keys/{key_id:int}/revoke", VIEWER, ("POST",))
def key_revoke(ctx: Ctx) -> Response:
    assert ctx.user is not None
    if not ctx.store.api_keys.revoke(ctx.user.id, ctx.path_params["key_id"]):
        raise NotFoundError("no such key of yours")
    return _back("/account")


@route("/account/password", VIEWER, ("POST",))
def password_change(ctx: Ctx) -> Response:
    assert ctx.user is not None
    found = ctx.store.users.password_hash(ctx.user.username)
    if found is None or not auth.verify_password(found[1], ctx.form.get("current", "")):
        raise HttpError(403, "the current password is wrong")
    # Changing the password ends every session of the user, this one included.
    ctx.store.users.set_password(ctx.user.username, auth.hash_password(ctx.form.get("new", "")))
    return _back("/login")


# --- admin: users ------------------------------------------------------------------------------------
@route("/users", ADMIN)
def users_page(ctx: Ctx) -> View:
    return View(
        "users.html",
        {
            "roles": list(ROLES),
            "users": [
                {
                    "id": u.id,
                    "username": u.username,
                    "role": u.role,
                    "created_at": u.created_at,
                    "last_login": u.last_login,
                }
                for u in ctx.store.users.list()
            ],
        },
    )


@route("/users", ADMIN, ("POST",))
def user_add(ctx: Ctx) -> Response:
    ctx.store.users.add(
        ctx.form.get("username", ""),
        auth.hash_password(ctx.form.get("password", "")),
        ctx.form.get("role", VIEWER),
    )
    return _back("/users")


@route("/users/{user_id:int}/role", ADMIN, ("POST",))
def user_role(ctx: Ctx) -> Response:
    user = ctx.store.users.by_id(ctx.path_params["user_id"])
    ctx.store.users.set_role(user.username, ctx.form.get("role", ""))
    return _back("/users")


@route("/users/{user_id:int}/remove", ADMIN, ("POST",))
def user_remove(ctx: Ctx) -> Response:
    assert ctx.user is not None
    user = ctx.store.users.by_id(ctx.path_params["user_id"])
    if user.id == ctx.user.id:
        raise HttpError(400, "you cannot remove yourself")
    ctx.store.users.remove(user.username)
    return _back("/users")
