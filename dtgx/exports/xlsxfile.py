"""Streaming xlsx through openpyxl's write-only mode.

Rows go to temporary files as they are appended (openpyxl's write-only
sheets), so memory stays bounded; the workbook is assembled on ``save``.
Every sheet starts with a bold, frozen header row. A sheet holds at most
``MAX_DATA_ROWS_PER_SHEET`` data rows (Excel's 1,048,576 rows minus the
header); further rows continue on sheets titled ``<title> (2)``,
``<title> (3)`` and so on, each with its own header row.

Text is always a string cell (type ``s``), also when it starts with
``=`` or is an error code such as ``#N/A``: nothing is evaluated and no
``'`` is added, so the file imports back with exactly its values (see
:mod:`dtgx.exports.cells`). A cell holds at most 32,767 characters;
longer text is cut and ends with a visible ``…（已截断）``.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dtgx.exports.cells import (
    CellValue,
    Column,
    ColumnKind,
    clean_text,
    to_cell,
)

MAX_DATA_ROWS_PER_SHEET = 1_048_575
TEXT_FORMAT = "@"
SHEET_TITLE_MAX = 31  # Excel's limit
CELL_TEXT_MAX = 32_767  # Excel's limit; openpyxl cuts longer text silently

_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f-\x9f]")
_WIDTHS = {
    ColumnKind.IDENTIFIER: 22,
    ColumnKind.DATE: 12,
    ColumnKind.DATETIME: 20,
}
_HEADER_FONT = Font(bold=True)

XlsxTarget = str | os.PathLike[str] | IO[bytes]
Sheet = Any  # openpyxl ships no type information


def write_xlsx(
    rows: Iterable[Sequence[object]],
    columns: Sequence[Column],
    target: XlsxTarget,
    sheet_title: str,
) -> int:
    """Write ``rows`` under ``columns`` as an xlsx workbook to ``target`` (a
    path or a seekable binary stream, left open) and return the number of
    data rows written. An empty ``rows`` gives one sheet with the header.

    Each row must have one value per column; values are converted by
    :func:`~dtgx.exports.cells.to_cell`. IDENTIFIER cells are text with
    number format ``@``; text never becomes a formula or an error value.
    ``sheet_title`` loses the characters Excel forbids and is shortened to
    fit 31 characters with its ``(n)`` suffix. If anything raises, the
    temporary sheet files are deleted before the exception propagates
    (``target`` may then hold an incomplete file).
    """
    workbook = Workbook(write_only=True)
    try:
        total = _write_sheets(workbook, rows, columns, sheet_title)
        workbook.save(target)
    except BaseException:
        _discard(workbook)
        raise
    return total


def _write_sheets(
    workbook: Workbook,
    rows: Iterable[Sequence[object]],
    columns: Sequence[Column],
    sheet_title: str,
) -> int:
    number = 1
    sheet = _add_sheet(workbook, columns, sheet_title, number=number)
    in_sheet = total = 0

    for row in rows:
        if in_sheet == MAX_DATA_ROWS_PER_SHEET:
            number += 1
            sheet = _add_sheet(workbook, columns, sheet_title, number=number)
            in_sheet = 0
        sheet.append(_xlsx_row(sheet, row, columns))
        in_sheet += 1
        total += 1
    return total


def _discard(workbook: Workbook) -> None:
    """Close the sheets of a failed workbook and delete their temporary
    files at once: they may hold real-name data, and openpyxl would only
    remove them at interpreter exit. Relies on openpyxl 3.1 internals."""
    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        if writer is None:
            continue
        with contextlib.suppress(Exception):
            if sheet._rows is not None:
                sheet._rows.close()
            writer.close()
        with contextlib.suppress(OSError, ValueError):
            writer.cleanup()


def sheet_title_for(title: str, number: int) -> str:
    """The title of sheet ``number`` (from 1): ``title`` cleaned for Excel,
    then ``title (n)`` from the second sheet on, at most 31 characters."""
    suffix = "" if number == 1 else f" ({number})"
    base = _TITLE_FORBIDDEN.sub("_", title).strip().strip("'") or "Sheet"
    return base[: SHEET_TITLE_MAX - len(suffix)] + suffix


def _add_sheet(
    workbook: Workbook, columns: Sequence[Column], title: str, *, number: int
) -> Sheet:
    sheet = workbook.create_sheet(sheet_title_for(title, number))
    for index, column in enumerate(columns, start=1):
        width = _WIDTHS.get(column.kind)
        if width is not None:
            sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_header_cell(sheet, column) for column in columns])
    return sheet


def _header_cell(sheet: Sheet, column: Column) -> WriteOnlyCell:
    cell = _text_cell(sheet, clean_text(column.header))
    cell.font = _HEADER_FONT
    return cell


def _xlsx_row(
    sheet: Sheet, row: Sequence[object], columns: Sequence[Column]
) -> list[object]:
    return [
        _xlsx_cell(sheet, to_cell(value, column), column)
        for value, column in zip(row, columns, strict=True)
    ]


def _xlsx_cell(sheet: Sheet, value: CellValue, column: Column) -> object:
    """A plain value where openpyxl infers the right type; a string cell
    for text it would read as a formula or an error code, or that is too
    long; identifiers are text with number format ``@``."""
    if column.kind is ColumnKind.IDENTIFIER:
        cell = _text_cell(sheet, value)
        cell.number_format = TEXT_FORMAT
        return cell
    if isinstance(value, str) and _needs_string_type(value):
        return _text_cell(sheet, value)
    return value


def _needs_string_type(text: str) -> bool:
    return text.startswith("=") or text in ERROR_CODES or len(text) > CELL_TEXT_MAX


def _text_cell(sheet: Sheet, value: CellValue) -> WriteOnlyCell:
    """A cell holding ``value``; text is typed ``s`` (never a formula or
    an error) and cut to fit with a visible marker."""
    if not isinstance(value, str):
        return WriteOnlyCell(sheet, value=value)
    if len(value) > CELL_TEXT_MAX:
        marker = _("…（已截断）")
        value = value[: CELL_TEXT_MAX - len(marker)] + marker
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell
