"""Rendered parts of a page kept per distinct input: the story page's timeline and channel table, and the
corrections part's list of posts, are most of its rendering (a few ms on a big story) and the same for
everyone who reads that story in that language.

A template asks for a part with ``{{ fragment("_story_timeline.html", thread=thread, …) }}``: the part is
rendered from exactly the values it is given (plus the page's language and display zone, which the filters
read), so those values — the data the JSON API shows for the same page — are its whole input, and a digest of
them (their JSON, as :func:`svodka.web.framework.json_response` writes it) is its key. An edit, a new post, a
not-news mark, a channel's new tier or new statistics change that data and so render the part afresh on the
next request; a repeated request renders nothing.
"""

from __future__ import annotations

import hashlib

import orjson
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from svodka.web.story_model import Memo

CACHED_FRAGMENTS = 1024  # rendered parts kept: a few per story page read (timeline, channels, posts list)

RENDERED: Memo[Markup] = Memo(CACHED_FRAGMENTS)


def digest(values: dict[str, object]) -> bytes:
    """A key for ``values``: the hash of their JSON (what is not JSON as its text, as the API writes it)."""
    data = orjson.dumps(values, option=orjson.OPT_NON_STR_KEYS, default=str)
    return hashlib.blake2b(data, digest_size=16).digest()


@pass_context
def fragment(context: Context, template: str, **values: object) -> Markup:
    """``template`` rendered from ``values`` and the page's language and display (the zone times are shown
    in), once per distinct input."""
    lang, display = context.get("lang"), context.get("display")
    key = (template, lang, display, digest(values))

    def render() -> Markup:
        names = {**values, "lang": lang, "display": display}
        return Markup(context.environment.get_template(template).render(names))

    return RENDERED.get(key, render)
