"""Analysts' corrections in the web app: the story page's forms (``_corrections.html``), their POST routes,
and the corrections log (``/corrections``) with undo. Analyst role and above; every form carries the
session's CSRF token (svodka.web.framework checks it); svodka.process.corrections does the work.

What the forms and the JSON API (svodka.web.api_corrections) share is here: who corrects (:func:`by`), the
corrections of a story (:func:`concerning`) and the story to show after one (:func:`story_after`). A
correction the stories as they stand refuse (CorrectionError) answers 409 with its one line, the form and
the API alike (svodka.web.framework, as web/openapi.py documents it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import RedirectResponse, Response

from svodka.digest.compose import load_story
from svodka.errors import InputError, NotFoundError
from svodka.model import Correction
from svodka.pipeline.corrections import as_dict
from svodka.process import corrections as use
from svodka.store import Store
from svodka.web import adapters, views
from svodka.web.framework import Ctx, View, route
from svodka.web.labels import N_

ANALYST = "analyst"
# What a refused correction says (svodka.process.corrections, svodka.pipeline.corrections), for the error
# page's translation (svodka.web.labels.say matches a message to these by pattern).
REFUSALS = (
    N_("post %(id)s is alone in its story already"),
    N_("development %(id)s is not part of story %(story)s"),
    N_("story %(id)s is marked not news already"),
    N_("post %(id)s is marked not news already"),
    N_("correction %(id)s is undone already"),
    N_("post %(id)s is in no story (an ad, or not processed yet)"),
    N_("a story to merge has no developments"),
    N_("story %(id)s is already one story"),
    N_("development %(id)s is the story's first part: split at a later one"),
    N_("the target story has no developments"),
    N_("post %(id)s is in story %(story)s already"),
)
MAX_POSTS = 300  # posts offered in the story page's forms


def concerning(store: Store, story_id: int) -> list[Correction]:
    """The corrections of story ``story_id`` (any id of it), newest first: its own, its developments' and
    those of its posts — the posts marked not news too, which its page leaves out."""
    s = load_story(store, story_id)
    devs = list(s.developments) or [s.id]
    return store.corrections.concerning([s.id, *devs], [m.post.id for m in s.members])


def story_after(store: Store, c: Correction, *fallback: int | None) -> int | None:
    """The story to show after correction ``c``: the one it made or kept, else the first of ``fallback``
    still there (None when none is)."""
    for ref in (c.result, *fallback):
        if ref is not None:
            try:
                return use.story_id(store, ref)
            except NotFoundError:  # gone meanwhile: try the next
                continue
    return None


def by(ctx: Ctx) -> str:
    """Who makes a correction: the signed-in analyst (the routes let no one else in)."""
    assert ctx.user is not None
    return ctx.user.username


def story_corrections(store: Store, story_id: int) -> dict[str, Any]:
    """What the story page's corrections part shows: the story's posts and developments to choose from, and
    the corrections about it (newest first)."""
    s = adapters.story(store, story_id)
    posts = [
        {
            "id": m.post.id,
            "channel": m.post.channel,
            "date": m.post.date,
            "lead": views.lead_headline(m.post.text),
        }
        for m in s.members[:MAX_POSTS]
    ]
    devs = list(s.developments) or [s.id]
    log = [as_dict(c) for c in concerning(store, s.id)]
    return {"story_id": s.id, "posts": posts, "developments": devs, "log": log}


def _int(ctx: Ctx, name: str) -> int:
    return views.parse_int(ctx.form.get(name), name, 0, 1)


ACTIONS: dict[str, Callable[[Ctx, int], Correction]] = {
    "merge": lambda ctx, sid: use.merge_stories(ctx.store, sid, _int(ctx, "other"), by(ctx)),
    "move": lambda ctx, sid: use.move_post(ctx.store, _int(ctx, "post"), _int(ctx, "other"), by(ctx)),
    "detach": lambda ctx, sid: use.detach_post(ctx.store, _int(ctx, "post"), by(ctx)),
    "split": lambda ctx, sid: use.split_story(ctx.store, sid, _int(ctx, "development"), by(ctx)),
    "not-news-story": lambda ctx, sid: use.mark_not_news(ctx.store, "story", sid, by(ctx)),
    "not-news-post": lambda ctx, sid: use.mark_not_news(ctx.store, "post", _int(ctx, "post"), by(ctx)),
}


@route("/stories/{story_id:int}/corrections", ANALYST, ("POST",))
def correct_story(ctx: Ctx) -> Response:
    """One correction from the story page's forms (``action`` names it)."""
    action = ctx.form.get("action", "")
    if action not in ACTIONS:
        raise InputError("action", f"one of {', '.join(ACTIONS)}, not {action[:40]!r}")
    sid = ctx.path_params["story_id"]
    c = ACTIONS[action](ctx, sid)
    return RedirectResponse(f"/stories/{story_after(ctx.store, c, sid) or sid}", status_code=303)


@route("/corrections", ANALYST)
def corrections_page(ctx: Ctx) -> View:
    limit = views.parse_int(ctx.param("limit"), "limit", 200, 1, 5000)
    return View("corrections.html", {"corrections": [as_dict(c) for c in ctx.store.corrections.list(limit)]})


@route("/corrections/{correction_id:int}/undo", ANALYST, ("POST",))
def correction_undo(ctx: Ctx) -> Response:
    use.undo(ctx.store, ctx.path_params["correction_id"], by(ctx))
    back = ctx.form.get("next") or "/corrections"
    if not back.startswith("/") or back.startswith("//") or "\\" in back:
        back = "/corrections"
    return RedirectResponse(back, status_code=303)
