"""Post text as safe HTML (svodka.web.markup): markdown rendered, links checked, hostile text inert,
channel footers folded away — on hostile strings and on every post of the bundled sample."""

from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser

import pytest

from conftest import ROOT
from svodka.links import safe_url
from svodka.web.markup import render_post, split_footer, to_html

SAMPLE = ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl"
ALLOWED_TAGS = {"a", "strong", "em", "s", "span", "code", "pre"}


class _Html(HTMLParser):
    """What the browser would build: the tags with their attributes, and the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(html: str) -> _Html:
    p = _Html()
    p.feed(html)
    p.close()
    assert not p.open, f"unclosed tags {p.open} in {html!r}"
    for tag, attrs in p.tags:
        assert tag in ALLOWED_TAGS, f"<{tag}> in {html!r}"
        assert set(attrs) <= {"href", "rel", "class"}, attrs
        if tag == "a":
            assert attrs["href"] == safe_url(attrs["href"]), attrs["href"]
    return p


def visible(html: str) -> str:
    return "".join(parsed(html).text)


def test_bold_italic_code_and_links_become_html() -> None:
    html, cut = to_html("**Срочно:** __по данным__ `ЦБ` ~~нет~~ ||спойлер|| [РИА](https://ria.ru/a)")
    assert str(html) == (
        '<strong>Срочно:</strong> <em>по данным</em> <code>ЦБ</code> <s>нет</s> <span class="spoiler">спойлер'
        '</span> <a href="https://ria.ru/a" rel="nofollow noopener noreferrer">РИА</a>'
    )
    assert not cut
    assert str(to_html("```\nx = 1 < 2\n```")[0]) == "<pre><code>x = 1 &lt; 2</code></pre>"
    # Markers with spaces inside, as Telegram's exports write them, still pair up.
    assert str(to_html("техники,** но она уничтожается**, рассказал")[0]) == (
        "техники,<strong> но она уничтожается</strong>, рассказал"
    )


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ('<img src=x onerror="alert(1)">', '<img src=x onerror="alert(1)">'),
        ("[нажми](javascript:alert(1))", "нажми"),
        ("[нажми](JaVaScRiPt:alert(document.cookie))", "нажми"),
        ("[data](data:text/html;base64,PHNjcmlwdD4=)", "data"),
        ("[x](java\tscript:alert(1))", "x"),
        ('[x](https://e.org/" onmouseover="alert(1))', "x"),
        ("[a [b] c](https://e.org/w_(x))", "a [b] c"),
        ("[[вложено]](https://e.org)", "[вложено]"),
        ("[нет ссылки] и (скобки)", "[нет ссылки] и (скобки)"),
        ("**незакрыто и __тоже", "незакрыто и тоже"),
        ("`незакрытый код", "незакрытый код"),
        ("[**жирная** ссылка](https://e.org/x)", "жирная ссылка"),
        ("**[ссылка](https://e.org) в жирном**", "ссылка в жирном"),
        ("[<b>x</b>](https://e.org/?a=1&b=<2>)", "<b>x</b>"),
        ("****", ""),
        ("[](https://e.org)", ""),
    ],
)
def test_hostile_and_broken_markup_is_inert_text(text: str, shown: str) -> None:
    r = render_post(text)
    assert visible(str(r.body)) == shown
    assert "<script" not in str(r.body) and "javascript" not in str(r.body).lower()
    assert "onmouseover=" not in re.sub(r'href="[^"]*"', "", str(r.body))


def test_a_link_keeps_its_safe_url_escaped() -> None:
    html = str(to_html("[x](https://e.org/?a=1&b=<2>)")[0])
    assert 'href="https://e.org/?a=1&amp;b=&lt;2&gt;"' in html
    html = str(to_html('смотрите https://ria.ru/a_(b). и "https://e.org/x"')[0])
    assert '<a href="https://ria.ru/a_(b)"' in html and "</a>. и" in html
    assert '<a href="https://e.org/x"' in html


def test_the_subscribe_plug_and_footer_lines_fold_away() -> None:
    text = (
        "⚡️Республиканцы США готовят законопроект, **позволяющий решать без демократов,** — NBC News.\n\n"
        "Они собираются утвердить его до инаугурации.\n\n"
        "[👉 Топор Live. Подписаться](https://t.me/+HWFlcuXhzKdhYWY6)"
    )
    r = render_post(text)
    assert "Подписаться" not in str(r.body) and "инаугурации." in str(r.body)
    assert r.footer is not None and 'href="https://t.me/+HWFlcuXhzKdhYWY6"' in str(r.footer)
    assert visible(str(r.footer)) == "👉 Топор Live. Подписаться"
    body, footer = split_footer("Итоги дня.\n\n@moscowtop | [Прислать новость](https://t.me/bot)\n#новости")
    assert body == "Итоги дня." and footer == "@moscowtop | [Прислать новость](https://t.me/bot)\n#новости"
    # A bare link at the end may be the source: it stays, as does a source named off Telegram, and a post
    # that is nothing but a plug.
    assert split_footer("Курс вырос.\nhttps://rbc.ru/x") == ("Курс вырос.\nhttps://rbc.ru/x", "")
    source = "Курс вырос.\n🔗 [Источник](https://x.com/a/status/1)\n#курс"
    assert split_footer(source) == ("Курс вырос.\n🔗 [Источник](https://x.com/a/status/1)", "#курс")
    assert split_footer("Курс вырос.\n[Источник](https://t.me/+abc)")[1] == "[Источник](https://t.me/+abc)"
    assert render_post("[Подписаться](https://t.me/x)").footer is None
    assert render_post("").body == "" and render_post(None).footer is None


def test_a_preview_is_cut_at_a_word_and_keeps_its_tags_closed() -> None:
    r = render_post("**" + "слово " * 200 + "**", max_chars=100)
    assert r.cut and str(r.body).startswith("<strong>") and str(r.body).endswith("…</strong>")
    assert len(visible(str(r.body))) <= 101
    assert not render_post("коротко", max_chars=100).cut


def test_every_sample_post_renders_without_raw_markdown() -> None:
    rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    folded = 0
    for row in rows:
        r = render_post(row["text"])
        for part in (r.body, r.footer or ""):
            text = visible(str(part))
            assert "**" not in text and "](" not in text and "__" not in text, (row["message_id"], text)
        folded += r.footer is not None
    assert len(rows) == 654
    assert folded >= 100  # the plugs of Топор Live, Москва Топ, … (counted: 100+ of the 654 posts)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 20_000,
        ("[" * 300 + "\n") * 60,
        "`" * 20_000,
        "```" * 7_000,
        "**a " * 5_000 + "~~",
        "~~a||b__c" * 3_000,
        "[a](" * 5_000,
        "[" * 200 + "x" + "](https://e.org)" * 200,
    ],
    ids=["brackets", "bracket-lines", "backticks", "fences", "stars", "markers", "open-links", "nested"],
)
def test_hostile_sizes_render_in_linear_time(text: str) -> None:
    """Unclosed brackets, backticks and markers by the thousand: each is looked at once (a quadratic
    search took seconds for 20,000 brackets), nesting is cut at a depth, and the result is still safe."""
    started = time.perf_counter()
    r = render_post(text)
    took = time.perf_counter() - started
    assert took < 1.0, f"{took:.2f} s"
    parsed(str(r.body))
