"""The compact PDF of the bundled day's digest (15 stories): a page of headlines first, then several
stories to an A4 page, sentences with footnote numbers and each story's URLs listed once under it."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import open_test_store, shared
from svodka.digest import DigestQuery, build_digest
from svodka.digest.model import Digest
from svodka.digest.pdf import render_pdf, render_print_html
from svodka.digest.schema import to_dict
from svodka.evaluate.gold import GoldStories, gold_stories

DAY = (datetime(2024, 11, 30, tzinfo=UTC), datetime(2024, 12, 1, tzinfo=UTC))
URL = re.compile(r"https?://\S+")


@pytest.fixture(scope="module")
def gold(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoldStories]:
    store = open_test_store(backend, tmp_path_factory.mktemp("gold"), "gold")
    yield gold_stories(store, shared("stories_dev"))
    store.close()


@pytest.fixture(scope="module")
def digest(gold: GoldStories) -> Digest:
    return build_digest(gold.stories, DigestQuery(*DAY, top=15, tz="Europe/Moscow", language="ru"))


@pytest.fixture(scope="module")
def pdf(digest: Digest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("pdftotext/pdfinfo (poppler-utils) not installed: scripts/system-deps.sh")
    path = tmp_path_factory.mktemp("pdf") / "digest.pdf"
    path.write_bytes(render_pdf(digest))
    return path


def _pages(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60)
    return out.stdout.split("\f")[:-1]


def test_fifteen_stories_fit_on_five_pages(digest: Digest, pdf: Path) -> None:
    assert len(digest.items) == 15
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert pages <= 5  # was 7 (one story or two a page, a raw URL after every sentence)
    assert "A4" in info


def test_first_page_is_the_numbered_headlines_with_scores(digest: Digest, pdf: Path) -> None:
    first = re.sub(r"\s+", " ", _pages(pdf)[0])
    assert "Главное" in first
    for it in digest.items:  # every headline is summed up on page 1, in rank order, with its score
        assert f"{it.rank}. {it.summary.headline.text.split()[0]}" in first
        assert "оценка " + f"{it.score.score:.2f}".replace(".", ",") in first
    assert not URL.search(first)  # no links on the summary page
    positions = [first.index("оценка " + f"{it.score.score:.2f}".replace(".", ",")) for it in digest.items]
    assert positions == sorted(positions)


def test_stories_pages_hold_four_or_five_each(pdf: Path) -> None:
    pages = _pages(pdf)[1:]
    per_page = [len(re.findall(r"^первым сообщил .* · \d+ канал", p, re.M)) for p in pages]
    assert sum(per_page) == 15
    assert all(n >= 4 for n in per_page[:-1]), per_page  # every full page holds four stories or more


def test_quotes_carry_footnote_numbers_and_urls_are_listed_once(digest: Digest, pdf: Path) -> None:
    text = "\n".join(_pages(pdf)[1:])
    for it in digest.items:
        for c in it.summary.sentences:
            words = c.text.split()[:4]
            line = next(ln for ln in text.splitlines() if " ".join(words) in re.sub(r"\s+", " ", ln))
            assert not URL.search(line), line  # no raw URL inside a quote line
    urls = URL.findall(text)
    cited = {c.url for it in digest.items for c in (it.summary.headline, *it.summary.sentences) if c.url}
    assert cited and set(urls) >= {u for u in cited if len(u) < 60}  # each source listed (short ones whole)
    per_story = [URL.findall(block) for block in re.split(r"\nпервым сообщил ", text)]
    assert all(len(u) == len(set(u)) for u in per_story)  # once per story


def test_footnotes_number_sources_once(digest: Digest) -> None:
    html = render_print_html(to_dict(digest))
    first = digest.items[0]
    assert html.count("<sup>") == sum(1 + len(it.summary.sentences) for it in digest.items)
    assert first.summary.headline.text in html
    assert 'href="javascript' not in html
