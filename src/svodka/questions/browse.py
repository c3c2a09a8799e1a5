"""One topic's questions for an analyst: filtered by district and date, paged, counted per day, exported
as CSV or XLSX (the web app's topic page; storage stays in the store, this reads its rows)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from svodka.errors import InputError
from svodka.model import StoredQuestion

EXPORT_HEAD = ("id", "time_utc", "district", "topic_id", "subtopic_id", "text")


@dataclass(frozen=True, slots=True)
class TopicFilter:
    """Questions of topic or subtopic ``tid``; ``district`` exact; ``since``/``until`` UTC days, inclusive."""

    tid: int
    district: str | None = None
    since: date | None = None
    until: date | None = None

    @classmethod
    def parse(cls, tid: int, district: str | None, since: str | None, until: str | None) -> TopicFilter:
        f = cls(tid, district or None, _day("since", since), _day("until", until))
        if f.since and f.until and f.since > f.until:
            raise InputError("since", f"{f.since} is after until {f.until}")
        return f

    def admits(self, q: StoredQuestion) -> bool:
        if self.tid not in (q.topic_id, q.subtopic_id):
            return False
        if self.district is not None and (q.region or "—") != self.district:
            return False
        if self.since is None and self.until is None:
            return True
        if q.ts is None:
            return False
        day = datetime.fromtimestamp(q.ts, UTC).date()
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)


def _day(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(name, f"{value[:40]!r} is not a date (YYYY-MM-DD)") from None


@dataclass(frozen=True, slots=True)
class TopicQuestions:
    """The filtered questions of a topic, newest first, and their counts per UTC day and per district."""

    rows: list[StoredQuestion]
    by_day: dict[str, int]
    districts: dict[str, int]  # of the topic's questions before the district filter, largest first


def select(questions: Iterable[StoredQuestion], f: TopicFilter) -> TopicQuestions:
    rows: list[StoredQuestion] = []
    districts: Counter[str] = Counter()
    everywhere = TopicFilter(f.tid, None, f.since, f.until)
    for q in questions:
        if not everywhere.admits(q):
            continue
        districts[q.region or "—"] += 1
        if f.admits(q):
            rows.append(q)
    rows.sort(key=lambda q: (-(q.ts or 0), q.qid))
    days = Counter(_utc_day(q.ts) for q in rows if q.ts is not None)
    return TopicQuestions(rows, dict(sorted(days.items())), dict(districts.most_common()))


def _utc_day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def _row(q: StoredQuestion) -> tuple[str, str, str, int | str, int | str, str]:
    when = datetime.fromtimestamp(q.ts, UTC).strftime("%Y-%m-%d %H:%M:%S") if q.ts is not None else ""
    return (q.qid, when, q.region or "", q.topic_id or "", q.subtopic_id or "", q.text)


def to_csv(rows: Sequence[StoredQuestion]) -> bytes:
    """UTF-8 with a byte-order mark, so a spreadsheet opens the Cyrillic right."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(EXPORT_HEAD)
    w.writerows(_row(q) for q in rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(rows: Sequence[StoredQuestion], sheet: str = "questions") -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    ws.append(EXPORT_HEAD)
    for q in rows:
        ws.append(_row(q))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
