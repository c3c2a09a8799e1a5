"""Digests: compose (select, rank, card, summarise), render (Markdown, HTML, PDF, JSON, Telegram), deliver.

The API the rest of svodka calls::

    from svodka.digest import DigestQuery, build_digest, render_markdown, render_html
    digest = build_digest(store_or_stories, DigestQuery(since, until, top=15, tz="Europe/Moscow"))
    Path("digest.md").write_text(render_markdown(digest))

The names are imported on first use, so a module that needs one part of the package (``digest.period``,
``digest.schema``…) does not import the composer and its pipeline with it (the CLI's start: issue 18).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from svodka.lazy import exports

if TYPE_CHECKING:
    from svodka.digest.compose import DigestOptions, build_digest, save_digest
    from svodka.digest.model import Digest, DigestItem, DigestQuery, StoryCard
    from svodka.digest.render import render_html, render_json, render_markdown, render_telegram, to_dict

_HOME = {
    "DigestOptions": "compose",
    "build_digest": "compose",
    "save_digest": "compose",
    "Digest": "model",
    "DigestItem": "model",
    "DigestQuery": "model",
    "StoryCard": "model",
    "render_html": "render",
    "render_json": "render",
    "render_markdown": "render",
    "render_telegram": "render",
    "to_dict": "render",
}
__all__ = [
    "Digest",
    "DigestItem",
    "DigestOptions",
    "DigestQuery",
    "StoryCard",
    "build_digest",
    "render_html",
    "render_json",
    "render_markdown",
    "render_telegram",
    "save_digest",
    "to_dict",
]


__getattr__ = exports(__name__, _HOME)
