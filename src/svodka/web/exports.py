"""Downloads: a stored digest as PDF or DOCX (``/digests/{id}.pdf``, ``/digests/{id}.docx``), and search
results as a table (``/search.csv``, ``/search.xlsx``, the search page's parameters); the writers the
stories browser's tables use too (svodka.web.stories_browser: ``/stories.csv``, ``/stories.xlsx``).

A table cell is written as text when it starts with ``= + - @`` (or a tab or carriage return): a post that
reads ``=HYPERLINK(…)`` is shown as those characters by Excel or LibreOffice, never run as a formula
(CSV: a leading ``'``; XLSX: a string cell with the quote-prefix style).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from starlette.responses import Response

from svodka.digest.schema import local
from svodka.errors import ConfigError
from svodka.web import adapters, labels, views
from svodka.web.framework import Ctx, HttpError, route
from svodka.web.pages import VIEWER, search_params

EXPORT_ROWS = 1000  # the most search hits one download holds (the page after: &page=2)
CELL_LIMIT = 32_767  # characters Excel keeps in a cell
HOSTILE = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SEARCH_COLUMNS = ("rank", "date", "channel", "text", "url", "views", "forwards", "post_id")

Cell = str | int | float | datetime | None


def download(body: bytes, media_type: str, filename: str) -> Response:
    return Response(
        body, media_type=media_type, headers={"content-disposition": f'attachment; filename="{filename}"'}
    )


@route("/digests/{digest_id:int}.pdf", VIEWER)
def digest_pdf(ctx: Ctx) -> Response:
    from svodka.digest.pdf import render_pdf_document

    digest_id = ctx.path_params["digest_id"]
    try:
        body = render_pdf_document(adapters.digest(ctx.store, digest_id))
    except ConfigError as e:  # WeasyPrint or Pango missing on the server
        raise HttpError(503, str(e)) from None
    return download(body, "application/pdf", f"digest-{digest_id}.pdf")


@route("/digests/{digest_id:int}.docx", VIEWER)
def digest_docx(ctx: Ctx) -> Response:
    from svodka.digest.docx import render_docx_document

    digest_id = ctx.path_params["digest_id"]
    body = render_docx_document(adapters.digest(ctx.store, digest_id))
    return download(body, DOCX, f"digest-{digest_id}.docx")


def columns(ctx: Ctx) -> list[str]:
    """The search export's column headers in the page's language (svodka.web.labels.COLUMNS)."""
    return [ctx._(labels.COLUMNS[c]) for c in SEARCH_COLUMNS]


def search_rows(ctx: Ctx) -> list[tuple[Cell, ...]]:
    """The search page's hits for its parameters, up to :data:`EXPORT_ROWS`, one row each."""
    data = views.search_page(ctx.store, search_params(ctx), EXPORT_ROWS)
    rows: list[tuple[Cell, ...]] = []
    for hit in data["hits"]:
        p = hit["post"]
        date = local(p["date"], ctx.config.tz).replace(tzinfo=None, microsecond=0)
        rows.append(
            (hit["rank"], date, p["channel"], p["text"], p["url"], p["views"], p["forwards"], p["id"])
        )
    return rows


@route("/search.csv", VIEWER)
def search_csv(ctx: Ctx) -> Response:
    return download(to_csv(columns(ctx), search_rows(ctx)), "text/csv; charset=utf-8", "search.csv")


@route("/search.xlsx", VIEWER)
def search_xlsx(ctx: Ctx) -> Response:
    return download(to_xlsx(ctx._("search"), columns(ctx), search_rows(ctx)), XLSX, "search.xlsx")


def safe_text(text: str) -> str:
    """A cell's text as a spreadsheet shows it, never as a formula: ``'`` before a leading ``= + - @``."""
    text = text[:CELL_LIMIT]
    return "'" + text if text.startswith(HOSTILE) else text


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads Cyrillic right); text cells pass :func:`safe_text`."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(columns)
    for row in rows:
        out.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode()


def _csv_cell(value: Cell) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, str):
        return safe_text(value)
    return value


def to_xlsx(title: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """One sheet, a bold header row; every string is a string cell (never a formula), and one that starts
    like a formula carries the quote prefix, so editing it in Excel keeps it text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, str):
                text = value[:CELL_LIMIT]
                cell.value = text
                cell.data_type = "s"  # openpyxl takes a leading "=" for a formula
                if text.startswith(HOSTILE):
                    cell.quotePrefix = True
            else:
                cell.value = value
                if isinstance(value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
    sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
