"""Renderers: JSON (the documented schema, docs/digest-schema.md; its shape is :mod:`svodka.digest.schema`),
Markdown, standalone HTML, Telegram.

Every renderer shows the same things: per story the headline, the key sentences each linked to its post,
the card (first reporter and time, channels, posts, languages, single-source flag, topic), the "update"
mark, and why the story ranks where it does. Times are shown in the digest's time zone. The title is the
digest's name (:attr:`Digest.name`), the period under it. A citation whose link is the post's page in
svodka's web app carries the ``t.me/c`` link as ``Cited.alt_url``: the HTML and Telegram renderings show it
small beside the channel's name (a member opens it in Telegram); Markdown and text keep one link each.
PDF and DOCX are :mod:`svodka.digest.pdf` and :mod:`svodka.digest.docx` (a compact print layout).
"""

from __future__ import annotations

import copy
import html
import re
from datetime import datetime
from functools import lru_cache

import jinja2

from svodka.digest.evidence import only_in_pieces, story_pieces
from svodka.digest.model import Digest, DigestItem, OnlyInStory, StoryCard
from svodka.digest.schema import CitedDoc, DigestDocument, to_dict
from svodka.digest.schema import local as _local
from svodka.digest.schema import zone as zone  # callers name it from here
from svodka.i18n import translator
from svodka.links import safe_url
from svodka.pipeline.differences import Quote
from svodka.pipeline.summarize import Cited

TELEGRAM_LIMIT = 4096


def _fmt(dt: datetime, tz: str) -> str:
    return _local(dt, tz).strftime("%Y-%m-%d %H:%M")


def render_json(digest: Digest) -> str:
    import orjson

    return orjson.dumps(digest_links(to_dict(digest)), option=orjson.OPT_INDENT_2).decode()


def digest_links(doc: DigestDocument) -> DigestDocument:
    """``doc`` with each of its links checked again by :func:`~svodka.links.safe_url` (a document stored
    before the check, or by an older version, holds them as they were): a link that fails is None, so every
    renderer of the document shows it as text."""
    out = copy.deepcopy(doc)
    for it in out.get("items") or ():
        abstract = it.get("abstract")
        cited: list[CitedDoc] = [it["headline"]] if it.get("headline") else []
        cited += [*(it.get("sentences") or ()), *((abstract.get("refs") or ()) if abstract else ())]
        for c in cited:
            if "url" in c:
                c["url"] = safe_url(c["url"])
            if "alt_url" in c:
                c["alt_url"] = safe_url(c["alt_url"])
        card = it.get("card")
        if card and "first_url" in card:
            card["first_url"] = safe_url(card["first_url"])
    return out


def card_line(it: DigestItem, tz: str, flag: bool = True) -> str:
    c = it.card
    parts = [
        f"first: {c.first_channel}, {_fmt(c.first_date, tz)}",
        f"{len(c.channels)} channel{'s' if len(c.channels) != 1 else ''}",
        f"{c.posts} post{'s' if c.posts != 1 else ''}",
        f"{c.independent} independent",
    ]
    if c.languages:
        parts.append("/".join(c.languages))
    parts.append(c.topic)
    if flag and c.single_source:
        parts.append("SINGLE SOURCE — unconfirmed")
    return " · ".join(parts)


def coverage_line(card: StoryCard, tz: str) -> str:
    """«groups: официальные 2 (first ТАСС, 12:05) · независимые 1 (first Медуза, 13:10)», "" if none."""
    parts = [
        f"{g.group} {len(g.channels)} (first {g.first_channel}, {_fmt(g.first_date, tz)})"
        for g in card.groups
    ]
    return "groups: " + " · ".join(parts) if parts else ""


def only_in_line(s: OnlyInStory, tz: str) -> str:
    """One story of an «only in …» section, after its headline: «3 channels, 4 posts; first ТАСС, …»."""
    c = s.coverage
    return f"{s.channels} channels, {s.posts} posts; first {c.first_channel}, {_fmt(c.first_date, tz)}"


def _md_escape(text: str) -> str:
    """Text as Markdown shows it: link and emphasis marks escaped, and no HTML (``<``, ``>``, ``&`` as
    entities), so a post's ``<script>`` or ``[x](javascript:…)`` is shown as the words it is."""
    return (
        text.replace("\\", "\\\\")
        .replace("[", "\\[")
        .replace("]", "\\]")
        .replace("*", "\\*")
        .replace("_", "\\_")
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def digest_title(digest: Digest) -> str:
    """The digest's name (:attr:`Digest.name`: the job's name, else what its filters and period say)."""
    return digest.name or "Digest"


def digest_period(digest: Digest) -> str:
    """The period as every rendering shows it under the title: «2024-12-01 00:00 – 2024-12-02 00:00 (UTC)»."""
    q, tz = digest.query, digest.query.tz
    return f"{_fmt(q.since, tz)} – {_fmt(q.until, tz)} ({tz})"


def digest_subject(digest: Digest) -> str:
    """An e-mail's subject: «Digest: noon · 2024-12-03 12:00 – 2024-12-04 12:00 (UTC)» (a job's name alone
    would be the same every day)."""
    return f"Digest: {digest_title(digest)} · {digest_period(digest)}"


def storyline_label(it: DigestItem, language: str = "en") -> str:
    """« · update: 3 new developments · storyline #12» for an item of a storyline (pipeline.storylines)."""
    tr = translator(language, "digest")
    parts = []
    if it.update and it.new_developments:
        n = it.new_developments
        parts.append(
            tr.ngettext("update: %(num)s new development", "update: %(num)s new developments", n) % {"num": n}
        )
    if it.storyline is not None:
        parts.append(tr.gettext("storyline #%(id)s") % {"id": it.storyline})
    return "".join(" · " + p for p in parts)


def render_markdown(digest: Digest) -> str:
    q = digest.query
    tz = q.tz
    lines = [f"# {_md_escape(digest_title(digest))}", "", f"Digest {digest_period(digest)}", ""]
    filters = ", ".join(
        f"{k} {v}" for k, v in (("topic", q.topic), ("group", q.group), ("lang", q.lang)) if v
    )
    lines.append(
        f"{len(digest.items)} of {digest.stories_considered} stories"
        + (f"; {_md_escape(filters)}" if filters else "")
        + (f"; {digest.repeats_skipped} already shown without news" if digest.repeats_skipped else "")
    )
    lines.append("")
    for it in digest.items:
        h = it.summary.headline
        mark = "**UPDATE** " if it.update else ""
        lines.append(f"## {it.rank}. {mark}{_md_escape(h.text)} ({_link_md(h)})")
        lines.append("")
        lines.append(
            f"*{_md_escape(card_line(it, tz))}*"
            + (f" — {it.new_posts} new posts" if it.update else "")
            + _md_escape(storyline_label(it))
        )
        lines.append("")
        if cov := coverage_line(it.card, tz):
            lines += [f"*{_md_escape(cov)}*", ""]
        if co := it.card.coordinated:  # the evidence: the seeded posts, linked
            seeded = ", ".join(_link_md(Cited(p.channel, p.post_id, p.channel, p.url, "")) for p in co.posts)
            lines += [f"**⚠ {_md_escape(co.line())}** ({seeded})", ""]
        for c in it.summary.sentences:
            new = "**new:** " if it.is_new(c) else ""
            lines.append(f"- {new}{_md_escape(c.text)} — {_link_md(c)}")
        if it.differences:
            lines += ["", "How sources differ:"]
            for d in it.differences:
                quotes = "; ".join(f"«{_md_escape(q.sentence)}» — {_link_md(_quoted(q))}" for q in d.quotes)
                lines.append(f"- {_md_escape(d.line())}: {quotes}")
        if it.summary.abstract:
            lines.append("")
            a = it.summary.abstract
            refs = "; ".join(f"\\[{n}\\] {_link_md(c)}" for n, c in enumerate(a.refs, 1))
            lines.append(f"> {_md_escape(a.text)}")
            lines.append(">")
            lines.append(f"> {refs}")
        lines.append("")
        lines.append(f"<sub>score {it.score.explain()}</sub>")
        lines.append("")
    for section in digest.only_in:
        lines += [f"## Only in «{_md_escape(section.group)}»", ""]
        for st in section.stories:
            h = st.headline
            lines.append(f"- {_md_escape(h.text)} ({_link_md(h)}) — {_md_escape(only_in_line(st, tz))}")
        lines.append("")
    if digest.credibility:
        lines += ["## Channels cited: credibility", ""]
        lines += [f"- {_md_escape(line)}" for line in digest.credibility]
        lines.append("")
    return "\n".join(lines)


def _quoted(q: Quote) -> Cited:
    return Cited(q.sentence, q.post_id, q.channel, q.url, "")


def _link_md(c: Cited) -> str:
    label = _md_escape(c.channel)
    url = safe_url(c.url)
    if not url:  # javascript:, data: … are shown as the channel name alone
        return label
    for char, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        url = url.replace(char, code)  # keep the link syntax whole
    return f"[{label}]({url})"


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("svodka.digest", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translator("en", "digest"), newstyle=True)  # type: ignore[attr-defined]
    env.filters["safe_url"] = safe_url  # every href the template writes passes svodka.links.safe_url
    return env


def render_html(digest: Digest) -> str:
    """A standalone page (inline CSS, no scripts, no remote assets) that prints well."""
    tz = digest.query.tz
    return (
        _env()
        .get_template("digest.html.j2")
        .render(
            title=digest_title(digest),
            period=digest_period(digest),
            digest=digest,
            cards={it.rank: card_line(it, tz, flag=False) for it in digest.items},
            coverage={it.rank: coverage_line(it.card, tz) for it in digest.items},
            only_in_line=lambda st: only_in_line(st, tz),
            fmt=lambda dt: _fmt(dt, tz),
        )
    )


def render_telegram(digest: Digest, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Messages in Telegram's HTML parse mode, each at most ``limit`` characters.

    A message is cut only between whole pieces (a heading, a sentence with its link), never inside a tag,
    an entity or a URL; a single piece longer than the limit is cut at a space inside its plain text.
    """
    tz = digest.query.tz
    pieces: list[str] = [
        f"<b>{html.escape(digest_title(digest))}</b>\n<i>{html.escape(digest_period(digest))}</i>"
    ]
    for it in digest.items:
        h = it.summary.headline
        mark = "UPDATE · " if it.update else ""
        block = [
            f"\n<b>{it.rank}. {mark}{html.escape(h.text)}</b> {_link_tg(h)}",
            f"<i>{html.escape(card_line(it, tz))}</i>",
        ]
        block += [
            f"• {'<b>new:</b> ' if it.is_new(c) else ''}{html.escape(c.text)} {_link_tg(c)}"
            for c in it.summary.sentences
        ]
        pieces += block + story_pieces(it, tz)  # coordinated, groups, differences (digest.evidence)
    return pack(pieces + only_in_pieces(digest), limit)


def _link_tg(c: Cited) -> str:
    """«— Channel» linked to the post; in Telegram a member opens a ``t.me/c`` link, so it follows, small."""
    name = html.escape(c.channel)
    url, alt = safe_url(c.url), safe_url(c.alt_url)
    link = f'— <a href="{html.escape(url, quote=True)}">{name}</a>' if url else f"— {name}"
    return link + (f' (<a href="{html.escape(alt, quote=True)}">t.me</a>)' if alt else "")


def pack(pieces: list[str], limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Join ``pieces`` with newlines into messages of at most ``limit`` characters, never splitting one."""
    out: list[str] = []
    cur = ""
    for piece in pieces:
        for part in _fit(piece, limit):
            joined = f"{cur}\n{part}" if cur else part
            if len(joined) <= limit:
                cur = joined
            else:
                out.append(cur)
                cur = part.lstrip("\n")
    if cur:
        out.append(cur)
    return out


def _fit(piece: str, limit: int) -> list[str]:
    """A piece longer than ``limit``: drop its markup and cut the plain text at spaces."""
    if len(piece) <= limit:
        return [piece]
    text = html.unescape(re.sub(r"<[^>]+>", "", piece))
    parts, cur = [], ""
    for word in text.split(" "):
        while len(word) > limit:  # a single "word" longer than a message (no URL reaches here)
            parts.append(html.escape(word[: limit // 6]))
            word = word[limit // 6 :]
        cand = f"{cur} {word}" if cur else word
        if len(html.escape(cand)) <= limit:
            cur = cand
        else:
            parts.append(html.escape(cur))
            cur = word
    if cur:
        parts.append(html.escape(cur))
    return parts


def render_text(digest: Digest, sentences: bool = False) -> str:
    """Plain text for a terminal: one block per story (rank, headline, card; key sentences if asked)."""
    tz = digest.query.tz
    lines = [f"{digest_title(digest)} — {digest_period(digest)}", ""]
    for it in digest.items:
        mark = "[update] " if it.update else ""
        lines.append(f"{it.rank:>2}. {mark}{it.summary.headline.text}")
        lines.append(f"    {card_line(it, tz)}")
        if url := safe_url(it.summary.headline.url):
            lines.append(f"    {url}")
        if sentences:
            lines += [f"    - {c.text} ({c.channel})" for c in it.summary.sentences]
    if not digest.items:
        lines.append("no stories in this period")
    return "\n".join(lines)
