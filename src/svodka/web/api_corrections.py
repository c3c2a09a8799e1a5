"""Analysts' corrections in the JSON API (analyst role and above; an API key or a session):

* ``GET /api/corrections``: the log, newest first, paged (``limit``, ``offset``), or only the corrections of
  one story (``story``: its own, its developments' and its posts');
* ``POST /api/corrections/{kind}`` for ``merge``, ``move``, ``detach``, ``split`` and ``not-news``, each
  with a JSON body naming what it corrects (:data:`BODIES`, documented in :mod:`svodka.web.openapi`);
* ``POST /api/corrections/{id}/undo``.

svodka.process.corrections does the work, as for the CLI and the story page's forms (svodka.web.corrections:
what both share). A correction the store's state refuses (a story merged with itself, an undo undone)
answers 409 with the one line the CLI prints after ``error:``, as the forms do (svodka.web.framework); an
unknown story, post or correction 404; a body that is not what the kind takes 400.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from svodka.errors import InputError, NotFoundError
from svodka.model import MOVE, NOT_NEWS_POST, Correction
from svodka.pipeline.corrections import as_dict
from svodka.process import corrections as use
from svodka.web import views
from svodka.web.corrections import by, concerning, story_after
from svodka.web.framework import Ctx, json_response, route
from svodka.web.pages import ANALYST

MAX_LIMIT = 200
MAX_ID = 2**63 - 1  # ids are 64-bit integers in both stores
# What each kind's body names: its keys, all required (not-news: a story or a post, one of them).
BODIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "merge": (("story", "other"),),
    "move": (("post", "story"),),
    "detach": (("post",),),
    "split": (("story", "development"),),
    "not-news": (("story",), ("post",)),
}


def _ids(ctx: Ctx, kind: str) -> dict[str, int]:
    """The body's ids, checked against the shapes ``kind`` takes (a one-line 400 otherwise)."""
    body = ctx.body
    shapes = BODIES[kind]
    said = " or ".join("{" + ", ".join(f"{k}: id" for k in keys) + "}" for keys in shapes)
    if not isinstance(body, dict) or tuple(sorted(body)) not in {tuple(sorted(k)) for k in shapes}:
        raise InputError("body", f"{kind} takes {said}")
    return {key: _ref(key, value) for key, value in body.items()}


def _ref(name: str, value: object) -> int:
    """An id as JSON gives it (``5`` or ``5.0``, as JSON Schema's integer allows; a query's digits): a
    whole number ≥ 1, else a 400; one beyond the store's 64-bit ids names nothing (404)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(name, "must be a whole number ≥ 1")
    if value > MAX_ID:
        raise NotFoundError(f"no {name} with id {value}")
    return value


def _answer(ctx: Ctx, c: Correction, status: int) -> Response:
    story = None
    if c.kind != NOT_NEWS_POST:
        story = story_after(ctx.store, c, c.target if c.kind == MOVE else c.subject)
    return json_response({"correction": as_dict(c), "story": story}, status)


ACTIONS: dict[str, Callable[[Ctx, dict[str, int]], Correction]] = {
    "merge": lambda ctx, b: use.merge_stories(ctx.store, b["story"], b["other"], by(ctx)),
    "move": lambda ctx, b: use.move_post(ctx.store, b["post"], b["story"], by(ctx)),
    "detach": lambda ctx, b: use.detach_post(ctx.store, b["post"], by(ctx)),
    "split": lambda ctx, b: use.split_story(ctx.store, b["story"], b["development"], by(ctx)),
    "not-news": lambda ctx, b: use.mark_not_news(
        ctx.store, "story" if "story" in b else "post", b.get("story") or b["post"], by(ctx)
    ),
}


def _correct(kind: str) -> Callable[[Ctx], Response]:
    def handler(ctx: Ctx) -> Response:
        ids = _ids(ctx, kind)
        return _answer(ctx, ACTIONS[kind](ctx, ids), 201)

    handler.__name__ = f"api_correct_{kind.replace('-', '_')}"
    return handler


for _kind in BODIES:
    route(f"/api/corrections/{_kind}", ANALYST, ("POST",))(_correct(_kind))


@route("/api/corrections", ANALYST)
def api_corrections(ctx: Ctx) -> dict[str, Any]:
    """The log, newest first: every correction, or those of one story."""
    limit = views.parse_int(ctx.param("limit"), "limit", 50, 1, MAX_LIMIT)
    offset = views.parse_int(ctx.param("offset"), "offset", 0, 0, 10**6)
    story = ctx.param("story")
    if story is None:
        found = ctx.store.corrections.list(limit + offset + 1)
    else:
        found = concerning(ctx.store, _ref("story", story))
    page = found[offset : offset + limit]
    more = len(found) > offset + limit
    return {
        "corrections": [as_dict(c) for c in page],
        "offset": offset,
        "next_offset": offset + limit if more else None,
    }


@route("/api/corrections/{correction_id:int}/undo", ANALYST, ("POST",))
def api_correction_undo(ctx: Ctx) -> Response:
    ref = _ref("correction", ctx.path_params["correction_id"])
    return _answer(ctx, use.undo(ctx.store, ref, by(ctx)), 200)
