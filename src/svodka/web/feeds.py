"""Feed routes: the public ``/feeds/rss/<secret>`` and ``/feeds/atom/<secret>`` (the secret is the only
credential; unknown or revoked: 404) and the account page's feed section (make, revoke). The secret is
cut out of the access log's request lines (:func:`hide_secrets`)."""

from __future__ import annotations

import logging
import re
from typing import Any

from starlette.responses import RedirectResponse, Response

from svodka.errors import ConfigError, NotFoundError
from svodka.monitor import feeds
from svodka.web import labels
from svodka.web.framework import Ctx, HttpError, View, route

VIEWER, ANALYST = "viewer", "analyst"
_SECRET = re.compile(r"(/feeds/[a-z]+/)[^/?#\s\"]+")
_MEDIA = {"rss": "application/rss+xml; charset=utf-8", "atom": "application/atom+xml; charset=utf-8"}


class _HideSecrets(logging.Filter):
    """Replaces a feed secret in a log record's message and arguments by «…»."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "/feeds/" in record.msg:
            record.msg = _SECRET.sub(r"\1…", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(
                _SECRET.sub(r"\1…", a) if isinstance(a, str) and "/feeds/" in a else a for a in record.args
            )
        return True


_FILTER = _HideSecrets()


def hide_secrets() -> None:
    """Keep feed secrets out of uvicorn's access and error logs (idempotent; svodka logs none itself)."""
    for name in ("uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


@route("/feeds/{fmt}/{secret}", None)
def feed(ctx: Ctx) -> Response:
    fmt, secret = ctx.path_params["fmt"], ctx.path_params["secret"]
    if fmt not in feeds.FORMATS:
        raise NotFoundError("no such feed format (rss or atom)")
    _token, spec = feeds.open_feed(ctx.store, secret)
    base = str(ctx.request.base_url).rstrip("/")
    items = feeds.entries(ctx.store, spec, base, ctx.config.embedder)
    body = feeds.render(spec, items, fmt, base + feeds.path(secret, fmt), base)
    # A feed reader is no browser: the page's referrer policy keeps the secret from leaking onwards
    return Response(body, media_type=_MEDIA[fmt], headers={"referrer-policy": "no-referrer"})


def _what(ctx: Ctx, spec: feeds.FeedSpec) -> str:
    """What a feed shows (as :meth:`FeedSpec.describe` says it) in the page's language."""
    if spec.kind == "digest":
        return ctx._("digests of job %(name)s", name=spec.name) if spec.name else ctx._("every digest")
    if spec.kind == "watchlist":
        return ctx._("matches of watchlist %(name)s", name=spec.name)
    filters = [
        text
        for value, text in (
            (spec.group, ctx._("group %(group)s", group=spec.group)),
            (spec.topic, ctx._("topic %(topic)s", topic=labels.topic(spec.topic or "", ctx.language))),
            (spec.language, ctx._("language %(language)s", language=spec.language)),
        )
        if value
    ]
    return ctx._("stories of %(filters)s", filters=", ".join(filters)) if filters else ctx._("stories")


def account_feeds(ctx: Ctx) -> list[dict[str, Any]]:
    """The user's feeds as the account page lists them (revoked ones included)."""
    assert ctx.user is not None
    return [
        {
            "id": t.id,
            "name": t.name,
            "kind": t.kind,
            "what": _what(ctx, feeds.spec_of(t)),
            "created_at": t.created_at,
            "last_used": t.last_used,
            "revoked": t.revoked_at is not None,
        }
        for t in ctx.store.feeds.list(ctx.user.id)
    ]


def _spec(ctx: Ctx) -> feeds.FeedSpec:
    assert ctx.user is not None
    f = {k: (ctx.form.get(k) or "").strip() for k in ("kind", "name", "group", "topic", "language")}
    try:
        spec = feeds.FeedSpec(f["kind"], f["name"], f["group"] or None, f["topic"] or None,
                              f["language"] or None)  # fmt: skip
    except ConfigError as e:
        raise HttpError(400, str(e)) from None
    if spec.kind == "watchlist":
        if not ctx.user.may(ANALYST):
            raise HttpError(403, "a watchlist's feed needs the analyst role")
        mine = [w for w in ctx.store.watchlists.list() if feeds.visible(w, ctx.user.id)]
        if spec.name not in {w.name for w in mine}:
            raise NotFoundError(f"no watchlist {spec.name!r} you can see")
    return spec


@route("/account/feeds", VIEWER, ("POST",))
def feed_create(ctx: Ctx) -> View:
    assert ctx.user is not None
    secret, _token = feeds.create(ctx.store, _spec(ctx), ctx.form.get("label", ""), ctx.user.id)
    from svodka.web.pages import account_page  # the page this form is on

    view = account_page(ctx)
    base = str(ctx.request.base_url).rstrip("/")
    urls = {fmt: base + feeds.path(secret, fmt) for fmt in feeds.FORMATS}
    return View("account.html", {**view.data, "new_feed": urls}, 201)  # shown once: the store keeps its hash


@route("/account/feeds/{feed_id:int}/revoke", VIEWER, ("POST",))
def feed_revoke(ctx: Ctx) -> Response:
    assert ctx.user is not None
    if not ctx.store.feeds.revoke(ctx.path_params["feed_id"], ctx.user.id):
        raise NotFoundError("no such feed of yours")
    return RedirectResponse("/account", status_code=303)
