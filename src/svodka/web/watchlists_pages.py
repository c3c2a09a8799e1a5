"""The watchlist pages (analyst role: each user sees their own lists and the team's shared ones) and each
user's alert inbox (read or unread, linked to the story or post). Lists made here alert the inbox (and
their feed); e-mail, bot and webhook targets are named in svodka.toml or with `svodka watchlists add`."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import RedirectResponse, Response

from svodka.errors import ConfigError, NotFoundError, QueryError
from svodka.links import safe_url
from svodka.monitor.feeds import visible
from svodka.monitor.watchlist import Watchlist, from_stored, watchlist
from svodka.store.base import InboxAlert, StoredWatchlist
from svodka.web import labels
from svodka.web.framework import Ctx, HttpError, View, route

VIEWER, ANALYST, ADMIN = "viewer", "analyst", "admin"
_LISTS = ("groups", "channels", "languages", "topics", "rules")


def _describe(ctx: Ctx, w: Watchlist) -> str:
    """What a watchlist watches (as :meth:`Watchlist.describe` says it) in the page's language; the query,
    rules and targets are written in their own syntax."""
    parts = [ctx._("query %(query)s", query=repr(w.query)) if w.query else ctx._("every post")]
    if w.groups:
        parts.append(ctx._("groups %(values)s", values=",".join(w.groups)))
    if w.channels:
        parts.append(ctx._("channels %(values)s", values=",".join(w.channels)))
    if w.languages:
        parts.append(ctx._("languages %(values)s", values=",".join(w.languages)))
    if w.topics:
        topics = ",".join(labels.topic(t, ctx.language) for t in w.topics)
        parts.append(ctx._("topics %(values)s", values=topics))
    parts.append(ctx._("rules %(values)s", values=",".join(r.text for r in w.rules)))
    parts.append(ctx._("to %(targets)s", targets=",".join(w.targets) or ctx._("(no target)")))
    return "; ".join(parts)


def _row(ctx: Ctx, w: StoredWatchlist) -> dict[str, Any]:
    assert ctx.user is not None
    owner = ctx.store.users.by_id(w.owner_id).username if w.owner_id is not None else None
    try:
        describe = _describe(ctx, from_stored(w.name, w.spec))
    except (ConfigError, QueryError) as e:
        describe = ctx._("(cannot be read: %(why)s)", why=e)
    return {
        "name": w.name,
        "spec": json.loads(w.spec),
        "describe": describe,
        "owner": owner,
        "shared": w.shared,
        "mine": w.owner_id == ctx.user.id,
        "may_remove": w.owner_id == ctx.user.id or ctx.user.may(ADMIN),
        "created_at": w.created_at,
    }


def _visible(ctx: Ctx) -> list[StoredWatchlist]:
    assert ctx.user is not None
    return [w for w in ctx.store.watchlists.list() if visible(w, ctx.user.id)]


@route("/watchlists", ANALYST)
def watchlists_page(ctx: Ctx, message: str | None = None, status: int = 200) -> View:
    return View(
        "watchlists.html",
        {"watchlists": [_row(ctx, w) for w in _visible(ctx)], "message": message},
        status,
    )


@route("/watchlists", ANALYST, ("POST",))
def watchlist_add(ctx: Ctx) -> Response | View:
    assert ctx.user is not None
    form = ctx.form
    spec: dict[str, object] = {"name": form.get("name", "").strip(), "query": form.get("query", "")}
    spec.update({k: form.get(k, "") for k in _LISTS if form.get(k, "").strip()})
    try:
        w = watchlist(spec)
    except (ConfigError, QueryError) as e:
        return watchlists_page(ctx, str(e), 400)
    ctx.store.watchlists.add(w.name, w.spec(), owner_id=ctx.user.id, shared=form.get("shared") == "on")
    return RedirectResponse("/watchlists", status_code=303)


@route("/watchlists/{name}/remove", ANALYST, ("POST",))
def watchlist_remove(ctx: Ctx) -> Response:
    assert ctx.user is not None
    found = [w for w in _visible(ctx) if w.name == ctx.path_params["name"]]
    if not found:
        raise NotFoundError("no such watchlist you can see")
    if found[0].owner_id != ctx.user.id and not ctx.user.may(ADMIN):
        raise HttpError(403, "only its owner or an admin removes a watchlist")
    ctx.store.watchlists.remove(found[0].name)
    return RedirectResponse("/watchlists", status_code=303)


def _alert(a: InboxAlert) -> dict[str, Any]:
    """An inbox row: linked to its story's or post's page here, with the post's own link beside it as the
    digest cards give a secondary one — the ``t.me/c`` link (the payload's ``alt_url`` where its ``url`` is
    this app's page), else the ``url`` itself (``t.me/<handle>/<msg>``, a feed item's page, or ``t.me/c``
    where no ``web.public_url`` is set)."""
    p = json.loads(a.alert.payload)
    link = (f"/stories/{p['story_id']}" if p.get("story_id") else
            f"/posts/{p['post_id']}" if p.get("post_id") else None)  # fmt: skip
    alt = safe_url(p.get("alt_url")) or safe_url(p.get("url"))
    return {
        "alt_url": alt,
        "alt_host": urlsplit(alt).hostname if alt else None,
        "id": a.alert.id,
        "watchlist": a.alert.watchlist,
        "rule": a.alert.rule,
        "revision": a.alert.revision,
        "title": p.get("title", a.alert.subject),
        "channel": p.get("channel"),
        "link": link,
        "updated_at": a.alert.updated_at,
        "unread": a.unread,
    }


@route("/alerts", VIEWER)
def alerts_page(ctx: Ctx) -> View:
    assert ctx.user is not None
    unread_only = ctx.flag("unread")
    rows = ctx.store.inbox.list(ctx.user.id, unread_only=unread_only, limit=100)
    return View(
        "alerts.html",
        {
            "alerts": [_alert(a) for a in rows],
            "unread": ctx.store.inbox.unread(ctx.user.id),
            "unread_only": unread_only,
        },
    )


@route("/alerts/read", VIEWER, ("POST",))
def alerts_read(ctx: Ctx) -> Response:
    assert ctx.user is not None
    given = ctx.form.get("alert_id", "").strip()
    if given and not given.isdigit():
        raise HttpError(400, "alert_id must be a number")
    ctx.store.inbox.mark_read(ctx.user.id, [int(given)] if given else None)
    return RedirectResponse("/alerts", status_code=303)
