"""A post's text as safe HTML: Telegram's markdown rendered, links checked, the channel's footer folded away.

Telegram posts (as the importers store them) carry a small markdown: ``**bold**``, ``__italic__``,
``~~struck~~``, ``||spoiler||``, ```code``` and fenced blocks, ``[text](url)`` links (with brackets and
parentheses nested inside), and bare URLs. :func:`render_post` parses that into a few nodes and writes them
back as HTML: every character of the text is escaped, a link keeps only a URL that passes
:func:`svodka.links.safe_url` (else its text stays, unlinked), an unpaired marker is dropped, so no raw
markdown reaches the reader. The trailing lines the pipeline takes for channel furniture («[❤ Топор Live.
Подписаться](https://t.me/+…)», «@channel», hashtags) come back apart, as ``footer``, for the page to fold
into a collapsed ``<details>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from svodka.links import safe_url
from svodka.pipeline.normalize import normalize

_MARKERS = (("**", "strong"), ("__", "em"), ("~~", "s"), ("||", "span"))
_SPECIAL = re.compile(r"\*\*|__|~~|\|\||`|\]\(|\[|https?://", re.IGNORECASE)
_STRAY_TAIL = re.compile(r"\]\([^()\s]*\)?")  # the end of a link whose start was cut off: "…text](url)"
_BARE_URL = re.compile(r"https?://[^\s<>\"'«»]+", re.IGNORECASE)
_URL_TAIL = ".,;:!?)]}»…\"'"
_ONLY_URL = re.compile(r"\s*(?:https?://|www\.)\S+\s*", re.IGNORECASE)
_SOURCE = re.compile(r"источник|подробн|source|read more", re.IGNORECASE)
_LINK_URL = re.compile(r"\]\(([^()\s]+)\)")
_TELEGRAM = re.compile(r"(?:https?://)?(?:t\.me|telegram\.me)/", re.IGNORECASE)
_LINK_TEXT = re.compile(r"\[([^\[\]]*)\]\(")  # a link's text, which may run over a line break


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Span:
    tag: str  # strong, em, s, span (a spoiler), code
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Link:
    url: str | None  # None: the URL was not safe, the text stays as text
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Code:
    text: str
    block: bool


Node = Text | Span | Link | Code


@dataclass(frozen=True, slots=True)
class Rendered:
    """A post's text as HTML: the body, and the channel's footer lines apart (``None``: there are none)."""

    body: Markup
    footer: Markup | None
    cut: bool  # the body was shortened to the length asked for


MAX_FOOTER_LINE = 400  # a footer line is short («[❤ Канал. Подписаться](https://t.me/+…)»); longer is text
MAX_DEPTH = 8  # links and spans nested deeper than this are read as text (hostile input, not posts)


def _pairs(text: str) -> dict[int, int]:
    """Every bracket's partner in one pass: ``[`` → its ``]`` (nesting counted), ``(`` → its ``)`` (on the
    same line). Unclosed ones have none."""
    out: dict[int, int] = {}
    square: list[int] = []
    round_: list[int] = []
    for i, ch in enumerate(text):
        if ch == "[":
            square.append(i)
        elif ch == "]" and square:
            out[square.pop()] = i
        elif ch == "(":
            round_.append(i)
        elif ch == ")" and round_:
            out[round_.pop()] = i
        elif ch == "\n":
            round_.clear()
    return out


def parse(text: str) -> tuple[Node, ...]:
    """Telegram markdown as nodes; whatever is not markup is text (unpaired markers are dropped). Linear in
    the text's length (times the nesting depth, at most :data:`MAX_DEPTH`), whatever the text holds."""
    return _parse(text, 0, len(text), _pairs(text), 0)


def _parse(text: str, start: int, stop: int, pairs: dict[int, int], depth: int) -> tuple[Node, ...]:
    if depth >= MAX_DEPTH:
        return (Text(text[start:stop]),)
    out: list[Node] = []
    i = plain_from = start
    unpaired: set[str] = set()  # markers with no partner left before ``stop``: not looked for again

    def flush(upto: int) -> None:
        if upto > plain_from:
            out.append(Text(text[plain_from:upto]))

    def partner(token: str, at: int) -> int:
        if token in unpaired:
            return -1
        found = text.find(token, at, stop)
        if found < 0:
            unpaired.add(token)
        return found

    while i < stop:
        m = _SPECIAL.search(text, i, stop)
        if m is None:
            break
        i = m.start()
        token = m.group(0)
        if token == "`":
            fence = text.startswith("```", i, stop)
            width = 3 if fence else 1
            end = partner("`" * width, i + width)
            flush(i)
            if end >= 0 and (fence or "\n" not in text[i + 1 : end]):
                body = text[i + width : end]
                out.append(Code(body.strip("\n") if fence else body, fence))
                i = end + width
            else:
                i += width  # an unpaired backtick: dropped
            plain_from = i
            continue
        if token == "[":
            close = pairs.get(i, -1)
            end = pairs.get(close + 1, -1) if close > i and text.startswith("(", close + 1) else -1
            if 0 < end < stop:
                flush(i)
                url = safe_url(text[close + 2 : end])
                out.append(Link(url, _parse(text, i + 1, close, pairs, depth + 1)))
                i = plain_from = end + 1
                continue
            i += 1  # a bracket that opens no link is text
            continue
        if token == "](":  # a link's tail without its start (a cut text): the URL goes, the text stays
            flush(i)
            tail = _STRAY_TAIL.match(text, i, stop)
            i = plain_from = tail.end() if tail else i + 2
            continue
        if token.lower().startswith("http"):
            um = _BARE_URL.match(text, i, stop)
            if um is None:
                i += len(token)
                continue
            raw = um.group(0).rstrip(_URL_TAIL)
            if raw.count("(") > raw.count(")") and um.group(0)[len(raw) : len(raw) + 1] == ")":
                raw += ")"  # a Wikipedia-style URL keeps its closing parenthesis
            flush(i)
            url = safe_url(raw)
            out.append(Link(url, (Text(raw),)) if url else Text(raw))
            i = plain_from = i + len(raw)
            continue
        tag = dict(_MARKERS)[token]
        end = partner(token, i + 2)
        flush(i)
        if end > i + 2 and text[i + 2 : end].strip():
            out.append(Span(tag, _parse(text, i + 2, end, pairs, depth + 1)))
            i = end + 2
        else:
            i += 2  # unpaired, or wrapping nothing: dropped
        plain_from = i
    flush(stop)
    return tuple(out)


class _Budget:
    """How many more visible characters a shortened rendering may write."""

    def __init__(self, chars: int | None) -> None:
        self.left = chars
        self.cut = False

    def take(self, text: str) -> str:
        if self.left is None:
            return text
        if self.left <= 0:
            self.cut = self.cut or bool(text)
            return ""
        if len(text) <= self.left:
            self.left -= len(text)
            return text
        part = text[: self.left]
        space = part.rfind(" ")
        if space > len(part) // 2:
            part = part[:space]
        self.left = 0
        self.cut = True
        return part.rstrip() + "…"


def _html(nodes: tuple[Node, ...], budget: _Budget) -> str:
    out: list[str] = []
    for node in nodes:
        if budget.left is not None and budget.left <= 0:
            budget.cut = True
            break
        if isinstance(node, Text):
            out.append(str(escape(budget.take(node.text))))
        elif isinstance(node, Code):
            code = str(escape(budget.take(node.text)))
            out.append(f"<pre><code>{code}</code></pre>" if node.block else f"<code>{code}</code>")
        elif isinstance(node, Span):
            inner = _html(node.children, budget)
            if node.tag == "span":
                out.append(f'<span class="spoiler">{inner}</span>')
            else:
                out.append(f"<{node.tag}>{inner}</{node.tag}>")
        else:
            inner = _html(node.children, budget)
            if node.url is None:
                out.append(inner)
            else:
                href = escape(node.url)
                out.append(f'<a href="{href}" rel="nofollow noopener noreferrer">{inner}</a>')
    return "".join(out)


def to_html(text: str, max_chars: int | None = None) -> tuple[Markup, bool]:
    """``text``'s markdown as safe HTML (at most ``max_chars`` visible characters), and whether it was cut."""
    budget = _Budget(max_chars)
    return Markup(_html(parse(text), budget)), budget.cut


def _plain(nodes: tuple[Node, ...]) -> str:
    return "".join(n.text if isinstance(n, Text | Code) else _plain(n.children) for n in nodes)


def plain_text(text: str) -> str:
    """``text`` as a reader sees it, as plain text: markers dropped, a link as its text (no HTML)."""
    return _plain(parse(text))


def _furniture(line: str) -> bool:
    """A line the pipeline drops as channel furniture (a plug, a link list, @mentions, hashtags), but not a
    bare link nor «[Источник](https://…)» off Telegram: the post's source stays in sight."""
    if not line.strip() or len(line) > MAX_FOOTER_LINE or _ONLY_URL.fullmatch(line):
        return False
    if _SOURCE.search(line) and any(not _TELEGRAM.match(u) for u in _LINK_URL.findall(line)):
        return False
    return normalize(line) == ""


def split_footer(text: str) -> tuple[str, str]:
    """``text`` as its body and the channel's footer: the trailing lines that are furniture."""
    text = _LINK_TEXT.sub(lambda m: f"[{' '.join(m.group(1).split())}](", text.replace("\r\n", "\n"))
    lines = text.split("\n")
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and (_furniture(lines[start - 1]) or (not lines[start - 1].strip() and start < end)):
        start -= 1
    while start < end and not lines[start].strip():
        start += 1
    if start == end or not any(line.strip() for line in lines[:start]):
        return text.strip("\n"), ""  # no footer, or nothing but one: shown as it is
    return "\n".join(lines[:start]).rstrip(), "\n".join(lines[start:end])


def render_post(text: str | None, max_chars: int | None = None) -> Rendered:
    """A post's text as :class:`Rendered` HTML; ``max_chars`` shortens the body (a list's preview)."""
    body, footer = split_footer(text or "")
    html, cut = to_html(body, max_chars)
    return Rendered(html, to_html(footer)[0] if footer else None, cut)
