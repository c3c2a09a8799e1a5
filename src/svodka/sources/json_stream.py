"""A streaming walk over one large JSON document, in linear time and flat memory, with a depth limit.

The document is read in chunks; the walker steps through the objects and arrays the caller names
(:meth:`JsonStream.members`, :meth:`JsonStream.items`) and hands every other value over parsed whole by
orjson, in C (:meth:`JsonStream.value`), or skips it. Where a message ends is found first as Telegram
Desktop lays it out (one ``find`` for a line break, see :meth:`JsonStream._block`), else by regular
expressions: one match for a value nested up to 6 deep, else one match per bracket; strings and
plain runs are skipped by the match, so a string of any length costs time linear in its size. When a value
runs past the bytes read so far, the next read is as large as the value so far, so a value of n bytes is
rescanned O(log n) times at most (ijson's yajl2_c re-lexes a token that spans reads from its start on every
read: quadratic in a long string, 37 s for 4M ``\\uXXXX`` escapes). Brackets are counted, not stacked: a
value nested deeper than :data:`MAX_DEPTH` is an error at once, not a recursion or gigabytes of prefixes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

import orjson

CHUNK = 1 << 20
MAX_DEPTH = 1024  # as orjson's own limit; a Telegram Desktop message nests 4 levels, a whole export 7

# Everything up to the next bracket or unfinished string: runs of other bytes and whole strings.
_SKIP = re.compile(rb'(?:[^"\[\]{}]++|"(?:[^"\\]++|\\.)*+")*+', re.DOTALL)
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)


def _nested(levels: int) -> re.Pattern[bytes]:
    """An object or array nested at most ``levels`` deep, whole, in one match (the usual message: the
    bracket-by-bracket walk below is for the rest). Possessive throughout, so a failed match is linear."""
    inner = rb'(?:[^"\[\]{}]++|' + _STRING.pattern + rb")*+"
    for _ in range(levels - 1):
        inner = rb'(?:[^"\[\]{}]++|' + _STRING.pattern + rb"|[\[{]" + inner + rb"[\]}])*+"
    return re.compile(rb"[\[{]" + inner + rb"[\]}]", re.DOTALL)


_WHOLE = _nested(6)
_SCALAR_END = re.compile(rb"[,\]}\s]")
_WS = re.compile(rb"[ \t\r\n]*+")


_MISSING = object()
_BLOCK = 256 << 10  # how far the fast path looks for the end of a message
_MAX_MISSES = 16


class JsonSyntaxError(ValueError):
    """The document is not valid JSON at ``offset`` (``truncated``: it ends in the middle of a value)."""

    def __init__(self, message: str, offset: int, truncated: bool = False) -> None:
        super().__init__(message)
        self.offset = offset
        self.truncated = truncated


class TooDeep(JsonSyntaxError):
    pass


class JsonStream:
    """A cursor over a JSON document in a binary file; ``offset`` is the position in the file."""

    def __init__(self, fh: IO[bytes], chunk: int = CHUNK, max_depth: int = MAX_DEPTH) -> None:
        self.fh = fh
        self.chunk = chunk
        self.max_depth = max_depth
        self.buf = b""
        self.pos = 0  # in buf
        self.base = 0  # file offset of buf[0]
        self.eof = False
        self.misses = 0  # of the fast path for objects, in a row

    @property
    def offset(self) -> int:
        return self.base + self.pos

    def _more(self, keep_from: int, want: int) -> bool:
        """Drop what is before ``keep_from`` and read at least ``want`` more bytes; False at the end."""
        if self.eof:
            return False
        data = self.fh.read(max(self.chunk, want))
        if not data:
            self.eof = True
            return False
        self.base += keep_from
        self.pos -= keep_from
        self.buf = self.buf[keep_from:] + data
        return True

    def peek(self) -> int:
        """The next byte that is not white space (not consumed); -1 at the end of the file."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]  # matches ""
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more(self.pos, 0):
                return -1

    def expect(self, char: bytes) -> None:
        got = self.peek()
        if got != char[0]:
            self._fail(f"expected {char.decode()!r}")
        self.pos += 1

    def _fail(self, what: str) -> None:
        got = self.peek()
        if got < 0:
            raise JsonSyntaxError("file ends in the middle of the JSON (truncated?)", self.offset, True)
        raise JsonSyntaxError(f"{what}, found {chr(got)!r}", self.offset)

    def _end_of_value(self, skip: bool) -> int:
        """Index in ``buf`` just past the value at ``pos`` (reading more as needed)."""
        start = self.pos
        first = self.buf[start]
        if first == 0x22:  # a string
            while True:
                m = _STRING.match(self.buf, start)
                if m:
                    return m.end()
                if not self._more(start, 2 * (len(self.buf) - start)):
                    raise JsonSyntaxError("file ends in a string (truncated?)", self.offset, True)
                start = self.pos
        if first not in b"[{":  # a number, true, false, null
            while True:
                m = _SCALAR_END.search(self.buf, start)
                if m:
                    return m.start()
                if not self._more(start, 2 * (len(self.buf) - start)):
                    return len(self.buf)
                start = self.pos
        m = _WHOLE.match(self.buf, start)
        if m:
            return m.end()
        depth, i = 0, start
        while True:
            j = _SKIP.match(self.buf, i).end()  # type: ignore[union-attr]  # matches the empty string
            if j < len(self.buf) and self.buf[j] != 0x22:
                c = self.buf[j]
                i = j + 1
                if c in b"[{":
                    depth += 1
                    if depth > self.max_depth:
                        raise TooDeep(f"nested deeper than {self.max_depth} levels", self.base + j)
                    continue
                depth -= 1
                if depth == 0:
                    return i
                continue
            # The bytes read end inside this value: read more, as much again as is pending. A skipped
            # value keeps only its unfinished tail (from j); a kept one all of itself (from start).
            keep = j if skip else start
            self.pos = keep
            if not self._more(keep, 2 * (len(self.buf) - keep)):
                raise JsonSyntaxError("file ends in the middle of the JSON (truncated?)", self.offset, True)
            start, i = start - keep, j - keep

    def value(self) -> object:
        """The next value, parsed by orjson, consumed (``orjson.JSONDecodeError`` if it is not JSON)."""
        if self.peek() == 0x7B and self.misses < _MAX_MISSES:
            parsed = self._block()
            if parsed is not _MISSING:
                self.misses = 0
                return parsed
            self.misses += 1
        return orjson.loads(self.value_bytes())

    def _block(self) -> object:
        """The object at ``pos`` if it ends where Telegram Desktop ends one, else _MISSING.

        Desktop writes a message either on one line or as a block closed by a ``}`` alone at the indent of
        its ``{``; a line break cannot occur inside a JSON string, so both ends are found with ``find``
        (in C, within _BLOCK bytes) and tried with orjson. Only the true end parses: an object that starts
        at ``{`` ends at its matching ``}``, so a shorter or longer slice is not JSON. This saves the walk
        with regular expressions for the usual message (a fifth of the reading time); after _MAX_MISSES
        misses in a row (another layout) it is not tried again.
        """
        buf, start = self.buf, self.pos
        limit = min(len(buf), start + _BLOCK)
        newline = buf.find(b"\n", start, limit)
        if newline < 0:
            return _MISSING
        first = buf[start:newline].rstrip(b", \t\r")
        if first.endswith(b"}"):
            parsed = self._parse_to(start + len(first))
            if parsed is not _MISSING:
                return parsed
        line = buf.rfind(b"\n", max(0, start - 256), start)
        indent = buf[line + 1 : start] if line >= 0 else b"x"
        if indent.strip(b" \t"):
            return _MISSING
        close = buf.find(b"\n" + indent + b"}", newline, limit)
        return self._parse_to(close + len(indent) + 2) if close >= 0 else _MISSING

    def _parse_to(self, end: int) -> object:
        try:
            parsed = orjson.loads(self.buf[self.pos : end])
        except orjson.JSONDecodeError:
            return _MISSING
        self.pos = end
        return parsed

    def value_bytes(self) -> bytes:
        """The bytes of the next value (object, array, string, number or literal), consumed."""
        if self.peek() < 0:
            self._fail("expected a value")
        end = self._end_of_value(skip=False)  # moves pos along if the buffer was compacted
        value = self.buf[self.pos : end]
        self.pos = end
        return value

    def skip_value(self) -> None:
        """Pass over the next value without keeping it (memory stays at one chunk, whatever its size)."""
        if self.peek() < 0:
            self._fail("expected a value")
        self.pos = self._end_of_value(skip=True)

    def key(self) -> str:
        """The next object key (a string) and its colon, consumed."""
        if self.peek() != 0x22:
            self._fail("expected a key")
        end = self._end_of_value(skip=False)
        raw = self.buf[self.pos + 1 : end - 1]
        self.pos = end
        self.expect(b":")
        if b"\\" in raw:
            import orjson

            return str(orjson.loads(b'"' + raw + b'"'))
        return raw.decode("utf-8")

    def members(self) -> Iterator[str]:
        """The keys of the object at the cursor; the caller consumes (or skips) each value."""
        self.expect(b"{")
        if self.peek() == 0x7D:
            self.pos += 1
            return
        while True:
            yield self.key()
            nxt = self.peek()
            self.pos += 1
            if nxt == 0x7D:
                return
            if nxt != 0x2C:
                self.pos -= 1
                self._fail("expected ',' or '}'")

    def items(self) -> Iterator[int]:
        """The positions of the array at the cursor (0, 1 …); the caller consumes (or skips) each value."""
        self.expect(b"[")
        if self.peek() == 0x5D:
            self.pos += 1
            return
        n = 0
        while True:
            yield n
            n += 1
            nxt = self.peek()
            self.pos += 1
            if nxt == 0x5D:
                return
            if nxt != 0x2C:
                self.pos -= 1
                self._fail("expected ',' or ']'")
