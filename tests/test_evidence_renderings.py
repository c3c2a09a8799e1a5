"""The PDF (its print HTML, and the PDF's own text where WeasyPrint is installed) and the Telegram bot's
messages show what Markdown, HTML and JSON show: coverage by channel group, the «only in …» sections and
how the sources differ (issue 16 §3, §4), each quote linked to its post."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from svodka.digest.compose import DigestOptions, build_digest
from svodka.digest.model import Digest, DigestQuery
from svodka.digest.pdf import render_pdf, render_print_html
from svodka.digest.render import render_telegram
from svodka.digest.schema import to_dict
from svodka.model import Channel, StoredPost, Story, StoryMember

T0 = datetime(2024, 11, 30, 9, 0, tzinfo=UTC)
CHANNELS = {
    1: Channel(1, "telegram", "tass", None, "ТАСС", groups=("официальные",)),
    2: Channel(2, "telegram", "ria", None, "РИА", groups=("официальные",)),
    3: Channel(3, "telegram", "meduza", None, "Медуза", groups=("независимые",)),
    4: Channel(4, "telegram", "dozhd", None, "Дождь", groups=("независимые",)),
}


def _story(sid: int, *reports: tuple[int, int, str]) -> Story:
    """Posts as (channel id, minutes after T0, text), each linked at t.me/<handle>/<id>."""
    members = tuple(
        StoryMember(
            StoredPost(
                sid * 10 + i, ch, CHANNELS[ch].handle or "", sid * 10 + i, T0 + timedelta(minutes=m), text,
                f"https://t.me/{CHANNELS[ch].handle}/{sid * 10 + i}",
            ),
            "ru",
        )
        for i, (ch, m, text) in enumerate(reports)
    )  # fmt: skip
    return Story(sid, members, members[0].post.date, members[-1].post.date)


PROTEST = _story(
    1,
    (1, 0, "В центре Тбилиси полиция разогнала акцию протеста. Задержаны 5 участников акции."),
    (3, 10, "Силовики разогнали протестующих у парламента в Тбилиси. По данным МВД, задержаны 7 участников."),
    (4, 20, "Акцию у здания парламента в Тбилиси разогнала полиция, задержаны участники."),
)
RATE = _story(  # only the officials carry it: «only in официальные»
    2,
    (1, 30, "Центробанк сохранил ключевую ставку на уровне 21 процента, сообщил регулятор в пятницу."),
    (2, 45, "Банк России оставил ключевую ставку 21 процент, сообщил регулятор по итогам заседания."),
)


def _digest() -> Digest:
    query = DigestQuery(since=T0, until=T0 + timedelta(days=1), top=10)
    return build_digest([PROTEST, RATE], query, DigestOptions(channels=CHANNELS, now=T0 + timedelta(hours=3)))


def test_the_digest_has_what_the_renderings_show() -> None:
    digest = _digest()
    protest = next(it for it in digest.items if it.card.story_id == 1)
    assert [d.kind for d in protest.differences] == ["conflict"]
    assert [g.group for g in protest.card.groups] == ["официальные", "независимые"]
    assert [(o.group, [s.story_id for s in o.stories]) for o in digest.only_in] == [("официальные", [2])]


def test_the_bot_shows_groups_differences_and_only_in() -> None:
    bot = "\n".join(render_telegram(_digest()))
    assert "<i>Groups: официальные 1 (first tass, 2024-11-30 09:00) · независимые 2 (first meduza, " in bot
    assert "<i>How sources differ:</i>" in bot
    assert (  # the line the Markdown, HTML and print layout give (voice.difference_line), then the quotes
        "≠ «5 участников» vs «7 участников» — the figures conflict: «Задержаны 5 участников акции.» — "
        '<a href="https://t.me/tass/10">tass</a>; «По данным МВД, задержаны 7 участников.» — '
        '<a href="https://t.me/meduza/11">meduza</a>'
    ) in bot
    assert "\n<b>Only in «официальные»</b>\n• " in bot
    only = r"• [^\n]+ — <a href=\"https://t\.me/\w+/2\d\">\w+</a> <i>2 channels, 2 posts; first tass"
    assert re.search(only, bot)
    for message in render_telegram(_digest(), limit=300):  # still cut only between whole pieces
        assert len(message) <= 300 and message.count("<a ") == message.count("</a>")


def test_the_print_layout_shows_groups_differences_and_only_in() -> None:
    printed = render_print_html(to_dict(_digest()))
    assert printed.count('class="card evidence groups"') == 2
    assert "официальные 1 (first tass, 09:00)" in printed
    assert printed.count('class="card evidence differences"') == 1  # compact: what differs, who says it
    line = "≠ «5 участников» vs «7 участников» — the figures conflict — "
    who = '<a href="https://t.me/tass/10">tass</a>, <a href="https://t.me/meduza/11">meduza</a>'
    assert line + who in printed
    only = printed[printed.index('<section class="only-in">') :]
    assert "Only in «официальные»" in only and "2 channels, 2 posts; first tass, 2024-11-30 09:30" in only
    assert 'href="https://t.me/' in only


@pytest.mark.skipif(importlib.util.find_spec("weasyprint") is None, reason="WeasyPrint is not installed")
def test_the_pdf_carries_them(tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed: scripts/system-deps.sh")
    path = tmp_path / "digest.pdf"
    path.write_bytes(render_pdf(_digest()))
    run = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, timeout=60)
    text = " ".join(run.stdout.split())
    assert "Only in «официальные»" in text and "How sources differ:" in text
    assert "Groups: официальные 1 (first tass, 09:00)" in text
    assert "«5 участников» vs «7 участников» — the figures conflict — tass, meduza" in text
