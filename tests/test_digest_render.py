"""Digest renderers on a real day: Markdown, standalone HTML, JSON against its schema, PDF, Telegram."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from markdown_it import MarkdownIt
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from conftest import ROOT, open_test_store, shared
from svodka.digest import DigestQuery, build_digest, render_html, render_json, render_markdown
from svodka.digest.model import Digest
from svodka.digest.render import pack, render_telegram, render_text
from svodka.evaluate.gold import GoldStories, gold_stories
from svodka.pipeline.summarize import Cited

DAY = (datetime(2024, 11, 30, tzinfo=UTC), datetime(2024, 12, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def gold(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoldStories]:
    folder = shared("stories_dev")
    store = open_test_store(backend, tmp_path_factory.mktemp("gold"), "gold")
    yield gold_stories(store, folder)
    store.close()


@pytest.fixture(scope="module")
def digest(gold: GoldStories) -> Digest:
    return build_digest(gold.stories, DigestQuery(*DAY, top=15, tz="Europe/Moscow"))


def test_markdown_has_every_story_with_links(digest: Digest) -> None:
    md = render_markdown(digest)
    # the name is the title; the period, in the digest's zone, under it
    assert md.startswith(
        "# 30 November 03:00 – 1 December 03:00\n\n"
        "Digest 2024-11-30 03:00 – 2024-12-01 03:00 (Europe/Moscow)\n"
    )
    assert md.count("\n## ") == 15 + 1  # stories + the credibility section
    for it in digest.items:
        assert f"({it.summary.headline.url})" in md
        for c in it.summary.sentences:
            assert f"]({c.url})" in md
    assert "independent" in md and "score" in md


HOSTILE_CHANNEL = '<img src=x onerror="alert(1)"> & Co_'
HOSTILE_TEXT = (
    'Смотрите <script>alert("md")</script> и <iframe src="javascript:alert(2)"></iframe> '
    "[x](javascript:alert(3)) &amp; <b>жирный</b>"
)


def test_markdown_shows_hostile_html_and_links_as_text(digest: Digest) -> None:
    first = digest.items[0]
    head = first.summary.headline
    hostile = Cited(HOSTILE_TEXT, head.post_id, HOSTILE_CHANNEL, "javascript:alert(4)", head.date_iso)
    safe = Cited("Обычный текст.", head.post_id, HOSTILE_CHANNEL, head.url, head.date_iso)
    item = replace(
        first,
        card=replace(first.card, first_channel=HOSTILE_CHANNEL),
        summary=replace(first.summary, headline=hostile, sentences=(hostile, safe)),
    )
    md = render_markdown(replace(digest, items=(item,), credibility=(f"{HOSTILE_CHANNEL}: <i>0.5</i>",)))
    page = HTMLParser(MarkdownIt("commonmark").render(md))  # CommonMark passes raw HTML through as it is
    assert not page.css("script, iframe, img, b, i")
    hrefs = [a.attributes.get("href") or "" for a in page.css("a")]
    assert hrefs and not [h for h in hrefs if not h.startswith("https://")], hrefs
    text = page.body.text() if page.body else ""
    # every hostile piece is still there, as the words it is
    assert '<script>alert("md")</script>' in text and "[x](javascript:alert(3))" in text
    assert "&amp; <b>жирный</b>" in text and text.count(HOSTILE_CHANNEL) >= 4


def test_html_is_standalone_and_cites(digest: Digest) -> None:
    page = render_html(digest)
    tree = HTMLParser(page)
    assert len(tree.css("article")) == 15
    assert not tree.css("script") and not tree.css("link[rel=stylesheet]") and not tree.css("img")
    assert "@media print" in page
    hrefs = {a.attributes["href"] for a in tree.css("article a")}
    for it in digest.items:
        assert it.summary.headline.url in hrefs
        assert all(c.url in hrefs for c in it.summary.sentences)
    # text from posts is escaped, never markup
    assert "<b>" not in "".join(a.text() for a in tree.css("article h2"))


def test_json_matches_the_documented_schema(digest: Digest) -> None:
    schema = json.loads((ROOT / "docs" / "digest-schema.json").read_text())
    doc = json.loads(render_json(digest))
    jsonschema.validate(doc, schema)
    assert doc["period"]["since"] == "2024-11-30T03:00:00+03:00"
    first = doc["items"][0]
    assert (
        abs(first["score"]["total"] - sum(t["value"] * t["weight"] for t in first["score"]["terms"])) < 0.01
    )
    assert all(it["card"]["single_source"] == (it["card"]["independent_sources"] == 1) for it in doc["items"])


def test_single_source_stories_are_flagged(gold: GoldStories) -> None:
    d = build_digest(gold.stories, DigestQuery(*DAY, top=200))
    singles = [it for it in d.items if it.card.independent == 1]
    assert singles and all(it.card.single_source for it in singles)
    assert "SINGLE SOURCE — unconfirmed" in render_markdown(d)
    card = d.items[0].card
    assert card.first_date == min(
        m.post.date for s in gold.stories if s.id == card.story_id for m in s.members
    )
    assert card.languages == ("ru",)


def test_telegram_messages_fit_and_never_split_a_link(digest: Digest) -> None:
    for limit in (4096, 700):
        msgs = render_telegram(digest, limit=limit)
        assert all(len(m) <= limit for m in msgs)
        assert len(msgs) > 1
        joined = "\n".join(msgs)
        for it in digest.items:
            for c in it.summary.cited:
                assert f'<a href="{c.url}">' in joined
        for m in msgs:
            assert m.count("<a ") == m.count("</a>") and m.count("<b>") == m.count("</b>")
            assert m.count("<i>") == m.count("</i>")


def test_pack_cuts_an_oversized_piece_at_spaces() -> None:
    piece = "<b>" + " ".join(["слово"] * 400) + "</b>"
    msgs = pack(["head", piece], limit=300)
    assert all(len(m) <= 300 for m in msgs)
    assert "".join(msgs).count("слово") == 400


def test_terminal_text(digest: Digest) -> None:
    text = render_text(digest)
    assert text.splitlines()[2].startswith(" 1. ")
    assert len([ln for ln in text.splitlines() if re.match(r"\s*\d+\. ", ln)]) == 15


@pytest.mark.slow
def test_pdf_renders_a_page_with_text(digest: Digest, tmp_path: Path) -> None:
    from svodka.digest.pdf import render_pdf

    pdf = render_pdf(digest)
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed: scripts/system-deps.sh")
    (tmp_path / "d.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(tmp_path / "d.pdf"), str(tmp_path / "p")],
        check=True,
        timeout=60,
    )
    from PIL import Image

    page = Image.open(next(tmp_path.glob("p*.png"))).convert("L")
    dark = sum(page.histogram()[:128])
    assert 0.01 < dark / (page.width * page.height) < 0.5  # ink on the page, not blank, not black
    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", "-l", "1", str(tmp_path / "d.pdf"), "-"], capture_output=True, text=True, timeout=60
        ).stdout
        assert digest.items[0].summary.headline.text.split()[0] in out
