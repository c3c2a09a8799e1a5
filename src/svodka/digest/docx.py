"""DOCX: the digest as a Word document (python-docx), from its document (:mod:`svodka.digest.schema`).

The title and metadata line, a numbered summary of the headlines with their score and sources line, then
each story: its headline, card line, abstract, key sentences each with a superscript source number, how
its sources differ (each quote linked to its post, the ``t.me/c`` link second, as in the HTML rendering) and
the story's sources («Источники» in Russian) under it, every link once (:mod:`svodka.digest.footnotes`;
Word's real footnotes are not in python-docx). A stored digest (the web app's) renders the same as a fresh
one, in its own language unless one is asked for.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as Word
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from svodka.digest.footnotes import PrintStory, Source, meta_line, print_stories, title, voice
from svodka.digest.model import Digest
from svodka.digest.render import digest_links
from svodka.digest.schema import DifferenceDoc, DigestDocument, to_dict
from svodka.digest.voice import DIFFERENCES, Voice
from svodka.links import safe_url

MUTED = RGBColor(0x55, 0x55, 0x55)
ACCENT = RGBColor(0x8A, 0x1C, 0x1C)


def render_docx(digest: Digest) -> bytes:
    return render_docx_document(to_dict(digest))


def render_docx_document(doc: DigestDocument, language: str | None = None) -> bytes:
    """The Word document of ``doc`` in ``language`` (default: the document's own)."""
    doc = digest_links(doc)
    v = voice(doc, language)
    out = Document()
    normal = out.styles["Normal"]
    normal.font.name = "DejaVu Serif"
    normal.font.size = Pt(10)
    out.core_properties.title = title(doc, v)
    out.core_properties.language = v.language
    out.add_heading(title(doc, v), level=0)
    _muted(out.add_paragraph(), meta_line(doc, v), 8)
    stories = print_stories(doc, v)
    out.add_heading(v._("Top stories"), level=1)
    for s in stories:
        p = out.add_paragraph(style="List Number")
        if s.update:
            _update(p, v)
        p.add_run(s.headline.text)
        p.add_run().add_break()
        _muted(p, s.summary, 8)
    if not stories:
        out.add_paragraph(v._("No stories in this period."))
    differences = {it["rank"]: it.get("differences") or [] for it in doc["items"]}
    for s in stories:
        _story(out, s, v, differences.get(s.rank, []))
    if doc.get("credibility"):
        out.add_heading(v._("Channels cited: credibility"), level=1)
        for line in doc["credibility"]:
            _muted(out.add_paragraph(style="List Bullet"), line, 8)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def _story(out: Word, s: PrintStory, v: Voice, differences: list[DifferenceDoc]) -> None:
    h = out.add_heading(level=2)
    h.add_run(f"{s.rank}. ")
    if s.update:
        _update(h, v)
    h.add_run(s.headline.text)
    _note(h, s.headline.note)
    card = out.add_paragraph()
    _muted(card, s.meta, 8)
    if s.single_source:
        r = card.add_run(" · " + v._("single source — unconfirmed"))
        r.bold, r.font.size, r.font.color.rgb = True, Pt(8), ACCENT
    if s.abstract:
        out.add_paragraph().add_run(s.abstract).italic = True
    for c in s.sentences:
        p = out.add_paragraph(style="List Bullet")
        if c.new:
            r = p.add_run(v._("new") + " ")
            r.bold, r.font.color.rgb = True, ACCENT
        p.add_run(c.text)
        _note(p, c.note)
    _differences(out, differences, v)
    label = out.add_paragraph()
    r = label.add_run(v._("Sources"))
    r.bold, r.font.size = True, Pt(8)
    for src in s.sources:
        _source(out.add_paragraph(), src)


def _differences(out: Word, differences: list[DifferenceDoc], v: Voice) -> None:
    """«How sources differ:» and one item per difference, as the HTML rendering has it: what differs, then
    each quote with its channel linked to the post and the ``t.me/c`` link second where there is one."""
    if not differences:
        return
    out.add_paragraph().add_run(v._(DIFFERENCES) + ":").italic = True
    for d in differences:
        p = out.add_paragraph(style="List Bullet 2")  # under the key sentences, told apart from them
        p.add_run(d["line"] + ": ")
        for i, q in enumerate(d["quotes"]):
            if i:
                p.add_run("; ")
            p.add_run(f"«{q['sentence']}» — ")
            if url := safe_url(q["url"]):
                _hyperlink(p, url, q["channel"])
            else:
                p.add_run(q["channel"])
            if alt := safe_url(q.get("alt_url")):
                p.add_run(" ")
                _hyperlink(p, alt, "t.me")


def _note(p: Paragraph, n: int) -> None:
    r = p.add_run(str(n))
    r.font.superscript = True


def _update(p: Paragraph, v: Voice) -> None:
    r = p.add_run(v._("UPDATE") + " ")
    r.bold, r.font.color.rgb = True, ACCENT


def _muted(p: Paragraph, text: str, size: int) -> None:
    r = p.add_run(text)
    r.font.size, r.font.color.rgb = Pt(size), MUTED


def _source(p: Paragraph, src: Source) -> None:
    p.paragraph_format.space_after = Pt(0)
    _muted(p, f"{src.number}. {src.channel}, {src.date}", 8)
    if src.url:
        _muted(p, " — ", 8)
        _hyperlink(p, src.url)
    if src.alt_url:  # the t.me/c link, second to the post's page in svodka's web app
        _muted(p, " (", 8)
        _hyperlink(p, src.alt_url)
        _muted(p, ")", 8)


def _hyperlink(p: Paragraph, url: str, label: str | None = None) -> None:
    """A real link (python-docx has no API for one): a relationship to the URL and a styled run in it
    that reads ``label`` (default: the URL)."""
    rid = p.part.relate_to(
        url, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink", is_external=True
    )
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    for tag, val in (("w:color", "1A4D8F"), ("w:sz", "16")):
        el = OxmlElement(tag)
        el.set(qn("w:val"), val)
        props.append(el)
    run.append(props)
    text = OxmlElement("w:t")
    text.text = label or url
    run.append(text)
    link.append(run)
    p._p.append(link)
