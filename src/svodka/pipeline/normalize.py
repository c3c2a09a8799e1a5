"""Normalise a post's text for comparison: no markdown, link syntax, emoji runs or channel footers.

What remains is what a reader takes as the news: the lead and the body, one space between words. The raw
text stays in the store; this form feeds language detection, copy detection and story clustering.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Footer lines channels append to every post ("Подписаться", "Читать нас без VPN", "Прислать новость"…).
_FOOTER = re.compile(
    r"(подпис[а-я]*|прислать новость|предложить новость|читать (нас )?без vpn|наш канал|наш чат|"
    r"subscribe|follow us|join us|поддержать канал|бустани|буст канал|"
    r"source|источник|прислать|вконтакте|дзен|max|telegram|телеграм)",
    re.IGNORECASE,
)
_MD_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_URL = re.compile(r"(?:https?://|www\.|t\.me/)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w{3,}")
_MARKUP = re.compile(r"\*\*|__|~~|`+|\|\|")
_SPACES = re.compile(r"[ \t\u00a0\u200b\u200d\ufe0f]+")


def _is_symbol(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat in ("So", "Sk", "Cs", "Co") or 0x1F000 <= ord(ch) <= 0x1FAFF


def strip_symbols(text: str) -> str:
    """Emoji and pictographs out (runs of them decorate lines); letters, digits and punctuation stay."""
    return "".join(" " if _is_symbol(ch) else ch for ch in text)


def _footer_line(line: str) -> bool:
    """A short line made of a call to subscribe or a link list, not of news."""
    bare = line.strip(" |•-—–·:")
    if not bare:
        return True
    words = bare.split()
    return len(words) <= 8 and bool(_FOOTER.search(bare))


def normalize(text: str) -> str:
    """The comparable text of a post: markup, links, mentions, emoji and footer lines removed."""
    if not text:
        return ""
    lines: list[str] = []
    for raw in text.replace("\r", "").split("\n"):
        line = _MD_LINK.sub(lambda m: m.group(1), raw)
        line = _MARKUP.sub("", line)
        line = strip_symbols(line)
        had_link = line != raw and ("](" in raw or _URL.search(raw) is not None)
        line = _URL.sub(" ", line)
        line = _MENTION.sub(" ", line)
        line = _SPACES.sub(" ", line).strip()
        if not line:
            continue
        if (had_link or _FOOTER.search(line)) and _footer_line(line):
            continue
        lines.append(line)
    # Footer lines sit at the end: drop trailing hashtag-only lines too.
    while lines and all(w.startswith("#") for w in lines[-1].split()):
        lines.pop()
    return "\n".join(lines).strip()


def lead(text: str, max_chars: int = 400) -> str:
    """The first sentences of normalised text up to ``max_chars``: what identifies the event."""
    flat = " ".join(text.split())
    if len(flat) <= max_chars:
        return flat
    cut = flat.rfind(" ", 0, max_chars)
    return flat[: cut if cut > max_chars // 2 else max_chars]


def text_hash(text: str) -> int:
    """A 63-bit hash of normalised text, case and punctuation folded: equal hashes mean the same words."""
    folded = " ".join(re.findall(r"\w+", text.lower().replace("ё", "е")))
    return int.from_bytes(hashlib.blake2b(folded.encode(), digest_size=8).digest(), "big") >> 1
