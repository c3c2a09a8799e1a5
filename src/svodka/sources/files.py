"""File formats that hold posts: detection and a small registry, so a new format is one module.

Each format module defines a :class:`FileFormat`: ``sniff`` looks at the first bytes of a file, ``read``
streams :class:`~svodka.model.Post` records (in flat memory, whatever the file size) and counts what it
skipped in the :class:`ReadStats` it is given. A record it cannot read (a message without a date, a row
with a cell too many) is skipped and listed there (:meth:`ReadStats.bad`); a reader raises
:class:`~svodka.errors.InputError` naming the file and the position (line, row, byte) for a file it cannot
read on (not the format, broken syntax, nested too deep, not UTF-8).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from svodka.errors import FormatError, InputError
from svodka.model import Post

SNIFF_BYTES = 64 * 1024


MAX_PROBLEMS = 100  # problems listed one by one per file; the rest are counted


@dataclass(frozen=True, slots=True)
class Problem:
    """A record skipped because it could not be read: where (``message 7 (id 12)``, ``row 4``) and why."""

    where: str
    reason: str


@dataclass(slots=True)
class ReadStats:
    """What a reader passed over, by reason (``service message``, ``empty row`` …), and where it is."""

    skipped: dict[str, int] = field(default_factory=dict)
    position: str = ""  # the reader's current position, for error messages and progress
    problems: list[Problem] = field(default_factory=list)  # the first MAX_PROBLEMS bad records

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + n

    def bad(self, where: str, reason: str, what: str = "bad message") -> None:
        """A record that is skipped because it is not what the format holds (the rest is read on); counted
        under ``what`` (``bad message``, ``bad row``, ``bad line``) and listed, the first MAX_PROBLEMS."""
        self.skip(what)
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(where, reason))


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Options a user can give on the command line."""

    mapping: Mapping[str, str] = field(default_factory=dict)  # post field -> column name (tabular)
    channel: str | None = None  # channel to attribute posts to, when the file does not name one
    on_bytes: Callable[[int], None] | None = None  # progress: bytes read so far (absolute)


@dataclass(frozen=True, slots=True)
class FileFormat:
    name: str
    description: str
    sniff: Callable[[bytes, Path], bool]
    read: Callable[[Path, ReadOptions, ReadStats], Iterator[Post]]


# Format modules, most specific first: detection tries them in this order.
FORMAT_MODULES = (
    "svodka.sources.telegram_export",
    "svodka.sources.telegram_export_html",
    "svodka.sources.tabular",
)


def first_bad_utf8(path: Path) -> str:
    """Where the first byte that is not UTF-8 is (``line 3, byte 97``): readers decode ahead in chunks, so
    the decoder's own offset does not tell the user where to look."""
    offset = 0
    with path.open("rb") as fh:
        for lineno, line in enumerate(fh, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as e:
                return f"line {lineno}, byte {offset + e.start}"
            offset += len(line)
    return f"byte {offset}"


def formats() -> list[FileFormat]:
    out: list[FileFormat] = []
    for name in FORMAT_MODULES:
        out.extend(importlib.import_module(name).FORMATS)
    return out


def get_format(name: str) -> FileFormat:
    for f in formats():
        if f.name == name:
            return f
    known = ", ".join(f.name for f in formats())
    raise FormatError("<--format>", f"unknown format {name!r}; known formats: {known}")


def detect(path: Path) -> FileFormat:
    """The format of ``path`` from its first bytes and name; FormatError if none fits."""
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a file") from None
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror}") from None
    if not head.strip():
        raise InputError(path, "file is empty")
    for f in formats():
        if f.sniff(head, path):
            return f
    known = ", ".join(f.name for f in formats())
    raise FormatError(path, f"cannot tell the format (known: {known}); give it with --format")
