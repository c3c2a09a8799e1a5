"""Digests: compose (select, rank, card, summarise), render (Markdown, HTML, PDF, JSON, Telegram), deliver.

The API the rest of svodka calls::

    from svodka.digest import DigestQuery, build_digest, render_markdown, render_html
    digest = build_digest(store_or_stories, DigestQuery(since, until, top=15, tz="Europe/Moscow"))
    Path("digest.md").write_text(render_markdown(digest))
"""

from svodka.digest.compose import DigestOptions, build_digest, save_digest
from svodka.digest.model import Digest, DigestItem, DigestQuery, StoryCard
from svodka.digest.render import render_html, render_json, render_markdown, render_telegram, to_dict

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
