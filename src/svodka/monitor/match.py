"""Every watchlist compiled once into one matcher; a post is matched in flat cost.

Each word of every query becomes an *atom* in one of three tables: stems and typed prefixes (a post word
matches when it begins with one), exact words of phrases, and the forms of names (svodka.monitor.words).
A post is tokenised once; each token looks up its own prefixes, itself and its form in the tables — a few
dictionary lookups, however many watchlists there are — and only the watchlists one of whose atoms was hit
are evaluated (a query always has a word to find: svodka.query refuses one made only of NOT).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from svodka.model import Channel
from svodka.monitor.watchlist import Watchlist
from svodka.monitor.words import fold, name_forms, names_in, stem, words
from svodka.query import And, Node, Not, Or, Phrase, Term


@dataclass(frozen=True, slots=True)
class PostFacts:
    """What a watchlist can ask of a post."""

    text: str
    channel_id: int
    language: str | None = None
    topic: str | None = None  # the story's topic when the post is placed, else guessed from the text


# A compiled query: a function of the atoms' positions in the post.
_Eval = Callable[[dict[int, list[int]]], bool]


@dataclass(frozen=True, slots=True)
class _Compiled:
    watchlist: Watchlist
    test: _Eval | None  # None: no query (every post of the watched channels)
    channel_ids: frozenset[int] | None  # None: any channel


class _Atoms:
    def __init__(self) -> None:
        self.prefix: dict[str, int] = {}  # a stem or typed prefix → atom
        self.exact: dict[str, int] = {}  # a word of a phrase → atom
        self.name: dict[str, int] = {}  # a name's form → atom (capitalised in the post)
        self.names: dict[int, frozenset[str]] = {}
        self.count = 0
        self.min_prefix, self.max_prefix = 99, 0

    def _new(self, table: dict[str, int], key: str) -> int:
        if key not in table:
            table[key] = self.count
            self.count += 1
        return table[key]

    def word(self, word: str, names: frozenset[str], typed_prefix: bool = False) -> int:
        if typed_prefix:
            return self._prefix(word)
        if word in names:
            forms = name_forms(word)
            key = min(forms)
            atom = self.name.get(key)
            if atom is None:
                atom = self.count
                self.count += 1
                for f in forms:
                    self.name.setdefault(f, atom)
                self.names[atom] = forms
            return atom
        return self._prefix(stem(word))

    def _prefix(self, key: str) -> int:
        self.min_prefix = min(self.min_prefix, len(key))
        self.max_prefix = max(self.max_prefix, len(key))
        return self._new(self.prefix, key)

    def phrase_word(self, word: str, names: frozenset[str]) -> int:
        return self.word(word, names) if word in names else self._new(self.exact, word)


def _compile(node: Node, atoms: _Atoms, names: frozenset[str], used: set[int]) -> _Eval:
    if isinstance(node, Term):
        a = atoms.word(node.word, names, node.prefix)
        used.add(a)
        return lambda hits: a in hits
    if isinstance(node, Phrase):
        seq = [atoms.phrase_word(w, names) for w in node.words]
        used.update(seq)
        first, rest = seq[0], list(enumerate(seq[1:], 1))

        def phrase(hits: dict[int, list[int]]) -> bool:
            if any(a not in hits for a in seq):
                return False
            return any(all(i + k in hits[a] for k, a in rest) for i in hits[first])

        return phrase
    if isinstance(node, Not):
        inner = _compile(node.node, atoms, names, set())  # a word under NOT never makes a list a candidate
        return lambda hits: not inner(hits)
    parts = [_compile(n, atoms, names, used) for n in node.nodes]
    if isinstance(node, And):
        return lambda hits: all(p(hits) for p in parts)
    assert isinstance(node, Or)
    return lambda hits: any(p(hits) for p in parts)


def _channel_ids(w: Watchlist, channels: Sequence[Channel]) -> frozenset[int] | None:
    if not w.groups and not w.channels:
        return None
    wanted = {fold(c.lstrip("@")) for c in w.channels}
    groups = set(w.groups)
    ids = set()
    for c in channels:
        keys = {fold(c.name.lstrip("@")), str(c.id)} | {fold(x) for x in (c.handle, c.title) if x}
        if keys & wanted or groups.intersection(c.groups):
            ids.add(c.id)
    return frozenset(ids)


class Matcher:
    """The watchlists, compiled; :meth:`match` says which of them a post matches."""

    def __init__(self, watchlists: Iterable[Watchlist], channels: Sequence[Channel]) -> None:
        self.atoms = _Atoms()
        self.lists: list[_Compiled] = []
        self.by_atom: dict[int, list[int]] = defaultdict(list)  # atom → lists that need it found
        self.always: list[int] = []  # lists without a query
        for w in watchlists:
            used: set[int] = set()
            test = _compile(w.tree, self.atoms, names_in(w.query), used) if w.tree is not None else None
            index = len(self.lists)
            self.lists.append(_Compiled(w, test, _channel_ids(w, channels)))
            if test is None:
                self.always.append(index)
            for a in used:
                self.by_atom[a].append(index)

    def hits(self, text: str) -> dict[int, list[int]]:
        """Atom → the positions of the post's words that match it."""
        atoms = self.atoms
        prefix, exact, name = atoms.prefix, atoms.exact, atoms.name
        lo, hi = atoms.min_prefix, atoms.max_prefix
        written, folded = words(text)
        out: dict[int, list[int]] = {}
        for i, word in enumerate(folded):
            a = exact.get(word)
            if a is not None:
                out.setdefault(a, []).append(i)
            if name:
                a = name.get(word)
                if a is not None and written[i][0].isupper():
                    out.setdefault(a, []).append(i)
            if prefix:
                for k in range(lo, min(len(word), hi) + 1):
                    a = prefix.get(word[:k])
                    if a is not None:
                        out.setdefault(a, []).append(i)
        return out

    def match(self, post: PostFacts, topic_of: Callable[[], str] | None = None) -> list[Watchlist]:
        """The watchlists ``post`` matches, filters included; ``topic_of`` gives the topic when a list
        asks for one and ``post.topic`` is unknown."""
        hits = self.hits(post.text) if self.by_atom else {}
        candidates = {i for a in hits for i in self.by_atom.get(a, ())}
        candidates.update(self.always)
        topic = post.topic
        out = []
        for i in sorted(candidates):
            c = self.lists[i]
            w = c.watchlist
            if c.channel_ids is not None and post.channel_id not in c.channel_ids:
                continue
            if w.languages and (post.language or "") not in w.languages:
                continue
            if w.topics:
                if topic is None and topic_of is not None:
                    topic = topic_of()
                if topic not in w.topics:
                    continue
            if c.test is None or c.test(hits):
                out.append(w)
        return out
