"""Column descriptions and the cleaning every exported cell goes through.

Text rules (the same for CSV and xlsx, so both files carry the same value):

* control characters are removed: C0 except tab and line feed
  (``\\x00-\\x08``, ``\\x0b``, ``\\x0c``, ``\\x0e-\\x1f``), DEL and C1
  (``\\x7f-\\x9f``), and lone surrogates, which no encoder accepts;
* ``\\r\\n`` and ``\\r`` become ``\\n``; a line feed stays a line break
  (xlsx shows it in the cell, the csv module quotes the field).

Formulas (FC-32) are kept from running in the way each format allows,
such that an export edited and imported again gives back its values:

* xlsx: text is written as a string cell (type ``s``), never a formula,
  whatever it starts with; no character is added. (Excel evaluates a
  string cell only when someone edits it.)
* CSV carries no types, so text a spreadsheet could evaluate gets one
  leading ``'`` (OWASP CSV injection advice): text that starts with
  ``=``, ``+``, ``-`` or ``@`` (also after leading whitespace), with a
  tab or a line break, or that already looks neutralised (``'`` and
  then one of those). :func:`neutralise` adds it, :func:`unneutralise`
  takes exactly that one ``'`` off again, and the CSV reader of
  :mod:`dtgx.spreadsheets` calls it on every cell: the two are inverses,
  so ``'=x`` typed by someone survives as ``'=x``.

Numbers are never touched: ``-5`` stays a number in both formats.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.functional import Promise

EXPORT_TIME_ZONE = ZoneInfo("Asia/Shanghai")

CellValue = str | int | float | Decimal | date | datetime | None

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_CARRIAGE_RETURN = re.compile("\r\n?")
_FORMULA_START = re.compile(r"'*(?:[\t\n]|\s*[=+\-@])")
NEUTRALISER = "'"


class ColumnKind(enum.Enum):
    """How a column's values are typed in the file."""

    TEXT = "text"
    IDENTIFIER = "identifier"  # identity/certificate numbers: always text
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"  # aware in, Asia/Shanghai local and naive out


@dataclass(frozen=True, slots=True)
class Column:
    """One exported column: its header text and its kind."""

    header: str
    kind: ColumnKind


def clean_text(value: str) -> str:
    """``value`` without control characters, with line breaks normalised."""
    return _CONTROL.sub("", _CARRIAGE_RETURN.sub("\n", value))


def neutralise(text: str) -> str:
    """``text`` as a CSV field: with one leading ``'`` if a spreadsheet
    could evaluate it or it already starts like a neutralised field (see
    the module docstring); unchanged otherwise."""
    if _FORMULA_START.match(text):
        return NEUTRALISER + text
    return text


def unneutralise(text: str) -> str:
    """The inverse of :func:`neutralise`: a CSV field without the one
    ``'`` the exporter added, any other field unchanged."""
    if text.startswith(NEUTRALISER) and _FORMULA_START.match(text, 1):
        return text[1:]
    return text


def clean_cell(value: object) -> CellValue:
    """``value`` made safe for a spreadsheet cell, whatever the column.

    Text (``str``, its subclasses and lazy translations) goes through
    :func:`clean_text`; ``int``, ``Decimal``, finite ``float``, ``date``,
    ``datetime`` and ``None`` are returned unchanged. Raises ``TypeError``
    for anything else, ``bool`` included (the caller chooses its label),
    and ``ValueError`` for NaN or infinity.
    """
    if isinstance(value, str | Promise):
        return clean_text(str(value))
    if isinstance(value, bool):
        raise TypeError("a bool has no cell value; export a label instead")
    if isinstance(value, float | Decimal) and not _is_finite(value):
        raise ValueError(f"cannot export the non-finite number {value!r}")
    if value is None or isinstance(value, int | float | Decimal | date):
        return value
    raise TypeError(f"cannot export a value of type {type(value).__name__}")


def to_cell(value: object, column: Column) -> CellValue:
    """``value`` converted for ``column`` and cleaned; ``None`` stays empty.

    TEXT takes text; IDENTIFIER takes text or an ``int`` and always gives
    text; INTEGER takes ``int``; DECIMAL takes ``Decimal``, ``int`` or
    ``float``; DATE takes ``date`` (an aware ``datetime`` gives its
    Asia/Shanghai date); DATETIME takes an aware ``datetime`` and gives
    the naive Asia/Shanghai local time. Raises ``TypeError`` for another
    type and ``ValueError`` for a naive ``datetime``.
    """
    if value is None:
        return None
    if not _accepts(column.kind, value):
        raise TypeError(
            f"column {column.header!r} ({column.kind.name}) cannot hold "
            f"a value of type {type(value).__name__}"
        )
    if column.kind is ColumnKind.IDENTIFIER:
        return clean_text(str(value))
    if isinstance(value, datetime):
        return _localise(value, date_only=column.kind is ColumnKind.DATE)
    return clean_cell(value)


def _accepts(kind: ColumnKind, value: object) -> bool:
    if isinstance(value, bool):
        return False
    match kind:
        case ColumnKind.TEXT:
            return isinstance(value, str | Promise)
        case ColumnKind.IDENTIFIER:
            return isinstance(value, str | int)
        case ColumnKind.INTEGER:
            return isinstance(value, int)
        case ColumnKind.DECIMAL:
            return isinstance(value, int | float | Decimal)
        case ColumnKind.DATE:
            return isinstance(value, date)
        case ColumnKind.DATETIME:
            return isinstance(value, datetime)


def _localise(value: datetime, *, date_only: bool) -> date | datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("only aware datetimes can be exported")
    local = value.astimezone(EXPORT_TIME_ZONE).replace(tzinfo=None)
    return local.date() if date_only else local


def _is_finite(value: float | Decimal) -> bool:
    if isinstance(value, Decimal):
        return value.is_finite()
    return math.isfinite(value)
