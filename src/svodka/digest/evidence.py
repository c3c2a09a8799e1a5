"""A story's credibility evidence in the Telegram bot's messages: coordinated posting, coverage by channel
group, how the sources differ, and the digest's «only in …» sections (Telegram's HTML parse mode).

The Markdown, HTML and JSON renderings show the same from :mod:`svodka.digest.render` and its templates;
the print layout (PDF) from its partials ``_print_evidence.html.j2`` and ``_print_only_in.html.j2``. Each
label is English, written through the ``digest`` domain's translator, so the bot speaks the digest's language.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime

from svodka.digest.model import Digest, DigestItem
from svodka.digest.schema import local
from svodka.digest.voice import said_marks
from svodka.i18n import translator
from svodka.links import safe_url

Gettext = Callable[[str], str]


def _when(dt: datetime, tz: str) -> str:
    return local(dt, tz).strftime("%Y-%m-%d %H:%M")


def _link(label: str, url: str | None) -> str:
    """``label`` linked to ``url`` when that is a safe link, else the label alone (escaped)."""
    url = safe_url(url)
    name = html.escape(label)
    return f'<a href="{html.escape(url, quote=True)}">{name}</a>' if url else name


def coordinated_piece(it: DigestItem, tz: str, _: Gettext) -> str | None:
    """«⚠ Coordinated: the same text in 3 unrelated channels within 15 min, sharing erid …» and its posts."""
    c = it.card.coordinated
    if c is None:
        return None
    text = _("the same text in {channels} unrelated channels within {minutes} min, sharing {marks}").format(
        channels=len(c.channels), minutes=c.minutes, marks=said_marks(c.marks, _)
    )
    if c.only:
        text += "; " + _("no independent report")
    posts = ", ".join(f"{_link(p.channel, p.url)} {local(p.date, tz):%H:%M}" for p in c.posts)
    label = _("Coordinated")
    return f"⚠ <b>{html.escape(label)}</b>: {html.escape(text)} ({posts})"


def coverage_piece(it: DigestItem, tz: str, _: Gettext) -> str | None:
    """«Groups: официальные 2 (first ТАСС, 12:05) · …», or None for a story no group carries."""
    if not it.card.groups:
        return None
    parts = [
        _("{group} {channels} (first {channel}, {time})").format(
            group=g.group, channels=len(g.channels), channel=g.first_channel, time=_when(g.first_date, tz)
        )
        for g in it.card.groups
    ]
    label = _("Groups")
    return f"<i>{html.escape(label)}: {html.escape(' · '.join(parts))}</i>"


def differences_pieces(it: DigestItem, _: Gettext) -> list[str]:
    """«How sources differ:» and one line per difference, each quote linked to its post."""
    if not it.differences:
        return []
    label = _("How sources differ")
    out = [f"<i>{html.escape(label)}:</i>"]
    for d in it.differences:
        if d.kind == "conflict":
            head = _("figures conflict on {subject}").format(subject=d.subject)
        else:
            head = _("only {sources} of {of} sources").format(sources=d.sources, of=d.of)
        quotes = "; ".join(f"«{html.escape(q.sentence)}» — {_link(q.channel, q.url)}" for q in d.quotes)
        out.append(f"≠ {html.escape(head)}: {quotes}")
    return out


def story_pieces(it: DigestItem, tz: str, language: str = "en") -> list[str]:
    """The evidence lines of one story's block in the bot's message."""
    _ = translator(language, "digest").gettext
    pieces = [p for p in (coordinated_piece(it, tz, _), coverage_piece(it, tz, _)) if p]
    return pieces + differences_pieces(it, _)


def only_in_pieces(digest: Digest, language: str = "en") -> list[str]:
    """The «only in …» sections: per group a heading, then its stories each linked to its headline's post."""
    _ = translator(language, "digest").gettext
    tz = digest.query.tz
    out: list[str] = []
    for section in digest.only_in:
        heading = _("Only in «{group}»").format(group=section.group)
        out.append(f"\n<b>{html.escape(heading)}</b>")
        for st in section.stories:
            h, c = st.headline, st.coverage
            line = _("{channels} channels, {posts} posts; first {channel}, {time}").format(
                channels=st.channels, posts=st.posts, channel=c.first_channel, time=_when(c.first_date, tz)
            )
            out.append(f"• {html.escape(h.text)} — {_link(h.channel, h.url)} <i>{html.escape(line)}</i>")
    return out
