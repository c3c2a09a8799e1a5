"""Which URLs svodka keeps and shows: :func:`safe_url`, the one check for every link from outside.

Links come from files (JSONL/CSV ``url``, Telegram exports' entities), feeds (``<item><link>``) and pages;
any of them may be ``javascript:alert(1)`` or ``data:text/html,…``, which a page would turn into script.
``safe_url`` is applied where a URL enters (the importers and the feed reader store only what it returns)
and again where one is rendered (web pages, digests): one function, so the two cannot disagree.

Only ``http:``, ``https:`` and ``tg:`` pass. The checks follow what a browser does with an ``href``: leading
and trailing control characters and spaces are dropped, tabs and line breaks anywhere are removed (so
``java\\tscript:`` is ``javascript:``), other control characters are removed, and the scheme is compared
without regard to case (`` JaVaScRiPt:`` is refused). A bare web address as Telegram writes a link
(``github.com/x``) becomes ``http://github.com/x``, as Telegram's clients open it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ALLOWED_SCHEMES = frozenset(("http", "https", "tg"))

_EDGES = "".join(chr(c) for c in range(0x21))  # C0 controls and space, stripped at both ends
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")  # tab and line breaks included: a browser drops them
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_BARE_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?::\d{1,5})?(?:[/?#]|$)"
)
MAX_URL = 8192  # longer is not a link anyone follows (and would bloat every row that holds it)


def safe_url(url: object) -> str | None:
    """``url`` cleaned, if it is an http(s) or ``tg:`` URL (or a bare web address); else None.

    >>> safe_url(" JaVaScRiPt:alert(1)") is None, safe_url("java\\tscript:x") is None
    (True, True)
    >>> safe_url("HTTPS://example.org/a b"), safe_url("t.me/durov"), safe_url("tg://resolve?domain=x")
    ('HTTPS://example.org/a b', 'http://t.me/durov', 'tg://resolve?domain=x')
    """
    if not isinstance(url, str):
        return None
    clean = _CONTROLS.sub("", url.strip(_EDGES))
    if not clean or len(clean) > MAX_URL:
        return None
    m = _SCHEME.match(clean)
    if m:
        scheme = m.group(1).lower()
        if scheme not in ALLOWED_SCHEMES:
            # "localhost:8080/x" is not a scheme but a host; still not a URL we can tell is safe
            return None
        if scheme != "tg" and not clean[m.end() :].startswith("//"):
            return None  # "http:evil" is a relative path to a browser, not a web address
        return clean
    if _BARE_HOST.match(clean):
        return "http://" + clean
    return None


def safe_urls(urls: Iterable[object]) -> tuple[str, ...]:
    """The safe ones of several URLs, cleaned, in order, each once."""
    return tuple(dict.fromkeys(u for u in map(safe_url, urls) if u))


def telegram_post_url(handle: str | None, ext_id: str | None, message_id: int) -> str | None:
    """Telegram's link to a post: ``https://t.me/<handle>/<msg>`` (opens in any browser) when the
    channel's handle is known, else ``https://t.me/c/<id>/<msg>`` (opens only for a member, in the app)."""
    if handle:
        return f"https://t.me/{handle.lstrip('@')}/{message_id}"
    if ext_id:
        return f"https://t.me/c/{ext_id}/{message_id}"
    return None


def opens_publicly(url: str | None) -> bool:
    """Whether a post link opens for anyone: not a ``t.me/c/…`` member-only link (nor missing)."""
    return bool(url) and "://t.me/c/" not in (url or "")


def public_post_url(url: str | None, post_id: int, public_url: str = "") -> tuple[str | None, str | None]:
    """A post's link for readers, and a secondary one: the post's own URL when it opens for anyone
    (``https://t.me/<handle>/<msg>``, a feed item's page); else, with svodka's web app at ``public_url``
    (setting ``web.public_url``), the post's page there with the ``t.me/c`` link second; else the
    ``t.me/c`` link alone. Both pass :func:`safe_url` (an unsafe one is dropped)."""
    own = safe_url(url) if url else None
    if opens_publicly(own) or not public_url:
        return own, None
    page = safe_url(f"{public_url.rstrip('/')}/posts/{post_id}")
    return (page, own) if page else (own, None)
