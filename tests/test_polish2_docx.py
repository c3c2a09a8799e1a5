"""The Word rendering shows "how sources differ" as the HTML rendering does (issue 14, helper "polish2"):
what differs, each quote with its channel linked to the post, and the ``t.me/c`` link second where the
post's own link does not open. Read back with python-docx. Real posts: gold story s132 of stories_dev
(the ``day`` fixture of test_polish_links)."""

from __future__ import annotations

import io

import docx
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from svodka.digest.docx import render_docx
from svodka.digest.voice import Voice, difference_line
from svodka.store import Store
from test_polish_links import _digest, day  # noqa: F401  (the fixture)


def _links(p: Paragraph) -> list[tuple[str, str]]:
    """(text, target) of every hyperlink of ``p``."""
    out = []
    for link in p._p.findall(qn("w:hyperlink")):
        target = p.part.rels[link.get(qn("r:id"))].target_ref
        out.append(("".join(t.text or "" for t in link.iter(qn("w:t"))), target))
    return out


def test_the_docx_shows_how_sources_differ_with_both_links(day: Store) -> None:  # noqa: F811
    digest = _digest(day)
    [item] = digest.items
    assert item.differences
    word = docx.Document(io.BytesIO(render_docx(digest)))
    paragraphs = word.paragraphs
    [start] = [i for i, p in enumerate(paragraphs) if p.text == "How sources differ:"]
    block = paragraphs[start + 1 : start + 1 + len(item.differences)]
    assert paragraphs[start + 1 + len(item.differences)].text == "Sources"
    for d, p in zip(item.differences, block, strict=True):
        assert p.style is not None and p.style.name == "List Bullet 2"
        text = p.text
        assert text.startswith(difference_line(d, Voice("en", "Europe/Moscow")) + ": «")
        want = []
        for q in d.quotes:
            assert f"«{q.sentence}» — {q.channel}" in text
            want.append((q.channel, q.url))
            if q.alt_url:
                want.append(("t.me", q.alt_url))
        assert _links(p) == want
    assert any(q.alt_url for d in item.differences for q in d.quotes)  # the second link is tested
