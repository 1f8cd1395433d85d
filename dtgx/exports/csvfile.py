"""Streaming CSV: UTF-8 with a byte order mark, so Excel and WPS detect
the encoding of Chinese text.

CSV carries no cell types. Identifiers are written exactly as they are
(``012345678901234567`` with its leading zero); a spreadsheet that opens
the CSV directly may still turn such a column into numbers, so exports
meant for people to open in Excel should use xlsx.

Text a spreadsheet could evaluate as a formula gets one leading ``'``
(:func:`~dtgx.exports.cells.neutralise`); the CSV reader of
:mod:`dtgx.spreadsheets` takes exactly that ``'`` off again, so a CSV
export imports back unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from dtgx.exports.cells import (
    CellValue,
    Column,
    clean_text,
    neutralise,
    to_cell,
)

BOM = b"\xef\xbb\xbf"
CSV_CHUNK_CHARS = 64 * 1024


def write_csv(
    rows: Iterable[Sequence[object]], columns: Sequence[Column]
) -> Iterator[bytes]:
    """Yield the CSV file in chunks of about ``CSV_CHUNK_CHARS`` characters:
    the BOM, the header row, then one line per row (``\\r\\n`` endings,
    minimal quoting). ``rows`` is consumed lazily, so memory stays bounded
    however many rows there are. Each row must have one value per column;
    values are converted by :func:`~dtgx.exports.cells.to_cell`, which
    raises ``TypeError``/``ValueError`` on a value the column cannot hold.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(clean_text(column.header)) for column in columns])
    yield BOM + _drain(buffer)

    for row in rows:
        writer.writerow(_csv_row(row, columns))
        if buffer.tell() >= CSV_CHUNK_CHARS:
            yield _drain(buffer)

    if buffer.tell():
        yield _drain(buffer)


def csv_text(value: CellValue) -> str:
    """The text a cleaned cell value has in a CSV field: text neutralised
    (a leading ``'`` where a spreadsheet could evaluate it)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _csv_row(row: Sequence[object], columns: Sequence[Column]) -> list[str]:
    return [
        csv_text(to_cell(value, column))
        for value, column in zip(row, columns, strict=True)
    ]


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    return data
