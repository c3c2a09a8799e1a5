"""The analyst's workflow: read / unread per user for stories and digests, marks that show their target's
title, and the digests list with name, topic, group and period in the display zone."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import suppress
from typing import Any

from svodka.digest.schema import local
from svodka.errors import InputError, NotFoundError, StoreError
from svodka.model import Mark
from svodka.store import Store
from svodka.store.base import READ_KINDS
from svodka.web import adapters, views
from svodka.web.framework import Ctx

log = logging.getLogger(__name__)

MAX_IDS = 200  # read / unread at once
_PAGES = {"story": "/stories/", "post": "/posts/"}  # a mark's target's page


def digest_rows(
    store: Store, rows: list[dict[str, Any]], tz: str, read: dict[int, Any] | None = None
) -> list[dict[str, Any]]:
    """Digests as the list shows them: the period in the display zone, the topic and group they were made
    for (from each one's document: a page of them), read or not (``read``: the user's, when given)."""
    out = []
    for r in rows:
        filters: dict[str, Any] = {}
        with suppress(NotFoundError):  # removed meanwhile: listed without its filters
            filters = dict(adapters.digest(store, r["id"]).get("filters") or {})
        out.append(
            {
                **r,
                "since": local(r["since"], tz),
                "until": local(r["until"], tz),
                "topic": filters.get("topic"),
                "group": filters.get("group"),
                "lang": filters.get("lang"),
                **({} if read is None else {"read": r["id"] in read}),
            }
        )
    return out


def mark_row(store: Store, m: Mark) -> dict[str, Any]:
    """A mark with its target's title and link (``title`` None when the target is no longer stored)."""
    title: str | None = None
    try:
        if m.kind == "story":
            title = views.headline(adapters.story(store, m.ref_id)) or f"Story {m.ref_id}"
        else:
            p = store.posts.get(m.ref_id)
            title = f"{p.channel}: {views.lead_headline(p.text) or f'{p.date:%Y-%m-%d %H:%M}'}"
    except NotFoundError:
        pass
    return {
        "kind": m.kind,
        "ref_id": m.ref_id,
        "note": m.note,
        "created_at": m.created_at,
        "title": title,
        "url": f"{_PAGES[m.kind]}{m.ref_id}",
    }


def mark_read(ctx: Ctx, kind: str, ref_id: int) -> bool:
    """The user has opened this story or digest (never fails the page it is called from); whether that was
    news to the store (a first view: a commit, so the store's change stamp moves)."""
    if ctx.user is None:
        return False
    try:
        return ctx.store.read_state.mark(ctx.user.id, kind, [ref_id]) > 0
    except StoreError as e:  # a read-only store still shows its pages
        log.info("could not keep %s %d as read: %s", kind, ref_id, e)
        return False


def targets(ctx: Ctx, kind: Any, ids: Iterable[Any]) -> tuple[str, list[int]]:
    """``(kind, ids)`` to mark read or unread, checked: a kind of READ_KINDS, 1…MAX_IDS ids that exist."""
    if kind not in READ_KINDS:
        raise InputError("kind", f"read or unread is kept for {' and '.join(READ_KINDS)}")
    found = []
    for raw in ids:
        i = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        # JSON's 5.0 is the integer 5; a form's field is text.
        if (isinstance(raw, float) and raw.is_integer()) or (isinstance(raw, str) and raw.strip().isdigit()):
            i = int(raw)
        if i is None or not 1 <= i < 2**63:
            raise InputError("ref_id", f"not an id: {raw!r}")
        found.append(i)
    if not found or len(found) > MAX_IDS:
        raise InputError("ref_id", f"name 1 to {MAX_IDS} ids")
    for i in found:  # each must exist: 404 otherwise
        if kind == "story":
            adapters.story(ctx.store, i)
        else:
            ctx.store.digests.get(i)
    return kind, found
