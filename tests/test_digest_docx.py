"""The digest as DOCX on the bundled day: title and metadata, the numbered headlines first, then each
story with its card, key sentences carrying superscript source numbers, and «Источники» as real links."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from conftest import open_test_store, shared
from svodka.cli import cli
from svodka.digest import DigestQuery, build_digest
from svodka.digest.docx import render_docx
from svodka.digest.model import Digest
from svodka.evaluate.gold import GoldStories, gold_stories
from svodka.store import open_store

DAY = (datetime(2024, 11, 30, tzinfo=UTC), datetime(2024, 12, 1, tzinfo=UTC))
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def gold(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoldStories]:
    store = open_test_store(backend, tmp_path_factory.mktemp("gold"), "gold")
    yield gold_stories(store, shared("stories_dev"))
    store.close()


@pytest.fixture(scope="module")
def digest(gold: GoldStories) -> Digest:
    return build_digest(gold.stories, DigestQuery(*DAY, top=15, tz="Europe/Moscow", language="ru"))


@pytest.fixture(scope="module")
def document(digest: Digest):  # type: ignore[no-untyped-def]
    data = render_docx(digest)
    assert data.startswith(b"PK")  # a zip, as every .docx
    return docx.Document(io.BytesIO(data))


def test_title_meta_and_summary_first(digest: Digest, document) -> None:  # type: ignore[no-untyped-def]
    paras = document.paragraphs
    assert paras[0].style.name == "Title" and paras[0].text == digest.name
    assert paras[1].text.startswith("Сводка за 30 ноября 2024, 03:00 – 1 декабря 2024, 03:00 МСК · 15 из ")
    assert paras[2].text == "Главное"
    summary = [p for p in paras if p.style.name == "List Number"]
    assert len(summary) == 15
    for p, it in zip(summary, digest.items, strict=True):
        assert p.text.startswith(it.summary.headline.text)
        assert "оценка " + f"{it.score.score:.2f}".replace(".", ",") in p.text
    assert document.core_properties.title == digest.name


def test_each_story_has_numbered_sources(digest: Digest, document) -> None:  # type: ignore[no-untyped-def]
    paras = document.paragraphs
    heads = [i for i, p in enumerate(paras) if p.style.name == "Heading 2"]
    assert len(heads) == 15
    cred = [i for i, p in enumerate(paras) if p.text == "Достоверность цитируемых каналов"]
    assert len(cred) == 1 and digest.credibility  # the credibility lines come last
    ends = [*heads[1:], cred[0]]
    for it, start, end in zip(digest.items, heads, ends, strict=True):
        block = paras[start:end]
        head = block[0]
        assert head.text.startswith(f"{it.rank}. ") and it.summary.headline.text in head.text
        assert head.runs[-1].font.superscript and head.runs[-1].text == "1"
        bullets = [p for p in block if p.style.name == "List Bullet"]
        assert len(bullets) == len(it.summary.sentences)
        notes = [int(p.runs[-1].text) for p in bullets]
        assert all(p.runs[-1].font.superscript for p in bullets)
        labels = [p.text for p in block if p.text == "Источники"]
        assert labels == ["Источники"]
        sources = block[[p.text for p in block].index("Источники") + 1 :]
        sources = [p for p in sources if re.match(r"\d+\. ", p.text)]
        numbers = [int(p.text.split(".")[0]) for p in sources]
        assert numbers == list(range(1, len(numbers) + 1))  # numbered once each, in order
        assert set(notes) <= set(numbers)
        for c in (it.summary.headline, *it.summary.sentences):  # every cited post's URL is a source line
            assert c.url and any(p.text.endswith(c.url) for p in sources)
        assert len({p.text.split(" — ")[-1] for p in sources}) == len(sources)  # each URL once


def test_links_are_hyperlinks(digest: Digest, document) -> None:  # type: ignore[no-untyped-def]
    rels = [r for r in document.part.rels.values() if r.reltype.endswith("/hyperlink")]
    urls = {r.target_ref for r in rels}
    assert digest.items[0].summary.headline.url in urls
    assert all(r.is_external for r in rels)


def test_hostile_link_is_text_only(digest: Digest, tmp_path: Path) -> None:
    it = digest.items[0]
    bad = replace(it.summary.headline, url="javascript:alert(1)")
    hostile = replace(digest, items=(replace(it, summary=replace(it.summary, headline=bad)),))
    doc = docx.Document(io.BytesIO(render_docx(hostile)))
    assert not any("javascript" in r.target_ref for r in doc.part.rels.values() if r.is_external)
    assert any(p.text.startswith("1. ") and "javascript" not in p.text for p in doc.paragraphs)


def test_cli_writes_docx_and_pdf(store_url: str, tmp_path: Path) -> None:
    store = open_store(store_url)
    gold = gold_stories(store, shared("stories_dev"))
    store.stories.save((m.post.id, s.id, 1.0) for s in gold.stories for m in s.members)
    store.close()
    out = tmp_path / "out"
    args = ["--db", store_url, "digest", "--from", "2024-11-30", "--top", "5", "--no-save"]
    r = CliRunner().invoke(cli, [*args, "--format", "docx,pdf", "--out", str(out)], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["digest.docx", "digest.pdf"]
    doc = docx.Document(str(out / "digest.docx"))
    assert len([p for p in doc.paragraphs if p.style.name == "Heading 2"]) == 5
    assert (out / "digest.pdf").read_bytes().startswith(b"%PDF")
    r = CliRunner().invoke(cli, [*args, "--format", "odt", "--out", str(out)])
    assert r.exit_code != 0 and "choose from md, html, pdf, docx, json" in str(r.exception)


def test_email_attaches_the_docx(digest: Digest) -> None:
    from svodka.digest.deliver import build_email, render_all

    msg = build_email(digest, ["a@example.org"], "svodka@example.org", attach=render_all(digest, ["docx"]))
    parts = [p for p in msg.iter_attachments() if p.get_filename() == "digest.docx"]
    assert len(parts) == 1
    assert parts[0].get_content_type() == DOCX_TYPE
    assert docx.Document(io.BytesIO(parts[0].get_content())).paragraphs[0].text == digest.name
