"""Words as watchlists see them: the stems of search, and Russian names in their cases.

A word is stemmed exactly as full-text search stems it (Snowball, Russian or English by script, a stem
shorter than 3 letters kept whole: see ``svodka.store.sqlite.fulltext``) and matches every word that begins
with its stem, so «выборы» finds «выборах» as search does. A stem is too loose for a surname («Песков» stems
to «песк», which «пески» begins with): a word written with a capital letter in a watchlist is a *name*, and
matches only itself in its Russian cases (:func:`name_forms`), written with a capital in the post.
"""

from __future__ import annotations

import re

from svodka.stemming import snowball

_WORD = re.compile(r"\w+", re.UNICODE)
_CYRILLIC = re.compile(r"[а-яё]")


def fold(text: str) -> str:
    """Lower case, ``ё`` read as ``е``: how words are compared."""
    return text.lower().replace("ё", "е")


def stem(word: str) -> str:
    """The stem search uses for a folded word (the same rule as the SQLite full-text index)."""
    s = snowball("ru" if _CYRILLIC.search(word) else "en").stemWord(word)
    return s if len(s) >= 3 else word


def words(text: str) -> tuple[list[str], list[str]]:
    """The words of a text as written, and folded (the same words, position by position)."""
    written = _WORD.findall(text)
    folded = _WORD.findall(fold(text))
    if len(folded) != len(written):  # a letter whose lower case is not one word character
        folded = [fold(w) for w in written]
    return written, folded


def names_in(query_text: str) -> frozenset[str]:
    """The folded words a query writes with a capital letter (not the operators AND, OR, NOT)."""
    return frozenset(fold(w) for w in _WORD.findall(query_text) if w[0].isupper() and not w.isupper())


# Case endings of Russian names by how the nominative ends: (what to cut off, the endings of the stem left).
_MASC_SURNAME = ("", "а", "у", "ом", "ым", "е", "ы", "ой", "ою", "ых", "ыми")  # Песков, Путин (+ Пескова)
_CONSONANT = ("", "а", "у", "ом", "ем", "е", "ы", "и", "ой", "ою")  # Шольц, Макрон, Трамп
_DECLENSION: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ский", ("ский", "ского", "скому", "ским", "ском", "ские", "ских", "скими", "ская", "ской", "скую")),
    ("цкий", ("цкий", "цкого", "цкому", "цким", "цком", "цкая", "цкой", "цкую")),
    ("ий", ("ий", "ия", "ию", "ием", "ии", "ого", "ому", "им", "ом")),  # Дмитрий, Валерий
    ("ый", ("ый", "ого", "ому", "ым", "ом", "ая", "ой", "ую")),
    ("ая", ("ая", "ой", "ую", "ою")),  # Зеленская, Толстая
    ("ия", ("ия", "ии", "ию", "ией", "иею")),  # Мария
    ("а", ("а", "ы", "и", "е", "у", "ой", "ою", "ей")),  # Набиуллина, Никита
    ("я", ("я", "и", "е", "ю", "ей", "ею")),  # Илья
    ("ь", ("ь", "я", "ю", "ем", "е", "и")),  # Игорь
    ("ов", tuple("ов" + e for e in _MASC_SURNAME)),
    ("ев", tuple("ев" + e for e in _MASC_SURNAME)),
    ("ин", tuple("ин" + e for e in _MASC_SURNAME)),
    ("ын", tuple("ын" + e for e in _MASC_SURNAME)),
)


def name_forms(name: str) -> frozenset[str]:
    """A folded name in its Russian cases: «песков» → «пескова», «пескову», «песковым» …; a name ending in
    another vowel («шойгу») or written in Latin letters is not declined."""
    if not _CYRILLIC.search(name) or len(name) < 3:
        return frozenset({name})
    for ending, forms in _DECLENSION:
        if name.endswith(ending):
            base = name[: len(name) - len(ending)]
            return frozenset(base + f for f in forms)
    if name[-1] in "аеёиоуыэюя":
        return frozenset({name})
    return frozenset(name + e for e in _CONSONANT)
