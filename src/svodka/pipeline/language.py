"""Language of a post: ru, uk, be, en, or another ISO 639-1 code, offline (py3langid).

py3langid is restricted to the languages news channels here write in, which removes the classic
confusions of short Cyrillic texts with Bulgarian, Macedonian, Serbian or Kazakh; ``und`` for texts with
too few letters to tell.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

LANGUAGES = (
    "ru",
    "uk",
    "be",
    "en",
    "de",
    "fr",
    "es",
    "it",
    "pl",
    "tr",
    "ar",
    "he",
    "zh",
    "kk",
    "ka",
    "hy",
)
_LETTERS = re.compile(r"[^\W\d_]")
# Letters only Ukrainian (ї є ґ) or Belarusian (ў) use: a strong, cheap hint the model may underweigh.
_UK = re.compile(r"[їєґ]", re.IGNORECASE)
_BE = re.compile(r"ў", re.IGNORECASE)


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(LANGUAGES))
    return ident


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text`` (normalised text works best), ``und`` when it cannot be told."""
    if len(_LETTERS.findall(text)) < 12:
        return "und"
    sample = text[:1000]
    if _BE.search(sample):
        return "be"
    lang, _prob = _identifier().classify(sample)
    if lang == "ru" and len(_UK.findall(sample)) >= 2:
        return "uk"
    return str(lang)
