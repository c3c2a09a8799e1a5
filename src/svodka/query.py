"""The query language a person types into search and watchlists, parsed into a small backend-neutral tree.

The syntax::

    выборы москва          both words (juxtaposition, or AND between them)
    выборы OR референдум   either (also ``|``); AND binds tighter than OR: ``a b OR c`` is ``(a b) OR c``
    NOT реклама, -реклама  without the word (NOT binds tightest; -5, a minus before a digit, is a number)
    "точная фраза"         the words next to each other, in order, as written (an unclosed quote: to the end)
    вакцин*                every word beginning so (a prefix as typed, not stemmed)
    (a OR b) c             parentheses group (a ')' without its '(' is ignored, an open '(' closes at the end)

Words are lower-cased with ``ё`` read as ``е``; a bare token of several words (``covid-19``) is all of them.
Operators are the upper-case words ``AND``, ``OR``, ``NOT``; in lower case they are words. Every part of a
query must match something by itself: a negation needs a word beside it (``-x`` alone, or ``a OR -b``, is an
error), because an index cannot list "every post without x".

Backends compile the tree: SQLite to an FTS5 MATCH expression (svodka.store.sqlite.fulltext), PostgreSQL to
a tsquery, watchlists to a matcher over stemmed tokens. Malformed input raises :class:`QueryError`, one line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from svodka.errors import QueryError

__all__ = ["And", "Node", "Not", "Or", "Phrase", "QueryError", "Term", "parse_query", "positive_words"]


@dataclass(frozen=True)
class Term:
    """One word; ``prefix``: typed as ``word*``, every word that begins so."""

    word: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    """Words next to each other, in this order."""

    words: tuple[str, ...]


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class And:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    nodes: tuple[Node, ...]


Node = Term | Phrase | Not | And | Or

_WORD = re.compile(r"\w+", re.UNICODE)
# Tokens: a quoted phrase (an unclosed quote runs to the end), a bracket, a bar, a bare run.
_TOKEN = re.compile(r'"(?P<phrase>[^"]*)(?P<close>"?)|(?P<sym>[()|])|(?P<bare>[^\s()"|]+)')
_OPERATORS = {"AND", "OR", "NOT"}


def _norm(text: str) -> str:
    return text.lower().replace("ё", "е")


@dataclass(frozen=True)
class _Tok:
    kind: str  # "word" (a node already), "(", ")", "OR", "AND", "NOT"
    node: Node | None = None


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    for m in _TOKEN.finditer(text):
        if m.group("sym"):
            sym = m.group("sym")
            toks.append(_Tok("OR" if sym == "|" else sym))
        elif m.group("phrase") is not None and m.group(0).startswith('"'):
            phrase = tuple(_WORD.findall(_norm(m.group("phrase"))))
            if phrase:
                toks.append(_Tok("word", Phrase(phrase)))
        else:
            bare = m.group("bare")
            if bare in _OPERATORS:
                toks.append(_Tok(bare))
                continue
            # A minus before a digit is a sign (-5, -100123…), not NOT.
            negated = bare.startswith("-") and not bare.lstrip("-")[:1].isdigit()
            bare = bare.lstrip("-")
            if negated and not bare:  # "-" right before a quote or bracket: -"a b", -(a b); else a dash
                if text[m.end() : m.end() + 1] in ('"', "("):
                    toks.append(_Tok("NOT"))
                continue
            if negated:
                toks.append(_Tok("NOT"))
            words = _WORD.findall(_norm(bare))
            if not words:
                if negated:
                    toks.pop()
                continue
            terms = [Term(w) for w in words]
            if bare.endswith("*"):
                terms[-1] = Term(words[-1], prefix=True)
            toks.append(_Tok("word", terms[0] if len(terms) == 1 else And(tuple(terms))))
    return _balanced(toks)


def _balanced(toks: list[_Tok]) -> list[_Tok]:
    """Brackets as pasted text has them: a ')' without its '(' and an empty '()' go; an open '(' closes
    at the end."""
    out: list[_Tok] = []
    depth = 0
    for t in toks:
        if t.kind == ")":
            if not depth:
                continue
            depth -= 1
            if out and out[-1].kind == "(":
                out.pop()
                continue
        elif t.kind == "(":
            depth += 1
        out.append(t)
    return out + [_Tok(")")] * depth


class _Parser:
    def __init__(self, text: str, toks: list[_Tok]) -> None:
        self.text = text
        self.toks = toks
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i].kind if self.i < len(self.toks) else None

    def fail(self, why: str) -> QueryError:
        return QueryError(f"cannot read the query {self.text!r}: {why}")

    def parse(self) -> Node:
        return self.or_expr()

    def or_expr(self) -> Node:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.i += 1
            if self.peek() in (None, ")", "OR"):
                raise self.fail("OR needs something on both sides")
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else Or(tuple(_flat(Or, parts)))

    def and_expr(self) -> Node:
        parts: list[Node] = []
        while True:
            kind = self.peek()
            if kind == "AND":
                self.i += 1
                if not parts or self.peek() in (None, ")", "OR", "AND"):
                    raise self.fail("AND needs something on both sides")
                continue
            if kind in (None, ")", "OR"):
                break
            parts.append(self.unary())
        if not parts:
            why = "OR needs something on both sides" if self.peek() == "OR" else "nothing to search for"
            raise self.fail(why)
        return parts[0] if len(parts) == 1 else And(tuple(_flat(And, parts)))

    def unary(self) -> Node:
        kind = self.peek()
        if kind == "NOT":
            self.i += 1
            if self.peek() in (None, ")", "OR", "AND"):
                raise self.fail("NOT needs a word after it")
            inner = self.unary()
            return inner.node if isinstance(inner, Not) else Not(inner)
        if kind == "(":
            self.i += 1
            node = self.or_expr()
            if self.peek() != ")":
                raise self.fail("a '(' without its ')'")
            self.i += 1
            return node
        tok = self.toks[self.i]
        self.i += 1
        assert tok.node is not None
        return tok.node


def _flat(kind: type[And] | type[Or], parts: list[Node]) -> list[Node]:
    out: list[Node] = []
    for p in parts:
        out.extend(p.nodes if isinstance(p, kind) else (p,))
    return out


def _positive(node: Node) -> bool:
    """Whether the node can be answered from an index: it matches something by itself."""
    if isinstance(node, Not):
        return False
    if isinstance(node, Or):
        return all(_positive(n) for n in node.nodes)
    if isinstance(node, And):
        return any(_positive(n) for n in node.nodes)
    return True


def parse_query(text: str) -> Node:
    """The tree of what a person typed; :class:`QueryError` (one line) when it cannot be searched."""
    toks = _lex(text)
    if not any(t.kind == "word" for t in toks):
        raise QueryError(f"nothing to search for in {text!r}")
    node = _Parser(text, toks).parse()
    if not _positive(node):
        raise QueryError(
            f"cannot search for {text!r}: every part needs a word to find, not only words to leave out "
            "(write 'a -b', not '-b' or 'a OR -b')"
        )
    return node


def positive_words(node: Node) -> list[str]:
    """The words a match contains (not those under NOT), in order, once each: for highlighting."""
    out: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, Term):
            out.append(n.word)
        elif isinstance(n, Phrase):
            out.extend(n.words)
        elif isinstance(n, And | Or):
            for c in n.nodes:
                walk(c)

    walk(node)
    return list(dict.fromkeys(out))
