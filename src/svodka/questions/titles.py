"""A short readable title per question topic, extractive: one of its representative questions (which are
central and well formed, see :func:`svodka.questions.kmeans.representatives`), its first sentence trimmed at
a clause boundary to at most ``TITLE_CHARS`` characters.

Among the representatives the one whose title covers most of the topic's c-TF-IDF keywords wins (earlier,
i.e. more central, on ties), so the title names what the topic is about, not a side remark. The title is
derived from what the store keeps with every topic (representatives and keywords), so it needs no column
and stays in step when an incremental triage refreshes them. A hand read of 20 subtopics of 12,000 dev
appeals: 18 titles name the request (two quote garbled spelling), against lemma lists such as
"требоваться, уборка, шахта" (benchmarks/README.md, question topics).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from svodka.model import QuestionTopic

TITLE_CHARS = 80
MIN_CHARS = 12  # a shorter first sentence ("Мусор.") takes the next sentence along
_MASK = re.compile(r"\bX{3,}\b[.,]?\s*", re.IGNORECASE)
_MARKUP = re.compile(r"[*_`#>\[\]]+|https?://\S+")
_SENTENCE = re.compile(r"(?<=[.!?…])\s+|\n+")
_CLAUSE = re.compile(r"[,;:—–(]\s|\s[-—–]\s")
_WORD = re.compile(r"\w+")


def _clean(text: str) -> str:
    text = _MARKUP.sub(" ", _MASK.sub("", text))
    return re.sub(r"\s+", " ", text).strip(" .,;:-—")


def trim(text: str, limit: int = TITLE_CHARS) -> str:
    """The text's first sentence (with the next ones while it is shorter than ``MIN_CHARS``), cut back to
    the last clause boundary within ``limit`` characters, else to the last whole word with an ellipsis."""
    out = ""
    for sent in _SENTENCE.split(text.strip()):
        out = f"{out} {_clean(sent)}".strip()
        if len(out) >= MIN_CHARS:
            break
    out = _clean(out)
    if len(out) <= limit:
        return _capital(out)
    head = out[: limit + 1]
    cuts = [m.start() for m in _CLAUSE.finditer(head) if m.start() >= limit // 3]
    if cuts:
        return _capital(head[: cuts[-1]].rstrip(" ,;:"))
    words = head[:limit].rsplit(" ", 1)[0].rstrip(" ,;:—-")
    return _capital(words + "…")


def _capital(s: str) -> str:
    return s[:1].upper() + s[1:]


def _stems(words: Sequence[str]) -> set[str]:
    return {w.lower()[:5] for w in words for w in _WORD.findall(w) if len(w) > 2}


def title(representatives: Sequence[str], keywords: Sequence[str], limit: int = TITLE_CHARS) -> str:
    """The best-covering trimmed representative; empty when the topic has none."""
    keys = _stems(keywords)
    best, best_cover = "", -1
    for rep in representatives:
        cand = trim(rep, limit)
        if len(cand) < MIN_CHARS and best:
            continue
        cover = len(keys & _stems([cand]))
        if cover > best_cover:
            best, best_cover = cand, cover
    return best


def topic_title(topic: QuestionTopic) -> str:
    """A topic's title, falling back to its label (keywords) when it has no representative text."""
    return title(topic.representatives, topic.keywords) or topic.label
