"""A story's evidence reads the same in every rendering: the coordinated flag, coverage by group, how the
sources differ and the «only in …» lines are worded once (svodka.digest.voice) for the Markdown, the HTML
page, the bot's message, the print layout and `svodka story ID`, in English and in Russian. (The bot said
«Coordinated» where the others said «Coordinated posting» and Markdown «coordinated»; in Russian the bot
wrote «2024-11-30 12:00» where the digest wrote «30 ноября 2024, 12:00 МСК», the bot and the print layout
«каналов: 2, постов: 2» where the digest wrote «2 канала, 2 поста»; the bot left out what differs.)
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

import test_coordination_shown as shown
import test_evidence_renderings as rendered
from svodka.cli.evidence import said
from svodka.digest.compose import DigestOptions, build_digest
from svodka.digest.evidence import Evidence, evidence, item_evidence, only_in_line
from svodka.digest.model import Digest, DigestQuery
from svodka.digest.pdf import render_print_html
from svodka.digest.render import render_html, render_markdown, render_telegram, voice
from svodka.digest.schema import to_dict
from svodka.digest.voice import Voice, coordinated_line, coverage_line, difference_line


def _digest(module: object, language: str) -> Digest:
    t0 = module.T0  # type: ignore[attr-defined]
    tz = "Europe/Moscow" if language == "ru" else "UTC"
    query = DigestQuery(t0, t0 + timedelta(days=1), top=10, tz=tz, language=language)
    options = DigestOptions(channels=module.CHANNELS, now=t0 + timedelta(hours=3))  # type: ignore[attr-defined]
    stories = [shown.CAMPAIGN, shown.NEWS] if module is shown else [rendered.PROTEST, rendered.RATE]
    return build_digest(stories, query, options)


def _read(text: str) -> str:
    """A rendering as its reader sees it: no tags, no Markdown emphasis or escapes, white space folded."""
    text = re.sub(r"<[^>]+>", "", text).replace("**", "").replace("\\", "")
    return " ".join(html.unescape(text).split())


def _renderings(digest: Digest) -> dict[str, str]:
    return {
        "md": _read(render_markdown(digest)),
        "html": _read(render_html(digest)),
        "bot": _read("\n".join(render_telegram(digest))),
        "print": _read(render_print_html(to_dict(digest))),
    }


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_coordinated_flag_reads_the_same_everywhere(language: str) -> None:
    digest = _digest(shown, language)
    v = voice(digest)
    item = next(it for it in digest.items if it.card.coordinated)
    assert item.card.coordinated is not None
    line = coordinated_line(item.card.coordinated, v)
    assert line.startswith("Скоординированная публикация: " if language == "ru" else "Coordinated posting: ")
    for fmt, text in _renderings(digest).items():
        assert text.count("⚠ " + line) == 1, (fmt, line, text)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_groups_differences_and_only_in_read_the_same_everywhere(language: str) -> None:
    digest = _digest(rendered, language)
    v = voice(digest)
    texts = _renderings(digest)
    protest = next(it for it in digest.items if it.differences)
    groups = coverage_line(protest.card.groups, v.when, v)
    compact = coverage_line(protest.card.groups, v.clock, v)  # the print layout's times of day
    assert groups and compact != groups
    for fmt, text in texts.items():
        assert (compact if fmt == "print" else groups) in text, (fmt, groups, text)
        for d in protest.differences:
            assert difference_line(d, v) in text, (fmt, difference_line(d, v))
        for st in digest.only_in[0].stories:
            assert only_in_line(st, v) in text, (fmt, only_in_line(st, v), text)


def test_svodka_story_says_it_in_the_same_words() -> None:
    """The CLI's lines come from the same record and the same wording (English, its own times of day)."""
    story = shown.CAMPAIGN
    ev = evidence(story, shown.CHANNELS, {})
    v = Voice("en", "UTC")
    assert ev.coordinated is not None and ev.independent == 1  # copies of one post: one source
    lines = said(ev, "UTC")
    assert lines[0] == f"⚠ {coordinated_line(ev.coordinated, v)}"
    assert [line.split()[0] for line in lines[1:]] == ["#101", "#102", "#103"]
    digest = _digest(shown, "en")
    card = next(it for it in digest.items if it.card.story_id == story.id)
    assert item_evidence(card) == Evidence(ev.groups, ev.coordinated, (), card.card.independent)
