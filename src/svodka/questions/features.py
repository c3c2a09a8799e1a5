"""Question text → lemmas → dense vectors (the features both the clustering and the baseline use).

Russian is highly inflected ("парадной", "парадная", "парадную" are one word to a reader), so words are
lemmatised offline with simplemma before TF-IDF; character n-grams over the lemmas catch misspellings
("Маленькмй") and compounds that word features miss. Both are reduced with one SVD so a new question
can be placed in the same space later (incremental triage) by the fitted :class:`Featurizer`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import simplemma
from scipy import sparse
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer

from svodka.stopwords import RUSSIAN_FUNCTION_WORDS

_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
# Links (often to earlier appeals on the portal) say nothing about the topic but would label one.
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# Russian function words and portal noise that carry no topic (kept short on purpose: TF-IDF does the rest).
_STOP_WORDS = """
это весь свой который мочь xx xxx xxxx xxxxx xxxxxx просить прошу пожалуйста спасибо добрый день
здравствуйте
"""
STOP = RUSSIAN_FUNCTION_WORDS | frozenset(_STOP_WORDS.split())


def words(text: str) -> list[str]:
    """The words of ``text`` the features read (lower case, links left out), before lemmas."""
    return _WORD.findall(_URL.sub(" ", text.lower()))


class LemmaTokens:
    """A tokenizer that lemmatises Russian words, with a per-word cache (a vocabulary is small); picklable."""

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    def __call__(self, text: str) -> list[str]:
        out = []
        cache = self.cache
        for w in words(text):
            lemma = cache.get(w)
            if lemma is None:
                lemma = simplemma.lemmatize(w, lang="ru").lower()
                cache[w] = lemma
            if lemma not in STOP and w not in STOP:
                out.append(lemma)
        return out


@dataclass(frozen=True, slots=True)
class FeatureSettings:
    dims: int = 150
    min_df: int = 2
    char_weight: float = 0.7
    seed: int = 0


class Featurizer:
    """Fitted lemmatised word (1–2-gram) + character TF-IDF → SVD → unit vectors."""

    def __init__(self, settings: FeatureSettings | None = None, tokens: LemmaTokens | None = None) -> None:
        self.settings = settings or FeatureSettings()
        self.tokens = tokens or LemmaTokens()  # share a fitted one's: its lemma cache is warm
        self.words = TfidfVectorizer(
            analyzer=self._lemmas, ngram_range=(1, 1), min_df=self.settings.min_df, sublinear_tf=True
        )
        self.chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(3, 5),
            min_df=self.settings.min_df,
            sublinear_tf=True,
            max_features=200_000,
            dtype=np.float32,
        )
        self.svd: TruncatedSVD | None = None

    def _lemmas(self, text: str) -> list[str]:
        toks = self.tokens(text)
        return toks + [f"{a} {b}" for a, b in pairwise(toks)]

    def lemma_text(self, texts: Sequence[str]) -> list[str]:
        return [" ".join(self.tokens(t)) for t in texts]

    def _sparse(self, texts: Sequence[str], fit: bool) -> sparse.csr_matrix:
        lem = self.lemma_text(texts)
        if fit:
            w = self.words.fit_transform(texts)
            c = self.chars.fit_transform(lem)
        else:
            w = self.words.transform(texts)
            c = self.chars.transform(lem)
        return sparse.hstack([w, c * self.settings.char_weight]).tocsr()

    def _embed(self, x: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        assert self.svd is not None
        z = self.svd.transform(x)
        zn = np.linalg.norm(z, axis=1)
        xn = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        energy = np.where(xn > 0, zn / np.maximum(xn, 1e-12), 0.0)
        return (z / np.maximum(zn, 1e-12)[:, None]).astype(np.float32), energy.astype(np.float32)

    def fit_embed(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Fit, then (unit vectors, energy): the share of each text's TF-IDF norm the SVD space keeps.

        cosine(z, c) × energy is the cosine between the text and centroid ``c`` in the TF-IDF space itself,
        so a question whose words the space never learned scores low even if its unit vector looks close.
        """
        x = self._sparse(texts, fit=True)
        dims = max(2, min(self.settings.dims, x.shape[1] - 1, x.shape[0] - 1))
        self.svd = TruncatedSVD(dims, random_state=self.settings.seed, algorithm="randomized", n_iter=4)
        self.svd.fit(x)
        self.svd.components_ = self.svd.components_.astype(np.float32)
        # Terms cut by min_df: only for introspection, and as large as the vocabulary (sklearn says drop).
        for v in (self.words, self.chars):
            if hasattr(v, "stop_words_"):
                del v.stop_words_
        return self._embed(x)

    def embed(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        if self.svd is None:
            raise RuntimeError("Featurizer.embed before fit_embed")
        return self._embed(self._sparse(texts, fit=False))

    def fit_transform(self, texts: Sequence[str]) -> np.ndarray:
        return self.fit_embed(texts)[0]

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed(texts)[0]
