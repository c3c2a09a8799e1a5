"""The query language of search and watchlists (svodka.query): what each form of input parses to."""

from __future__ import annotations

import pytest

from svodka.errors import QueryError, SvodkaError
from svodka.query import And, Not, Or, Phrase, Term, parse_query, positive_words


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("выборы", Term("выборы")),
        ("Ёлка", Term("елка")),
        ("вакцин*", Term("вакцин", prefix=True)),
        ("выборы москва", And((Term("выборы"), Term("москва")))),
        ("выборы AND москва", And((Term("выборы"), Term("москва")))),
        ("выборы OR референдум", Or((Term("выборы"), Term("референдум")))),
        ("выборы | референдум", Or((Term("выборы"), Term("референдум")))),
        ("a b OR c", Or((And((Term("a"), Term("b"))), Term("c")))),
        ("a OR b c", Or((Term("a"), And((Term("b"), Term("c")))))),
        ("a OR b OR c", Or((Term("a"), Term("b"), Term("c")))),
        ("(a OR b) c", And((Or((Term("a"), Term("b"))), Term("c")))),
        ("выборы -реклама", And((Term("выборы"), Not(Term("реклама"))))),
        ("выборы NOT реклама", And((Term("выборы"), Not(Term("реклама"))))),
        ('"Точная  фраза"', Phrase(("точная", "фраза"))),
        ('a -"b c"', And((Term("a"), Not(Phrase(("b", "c")))))),
        ("a -(b OR c)", And((Term("a"), Not(Or((Term("b"), Term("c"))))))),
        ("a NOT NOT b", And((Term("a"), Term("b")))),
        ("covid-19", And((Term("covid"), Term("19")))),
        ("or and not", And((Term("or"), Term("and"), Term("not")))),  # lower case: words
        ("a, b!", And((Term("a"), Term("b")))),
        ('a "" b', And((Term("a"), Term("b")))),
        ("a - b", And((Term("a"), Term("b")))),  # a lone dash is punctuation
        ('a "unclosed phrase', And((Term("a"), Phrase(("unclosed", "phrase"))))),  # runs to the end
        ("(a OR b", Or((Term("a"), Term("b")))),  # an open bracket closes at the end
        ("a b) c", And((Term("a"), Term("b"), Term("c")))),  # a stray one is ignored
        ("a () b", And((Term("a"), Term("b")))),
        ("-20 градусов", And((Term("20"), Term("градусов")))),  # a minus before a digit is a sign
    ],
)
def test_parses(text: str, tree: object) -> None:
    assert parse_query(text) == tree


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "nothing to search for"),
        ("   !!! ", "nothing to search for"),
        ("a OR", "OR needs something on both sides"),
        ("OR a", "OR needs something on both sides"),
        ("a AND", "AND needs something on both sides"),
        ("a NOT", "NOT needs a word"),
        ("a (OR b)", "OR needs something on both sides"),
        ("-реклама", "not only words to leave out"),
        ("NOT a", "not only words to leave out"),
        ("a OR -b", "not only words to leave out"),
    ],
)
def test_malformed_input_is_one_clear_line(text: str, why: str) -> None:
    with pytest.raises(QueryError) as e:
        parse_query(text)
    assert why in str(e.value)
    assert "\n" not in str(e.value)
    assert isinstance(e.value, SvodkaError)  # the CLI prints it as one line and exits non-zero


def test_trees_are_frozen_and_hashable() -> None:
    tree = parse_query('a "b c" -d OR e*')
    assert hash(tree) == hash(parse_query('a "b c" -d OR e*'))
    with pytest.raises(AttributeError):
        tree.nodes = ()  # type: ignore[misc,union-attr]


def test_positive_words_leave_out_negations() -> None:
    assert positive_words(parse_query('a "b c" -d OR e* a')) == ["a", "b", "c", "e"]
