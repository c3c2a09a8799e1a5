"""The JSON API under ``/api/``: a session cookie or an API key (``Authorization: Bearer svk_…``).

The data is the pages' data (see :mod:`svodka.web.views`); the OpenAPI document is in
:mod:`svodka.web.openapi` and is checked against these routes by schemathesis in the tests.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from svodka.collect.registry import channel_named, parse_channel
from svodka.digest.render import digest_links
from svodka.errors import InputError
from svodka.web import adapters, views, workflow
from svodka.web.framework import Ctx, json_response, route
from svodka.web.openapi import channel_name
from svodka.web.pages import ADMIN, ANALYST, VIEWER, as_of, digest_filters, search_params

MAX_LIMIT = 200


def _limit(ctx: Ctx, default: int = 50) -> int:
    return views.parse_int(ctx.param("limit"), "limit", default, 1, MAX_LIMIT)


def _body(ctx: Ctx) -> dict[str, Any]:
    if not isinstance(ctx.body, dict):
        raise InputError("body", "expected a JSON object")
    return ctx.body


def _whole(value: Any) -> int | None:
    """A JSON whole number (``5`` or ``5.0``, as JSON Schema's integer allows), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _tier(value: Any) -> int:
    tier = _whole(value)
    if tier is None or not 0 <= tier <= 5:
        raise InputError("tier", "must be a whole number 0…5")
    return tier


def _groups(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(g, str) for g in value):
        raise InputError("groups", "must be a list of strings")
    return [g.strip() for g in value if g.strip()][:20]


@route("/api/me", VIEWER)
def api_me(ctx: Ctx) -> dict[str, Any]:
    assert ctx.user is not None
    return {"id": ctx.user.id, "username": ctx.user.username, "role": ctx.user.role}


@route("/api/posts", VIEWER)
def api_posts(ctx: Ctx) -> dict[str, Any]:
    limit = _limit(ctx)
    channel = ctx.param("channel")
    ids = [channel_named(ctx.store.channels, channel).id] if channel else None
    posts = []
    for p in ctx.store.posts.iter(
        since=views.parse_day(ctx.param("since"), "since"),
        until=views.parse_day(ctx.param("until"), "until", end=True),
        after_id=views.parse_int(ctx.param("after_id"), "after_id", 0, 0, 2**63 - 1),
        channel_ids=ids,
        include_deleted=ctx.flag("include_deleted"),
    ):
        posts.append(views.post_dict(p))
        if len(posts) == limit:
            break
    return {"posts": posts, "next_after_id": posts[-1]["id"] if len(posts) == limit else None}


@route("/api/posts/{post_id:int}", VIEWER)
def api_post(ctx: Ctx) -> dict[str, Any]:
    return views.post_page(ctx.store, ctx.path_params["post_id"])


@route("/api/search", VIEWER)
def api_search(ctx: Ctx) -> dict[str, Any]:
    params = search_params(ctx)
    if not ctx.request.query_params.get("q"):
        raise InputError("q", "say what to search for")
    return views.search_page(
        ctx.store, params, views.parse_int(ctx.param("limit"), "limit", 20, 1, MAX_LIMIT)
    )


@route("/api/channels", VIEWER)
def api_channels(ctx: Ctx) -> dict[str, Any]:
    return views.channels_page(ctx.store, ctx.param("group"))


@route("/api/channels/{channel_id:int}", VIEWER)
def api_channel(ctx: Ctx) -> dict[str, Any]:
    return views.channel_page(ctx.store, ctx.path_params["channel_id"])


@route("/api/channels", ADMIN, ("POST",))
def api_channel_add(ctx: Ctx) -> Any:
    body = _body(ctx)
    channel = ctx.store.channels.add(
        parse_channel(channel_name(body.get("channel"))),
        tier=_tier(body["tier"]) if "tier" in body else None,
        groups=_groups(body.get("groups", [])),
    )
    views.ACTIVITY.clear()
    return json_response(views.channel_dict(channel), 201)


@route("/api/channels/{channel_id:int}", ADMIN, ("PATCH",))
def api_channel_update(ctx: Ctx) -> dict[str, Any]:
    body = _body(ctx)
    channel = ctx.store.channels.by_id(ctx.path_params["channel_id"])
    tier = _tier(body["tier"]) if "tier" in body else None  # all checked before anything is changed
    groups = _groups(body["groups"]) if "groups" in body else None
    if tier is not None:
        channel = ctx.store.channels.set_tier(channel.id, tier)
    if groups is not None:
        channel = ctx.store.channels.set_groups(channel.id, groups)
    views.ACTIVITY.clear()
    return views.channel_dict(channel)


@route("/api/channels/{channel_id:int}", ADMIN, ("DELETE",))
def api_channel_remove(ctx: Ctx) -> dict[str, Any]:
    channel = ctx.store.channels.by_id(ctx.path_params["channel_id"])
    ctx.store.channels.remove(channel.id, keep_posts=not ctx.flag("delete_posts"))
    views.ACTIVITY.clear()
    return views.channel_dict(replace(channel, active=False))  # as it is now: no longer followed


@route("/api/stories/trending", VIEWER)
def api_trending(ctx: Ctx) -> dict[str, Any]:
    hours = views.parse_int(ctx.param("hours"), "hours", 6, 1, 24 * 14)
    return views.trending_page(ctx.store, hours=hours, now=as_of(ctx, hours))


@route("/api/stories/{story_id:int}", VIEWER)
def api_story(ctx: Ctx) -> dict[str, Any]:
    return views.story_page(ctx.store, ctx.path_params["story_id"], ctx.config.tz, language=ctx.language)


@route("/api/digests", VIEWER)
def api_digests(ctx: Ctx) -> dict[str, Any]:
    offset = views.parse_int(ctx.param("offset"), "offset", 0, 0, 10**6)
    return {"digests": adapters.digests(ctx.store, limit=_limit(ctx), offset=offset, **digest_filters(ctx))}


@route("/api/digests/{digest_id:int}", VIEWER)
def api_digest(ctx: Ctx) -> dict[str, Any]:
    return {"digest": digest_links(adapters.digest(ctx.store, ctx.path_params["digest_id"]))}


@route("/api/health", ANALYST)
def api_health(ctx: Ctx) -> dict[str, Any]:
    return views.health_page(ctx.store)


def _read_body(ctx: Ctx) -> tuple[str, list[int]]:
    body = _body(ctx)
    if not isinstance(body.get("ids"), list):
        raise InputError("body", "expected {kind: story|digest, ids: [id, …]}")
    return workflow.targets(ctx, body.get("kind"), body["ids"])


@route("/api/read", VIEWER, ("POST",))
def api_read(ctx: Ctx) -> dict[str, Any]:
    """Mark stories or digests read by the caller."""
    assert ctx.user is not None
    kind, ids = _read_body(ctx)
    return {"kind": kind, "ids": ids, "changed": ctx.store.read_state.mark(ctx.user.id, kind, ids)}


@route("/api/unread", VIEWER, ("POST",))
def api_unread(ctx: Ctx) -> dict[str, Any]:
    """Mark them unread again."""
    assert ctx.user is not None
    kind, ids = _read_body(ctx)
    return {"kind": kind, "ids": ids, "changed": ctx.store.read_state.unmark(ctx.user.id, kind, ids)}


@route("/api/marks", ANALYST)
def api_marks(ctx: Ctx) -> dict[str, Any]:
    assert ctx.user is not None
    return {"marks": [workflow.mark_row(ctx.store, m) for m in ctx.store.marks.list(ctx.user.id)]}


@route("/api/marks", ANALYST, ("POST",))
def api_mark_add(ctx: Ctx) -> Any:
    assert ctx.user is not None
    body = _body(ctx)
    kind, ref_id, note = body.get("kind"), _whole(body.get("ref_id")), body.get("note", "")
    if kind not in ("post", "story") or ref_id is None or ref_id < 1:
        raise InputError("body", "expected {kind: post|story, ref_id: id, note?}")
    if not isinstance(note, str):
        raise InputError("note", "must be a string")
    if kind == "post":
        ctx.store.posts.get(ref_id)
    else:
        adapters.story(ctx.store, ref_id)
    m = ctx.store.marks.set(ctx.user.id, kind, ref_id, note)
    return json_response(
        {"kind": m.kind, "ref_id": m.ref_id, "note": m.note, "created_at": m.created_at}, 201
    )
