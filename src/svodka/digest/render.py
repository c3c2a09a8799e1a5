"""Renderers: JSON (the documented schema, docs/digest-schema.md; its shape is :mod:`svodka.digest.schema`),
Markdown, standalone HTML, Telegram.

Every renderer shows the same things: per story the headline, the key sentences each linked to its post,
the card (first reporter and time, channels, posts, languages, single-source flag, topic), the "update"
mark, and why the story ranks where it does. Labels are in the digest's language, times in its zone
(:mod:`svodka.digest.voice`: ``digest.language``, ``display.tz``). The title is the
digest's name (:attr:`Digest.name`), the period under it. A citation whose link is the post's page in
svodka's web app carries the ``t.me/c`` link as ``Cited.alt_url``: the HTML, Markdown (and so the e-mail's
text), Telegram, PDF and DOCX renderings show it second, small (a member opens it in Telegram); the plain
text printed by the CLI keeps one link per story.
PDF and DOCX are :mod:`svodka.digest.pdf` and :mod:`svodka.digest.docx` (a compact print layout).
"""

from __future__ import annotations

import copy
import html
import re
from functools import lru_cache

import jinja2

from svodka.digest.evidence import item_evidence, only_in_line, only_in_pieces, story_pieces, template_words
from svodka.digest.model import Digest, DigestItem
from svodka.digest.schema import CitedDoc, DigestDocument, to_dict
from svodka.digest.schema import zone as zone  # callers name it from here
from svodka.digest.voice import (
    DIFFERENCES,
    N_,
    Voice,
    channel_label,
    coordinated_line,
    coverage_line,
    difference_line,
    language_name,
    only_in_title,
    quoted,
    term_note,
    topic_label,
)
from svodka.i18n import LANGUAGES, translator
from svodka.links import safe_url
from svodka.pipeline.differences import Quote
from svodka.pipeline.rank import StoryScore
from svodka.pipeline.summarize import Cited

TELEGRAM_LIMIT = 4096


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


def voice(digest: Digest) -> Voice:
    """The digest's language and zone (its query's, settled when it was composed)."""
    q = digest.query
    return Voice(q.language if q.language in LANGUAGES else "en", q.tz)


def card_line(it: DigestItem, v: Voice, flag: bool = True) -> str:
    c = it.card
    parts = [
        v._("first: %(channel)s, %(when)s")
        % {"channel": channel_label(c.first_channel), "when": v.when(c.first_date)},
        v.n("%(num)d channel", "%(num)d channels", len(c.channels)),
        v.n("%(num)d post", "%(num)d posts", c.posts),
        v.n("%(num)d independent", "%(num)d independent", c.independent),
    ]
    if languages := v.languages(c.languages):  # by name, and only where a post is in another language
        parts.append(languages)
    parts.append(topic_label(c.topic, v))
    if flag and c.single_source:
        parts.append(v._("SINGLE SOURCE — unconfirmed"))
    return " · ".join(parts)


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
    return digest.name or voice(digest)._("Digest")


def digest_period(digest: Digest) -> str:
    """The period as every rendering shows it under the title: «2024-12-01 00:00 – 2024-12-02 00:00 (UTC)»,
    in Russian «1 декабря 2024»."""
    return voice(digest).period(digest.query.since, digest.query.until)


def digest_heading(digest: Digest) -> str:
    """Under the title: «Digest 2024-12-01 00:00 – 2024-12-02 00:00 (UTC)» / «Сводка за 1 декабря 2024»."""
    return voice(digest)._("Digest %(period)s") % {"period": digest_period(digest)}


def named(digest: Digest) -> bool:
    """Whether the digest's name says more than its period: a job's name, or its filters (else the name is
    the period alone, and a line that shows both would say the period twice)."""
    q = digest.query
    return bool(q.name or q.topic or q.group or q.lang)


def digest_subject(digest: Digest) -> str:
    """An e-mail's subject: «Digest: noon · 2024-12-03 12:00 – 2024-12-04 12:00 (UTC)» (a job's name alone
    would be the same every day); a digest named by its period alone: its heading, «Сводка за 2 декабря
    2024»."""
    if not named(digest):
        return digest_heading(digest)
    v = voice(digest)
    return v._("Digest: %(title)s · %(period)s") % {
        "title": digest_title(digest),
        "period": digest_period(digest),
    }


def digest_meta(digest: Digest) -> str:
    """«15 of 120 stories; topic economy; 2 already shown without news»."""
    q, v = digest.query, voice(digest)
    labels = (
        (v._("topic"), q.topic and topic_label(q.topic, v)),
        (v._("group"), q.group),
        (v._("language"), q.lang and language_name(q.lang, v.language)),
    )
    parts = [
        v.n(
            "%(shown)d of %(num)d story",
            "%(shown)d of %(num)d stories",
            digest.stories_considered,
            shown=len(digest.items),
        )
    ]
    if filters := ", ".join(f"{k} {val}" for k, val in labels if val):
        parts.append(filters)
    if digest.repeats_skipped:
        parts.append(v._("%(num)d already shown without news") % {"num": digest.repeats_skipped})
    return "; ".join(parts)


def new_posts_label(it: DigestItem, v: Voice) -> str:
    return v.n("%(num)d new post", "%(num)d new posts", it.new_posts)


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


def card_marks(it: DigestItem, v: Voice) -> str:
    """The card line with what an update adds and its storyline, as the HTML card shows them: «… · 3 new
    posts · update: 2 new developments · storyline #12» (one separator, one style, in every rendering)."""
    new = f" · {new_posts_label(it, v)}" if it.update else ""
    return card_line(it, v) + new + storyline_label(it, v.language)


def render_markdown(digest: Digest) -> str:
    v = voice(digest)
    update, new = v._("UPDATE"), v._("new:")
    lines = [f"# {_md_escape(digest_title(digest))}", "", _md_escape(digest_heading(digest)), ""]
    lines.append(_md_escape(digest_meta(digest)))
    lines.append("")
    for it in digest.items:
        h = it.summary.headline
        mark = f"**{update}** " if it.update else ""
        lines.append(f"## {it.rank}. {mark}{_md_escape(h.text)} ({_link_md(h)})")
        lines.append("")
        lines.append(f"*{_md_escape(card_marks(it, v))}*")
        lines.append("")
        if cov := coverage_line(it.card.groups, v.when, v):
            lines += [f"*{_md_escape(cov)}*", ""]
        if co := it.card.coordinated:  # the evidence: the seeded posts, linked
            seeded = ", ".join(_link_md(Cited(p.channel, p.post_id, p.channel, p.url, "")) for p in co.posts)
            lines += [f"**⚠ {_md_escape(coordinated_line(co, v))}** ({seeded})", ""]
        for c in it.summary.sentences:
            fresh = f"**{new}** " if it.is_new(c) else ""
            lines.append(f"- {fresh}{_md_escape(c.text)} — {_link_md(c)}")
        if it.differences:
            lines += ["", v._(DIFFERENCES) + ":"]
            for d in it.differences:
                quotes = "; ".join(
                    f"{_md_escape(quoted(q.sentence))} — {_link_md(_quoted(q))}" for q in d.quotes
                )
                lines.append(f"- {_md_escape(difference_line(d, v))}: {quotes}")
        if it.summary.abstract:
            lines.append("")
            a = it.summary.abstract
            refs = "; ".join(f"\\[{n}\\] {_link_md(c)}" for n, c in enumerate(a.refs, 1))
            lines.append(f"> {_md_escape(a.text)}")
            lines.append(">")
            lines.append(f"> {refs}")
        if lines[-1]:  # a story without key sentences has its blank line already
            lines.append("")
        lines.append(f"<sub>{score_line(it.score, v)}</sub>")
        lines.append("")
    for section in digest.only_in:
        lines += [f"## {_md_escape(only_in_title(section.group, v))}", ""]
        for st in section.stories:
            h = st.headline
            lines.append(f"- {_md_escape(h.text)} ({_link_md(h)}) — {_md_escape(only_in_line(st, v))}")
        lines.append("")
    if digest.credibility:
        lines += ["## " + v._("Channels cited: credibility"), ""]
        lines += [f"- {_md_escape(line)}" for line in digest.credibility]
        lines.append("")
    return "\n".join(lines)


# The rank's terms (svodka.pipeline.rank) by name, for the «score» line.
TERM_LABELS = {
    "sources": N_("sources"),
    "depth": N_("depth"),
    "credibility": N_("credibility"),
    "reach": N_("reach"),
    "velocity": N_("velocity"),
    "recency": N_("recency"),
    "importance": N_("importance"),
}


def score_line(score: StoryScore, v: Voice) -> str:
    """«score 3.21 = sources +1.58 (3 independent), …» (:meth:`StoryScore.explain`) with the terms named in
    the digest's language (their notes are the rank's own)."""
    parts = ", ".join(
        f"{v._(TERM_LABELS.get(t.name, t.name))} {v.decimal(t.contribution, sign=True)}"
        f" ({term_note(t.note, v)})"
        for t in score.terms
    )
    label = v._("score")
    return f"{label} {v.decimal(score.score)} = {parts}"


def _quoted(q: Quote) -> Cited:
    return Cited(q.sentence, q.post_id, q.channel, q.url, "", q.alt_url)


def _link_md(c: Cited) -> str:
    """«[Channel](url)», and «([t.me](…))» after it when the link is the post's page in svodka's web app
    and Telegram's member link (``t.me/c``) comes second."""
    label = _md_escape(c.channel)
    url = safe_url(c.url)
    if not url:  # javascript:, data: … are shown as the channel name alone
        return label
    alt = safe_url(c.alt_url)
    return f"[{label}]({_md_url(url)})" + (f" ([t.me]({_md_url(alt)}))" if alt else "")


def _md_url(url: str) -> str:
    for char, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
        url = url.replace(char, code)  # keep the link syntax whole
    return url


@lru_cache(maxsize=len(LANGUAGES))
def _env(language: str = "en") -> jinja2.Environment:
    """The templates' environment with ``language``'s translations installed (one per language)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("svodka.digest", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translator(language, "digest"), newstyle=True)  # type: ignore[attr-defined]
    env.filters["safe_url"] = safe_url  # every href the template writes passes svodka.links.safe_url
    env.globals.update(template_words(language))  # the evidence's words (svodka.digest.evidence)
    return env


def render_html(digest: Digest) -> str:
    """A standalone page (inline CSS, no scripts, no remote assets) that prints well."""
    v = voice(digest)
    return (
        _env(v.language)
        .get_template("digest.html.j2")
        .render(
            lang=v.language,
            title=digest_title(digest),
            heading=digest_heading(digest),
            meta=digest_meta(digest),
            digest=digest,
            cards={it.rank: card_line(it, v, flag=False) for it in digest.items},
            coverage={it.rank: coverage_line(it.card.groups, v.when, v) for it in digest.items},
            new_posts={it.rank: new_posts_label(it, v) for it in digest.items},
            difference_line=lambda d: difference_line(d, v),
            quoted=quoted,
            score_line=lambda score: score_line(score, v),
            only_in_line=lambda st: only_in_line(st, v),
            fmt=v.when,
            hm=v.clock,
        )
    )


def render_telegram(digest: Digest, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Messages in Telegram's HTML parse mode, each at most ``limit`` characters.

    A message is cut only between whole pieces (a heading, a sentence with its link), never inside a tag,
    an entity or a URL; a single piece longer than the limit is cut at a space inside its plain text.
    """
    v = voice(digest)
    head = f"<b>{html.escape(digest_title(digest))}</b>\n<i>{html.escape(digest_period(digest))}</i>"
    pieces: list[str] = [head if named(digest) else f"<b>{html.escape(digest_heading(digest))}</b>"]
    new = "<b>" + html.escape(v._("new:")) + "</b> "
    update = v._("UPDATE")
    for it in digest.items:
        h = it.summary.headline
        mark = f"{update} · " if it.update else ""
        block = [
            f"\n<b>{it.rank}. {html.escape(mark)}{html.escape(h.text)}</b> {_link_tg(h)}",
            f"<i>{html.escape(card_marks(it, v))}</i>",
        ]
        block += [
            f"• {new if it.is_new(c) else ''}{html.escape(c.text)} {_link_tg(c)}"
            for c in it.summary.sentences
        ]
        pieces += block + story_pieces(item_evidence(it), v)  # coordinated, groups, differences
    return pack(pieces + only_in_pieces(digest, v), limit)


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
    v = voice(digest)
    head = f"{digest_title(digest)} — {digest_period(digest)}" if named(digest) else digest_heading(digest)
    lines = [head, ""]
    for it in digest.items:
        mark = "[" + v._("update") + "] " if it.update else ""
        lines.append(f"{it.rank:>2}. {mark}{it.summary.headline.text}")
        lines.append(f"    {card_line(it, v)}")
        if url := safe_url(it.summary.headline.url):
            lines.append(f"    {url}")
        if sentences:
            lines += [f"    - {c.text} ({c.channel})" for c in it.summary.sentences]
    if not digest.items:
        lines.append(v._("no stories in this period"))
    return "\n".join(lines)
