"""Named entities of Russian texts, and each name in the nominative — natasha's offline NER and
morphology (their models ship in natasha's wheel, the dictionary in pymorphy2's).

A name comes out of a post in the case of its sentence («в Грузии», «заявил пресс-секретарь Дмитрия
Пескова»); a line that names it in its own words takes it in the nominative («Грузия», «Дмитрий Песков»).
People and places: every word of the name in the nominative (natasha's ``normalize``); an organisation:
its words up to its head noun («Министерстве иностранных дел» → «Министерство иностранных дел», «Армии
обороны» → «Армия обороны»), its dependants as written. A word the dictionary does not know stays as
written.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from natasha.doc import DocToken
    from natasha.morph.vocab import MorphVocab

ORG = "ORG"
_HEADS = frozenset(["NOUN", "PROPN"])


class EntityFinder(Protocol):
    """Named entities of texts: per text, ``(kind, words as written)`` with kind PER, LOC or ORG; and one
    such name, found in its sentence, in the nominative."""

    def entities(self, texts: Sequence[str]) -> list[list[tuple[str, str]]]: ...

    def nominative(self, sentence: str, name: str, kind: str) -> str: ...


class NatashaEntities:
    """natasha's offline Russian NER (its models ship in its wheel). A call costs the same for one text
    as for many, so every text goes into one document and the spans are handed back per text."""

    def __init__(self) -> None:
        from natasha import Doc, NewsEmbedding, NewsMorphTagger, NewsNERTagger, Segmenter

        embedding = NewsEmbedding()
        self._doc, self._segmenter = Doc, Segmenter()
        self._tagger, self._morph = NewsNERTagger(embedding), NewsMorphTagger(embedding)
        self._vocab: MorphVocab | None = None

    def entities(self, texts: Sequence[str]) -> list[list[tuple[str, str]]]:
        starts, joined = [], ""
        for t in texts:
            starts.append(len(joined))
            joined += t.replace("\n", " ") + "\n\n"
        doc = self._doc(joined)
        doc.segment(self._segmenter)
        doc.tag_ner(self._tagger)
        out: list[list[tuple[str, str]]] = [[] for _ in texts]
        for span in doc.spans:
            i = max(0, bisect_right(starts, span.start) - 1)
            out[i].append((span.type, span.text))
        return out

    def nominative(self, sentence: str, name: str, kind: str) -> str:
        """``name`` (a span :meth:`entities` found in ``sentence``) in the nominative; as written where its
        words are not found in the sentence."""
        return self._nominative(sentence, name, kind)

    @lru_cache(maxsize=4096)  # noqa: B019 (one finder per process: natasha_entities)
    def _nominative(self, sentence: str, name: str, kind: str) -> str:
        from natasha.norm import inflect_word, recover_shapes, recover_spaces

        at = sentence.find(name)
        if at < 0:
            return name
        doc = self._doc(sentence)
        doc.segment(self._segmenter)
        doc.tag_morph(self._morph)
        tokens = [t for t in doc.tokens if t.start >= at and t.stop <= at + len(name)]
        if not tokens or recover_spaces([t.text for t in tokens], tokens) != name:
            return name
        inflected = _up_to_head(tokens) if kind == ORG else len(tokens)
        words = [
            _keep_yo(inflect_word(self.vocab, t), t.text) if i < inflected else t.text
            for i, t in enumerate(tokens)
        ]
        return str(recover_spaces(list(recover_shapes(words, tokens)), tokens))

    @property
    def vocab(self) -> MorphVocab:
        if self._vocab is None:
            self._vocab = morph_vocab()
        return self._vocab


def _up_to_head(tokens: Sequence[DocToken]) -> int:
    """How many of an organisation's words, up to its first noun (its head), take the nominative; what
    follows depends on the head and keeps its case («Министерство иностранных дел»)."""
    return next((i + 1 for i, t in enumerate(tokens) if t.pos in _HEADS), len(tokens))


def _keep_yo(word: str, written: str) -> str:
    """The inflected word with the «ё» the post wrote where the dictionary's form has «е» («Ёлем»)."""
    chars = list(word)
    for i, c in enumerate(written.lower()):
        if c == "ё" and i < len(chars) and chars[i] == "е":
            chars[i] = "ё"
    return "".join(chars)


def morph_vocab() -> MorphVocab:
    """natasha's morphology over pymorphy2's Russian dictionary, named by its path (pymorphy2 finds it
    through ``pkg_resources``, which recent setuptools no longer ship)."""
    import pymorphy2_dicts_ru
    from natasha.morph.vocab import MorphForm, MorphVocab
    from pymorphy2 import MorphAnalyzer

    class _Vocab(MorphVocab):
        def __init__(self) -> None:
            MorphAnalyzer.__init__(self, path=pymorphy2_dicts_ru.get_path(), result_type=MorphForm)

    return _Vocab()


@lru_cache(maxsize=1)
def natasha_entities() -> NatashaEntities:
    """One finder per process (natasha loads its models in a second or two)."""
    return NatashaEntities()
