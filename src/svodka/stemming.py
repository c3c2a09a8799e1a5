"""Snowball stemmers, one per language and thread.

A ``snowballstemmer`` stemmer keeps the word it is working on in itself (``current``, ``cursor``,
``limit``), so one stemmer shared by two threads (the web app's request threads, a digest built while a
page is served) corrupts both words or raises ``IndexError``. Every module that stems asks for its stemmer
here, at each call: :func:`snowball` gives the calling thread its own.
"""

from __future__ import annotations

import threading

import snowballstemmer

_ALGORITHMS = {"ru": "russian", "en": "english"}
_LOCAL = threading.local()


def snowball(lang: str) -> snowballstemmer.stemmer:
    """This thread's Snowball stemmer for ``lang`` (``ru``; anything else is English)."""
    stemmers: dict[str, snowballstemmer.stemmer] | None = getattr(_LOCAL, "stemmers", None)
    if stemmers is None:
        stemmers = _LOCAL.stemmers = {}
    key = "ru" if lang == "ru" else "en"
    found = stemmers.get(key)
    if found is None:
        found = stemmers[key] = snowballstemmer.stemmer(_ALGORITHMS[key])
    return found
