"""Words and messages the pages show that come from data or code, not templates: marked here for the
``web`` catalog (``pybabel extract -k N_``) and translated where they are shown, by :func:`say` (the ``label``
filter: ``{{ s.status|label }}``, ``{{ message|label }}``).

A message is found whole, or as one of the catalog's patterns (``"not a whole number: %(value)s"`` reads
``"not a whole number: 'x'"``), also after the ``field: `` an InputError starts with. What is in no catalog
(a channel name, a message of another layer) is shown as it is.
"""

from __future__ import annotations

import re
from functools import cache

from svodka.i18n import translator

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_FIELD = re.compile(r"[a-z][a-z_]*")  # an InputError's "field: " (a form field or query parameter)
_NUMBERS = {"id": r"\d+", "n": r"[\d.,]+", "num": r"[\d.,]+"}  # placeholders that only ever hold a number


def N_(message: str) -> str:  # gettext's name for "mark only"
    """Mark ``message`` for the catalog; it is translated where it is shown."""
    return message


COLUMNS = {  # the search export's columns (svodka.web.exports.SEARCH_COLUMNS)
    "rank": N_("rank"),
    "date": N_("date"),
    "channel": N_("channel"),
    "text": N_("text"),
    "url": N_("url"),
    "views": N_("views"),
    "forwards": N_("forwards"),
    "post_id": N_("post_id"),
}
TOPICS = {  # svodka.pipeline.story_topics.TOPICS
    "politics": N_("politics"),
    "economy": N_("economy"),
    "society": N_("society"),
    "incidents": N_("incidents"),
    "war and security": N_("war and security"),
    "technology": N_("technology"),
    "science": N_("science"),
    "sport": N_("sport"),
    "culture": N_("culture"),
    "other": N_("other"),
}


def topic(key: str, language: str) -> str:
    """A story topic (``politics``) as the page's language names it; an unknown one as it is."""
    return translator(language, "web").gettext(TOPICS[key]) if key in TOPICS else key


WORDS = (
    # sorts (svodka.web.stories_browser.SORT_NAMES, views.SEARCH_SORTS)
    N_("by independent sources"),
    N_("by posts"),
    N_("by first seen"),
    N_("by last active"),
    N_("by relevance"),
    N_("by date"),
    # how a post copies another (svodka.web.provenance)
    N_("forward"),
    N_("near-duplicate"),
    # a source's state on the health page (views.health_page)
    N_("ok"),
    N_("failing"),
    N_("never collected"),
    # roles (svodka.model.ROLES), mark kinds, network states (svodka.model.NETWORK_STATES)
    N_("viewer"),
    N_("analyst"),
    N_("admin"),
    N_("post"),
    N_("story"),
    N_("proposed"),
    N_("confirmed"),
    N_("declared"),
    N_("dismissed"),
    # messages the web layer answers with (error pages, the login and watchlist forms)
    N_("no such page"),
    N_("no such record"),
    N_("login required"),
    N_("the login form has expired; reload it"),
    N_("the form has expired or did not come from svodka; reload it"),
    N_("the current password is wrong"),
    N_("you cannot remove yourself"),
    N_("only its owner or an admin removes a watchlist"),
    N_("a watchlist's feed needs the analyst role"),
    N_("wrong user name or password"),
    N_("this needs the viewer role"),
    N_("this needs the analyst role"),
    N_("this needs the admin role"),
)

MESSAGES = (  # what the web layer's InputError, NotFoundError and login refusals say (after "field: ")
    N_("a mark is on a post or a story"),
    N_("must be a whole number 0…5"),
    N_("name the channel: @name, t.me/name, a -100… id or a feed URL"),
    N_("say what to search for"),
    N_("no such key of yours"),
    N_("date out of range: %(value)s"),
    N_("must be between %(lo)s and %(hi)s, not %(value)s"),
    N_("must be true or false, not %(value)s"),
    N_("must have at least %(n)s characters"),
    N_("not a date (YYYY-MM-DD): %(value)s"),
    N_("not a language svodka tells apart: %(value)s (one of %(known)s)"),
    N_("not a topic: %(value)s (one of %(known)s)"),
    N_("not a whole number: %(value)s"),
    N_("not an id: %(value)s"),
    N_("read or unread is kept for %(kinds)s"),
    N_("search results are sorted by %(known)s, not %(value)s"),
    N_("stories are sorted by %(known)s, not %(value)s"),
    N_("unknown language %(value)s; use one of %(known)s"),
    N_("%(value)s is not a channel handle: write @name or t.me/name"),
    N_("%(value)s is not a page number (1, 2, …)"),
    N_("too many failed logins; try again in %(n)s s"),
    N_("no question topic %(id)s"),
)


@cache
def _patterns(language: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The catalog's messages with placeholders, each as a pattern of its English and its translation."""
    catalog: dict[object, str] = getattr(translator(language, "web"), "_catalog", {})
    found = []
    for english, text in catalog.items():
        if isinstance(english, str) and english != text and _PLACEHOLDER.search(english):
            parts = _PLACEHOLDER.split(english)  # literal, name, literal, name, …
            literal = sum(len(p) for p in parts[::2])
            numeric = all(name in _NUMBERS for name in parts[1::2])
            if literal < 8 and not numeric:  # "%(who)s (…)": it would read the end of many a message
                continue
            pattern = "".join(
                re.escape(part) if i % 2 == 0 else f"(?P<{part}>{_NUMBERS.get(part, '.+?')})"
                for i, part in enumerate(parts)
            )
            found.append((literal, re.compile(pattern + r"\Z", re.S), text))
    found.sort(key=lambda f: -f[0])  # the most specific first
    return tuple((pattern, text) for _literal, pattern, text in found)


def say(message: str, language: str) -> str:
    """``message`` in ``language`` when the catalog knows it (whole, as a pattern, or after ``field: ``)."""
    say_one = translator(language, "web").gettext
    if language == "en" or not message:
        return message
    if (text := say_one(message)) != message:
        return text
    for pattern, text in _patterns(language):
        if (m := pattern.match(message)) is not None:
            return text % m.groupdict()
    field, sep, reason = message.partition(": ")
    if sep and reason and _FIELD.fullmatch(field) and (text := say(reason, language)) != reason:
        return f"{field}: {text}"
    return message
