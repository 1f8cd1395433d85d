"""The computed summary table: numbers only, JSON both ways."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple, TypeAlias

from django.utils.translation import gettext as _

# A count or sum (int), a percentage (Decimal, one place) or no value (a
# share whose denominator is zero).
CellValue: TypeAlias = int | Decimal | None
JsonCell: TypeAlias = int | str | None
TOTAL = "合计"  # the label ``TableResult.cell`` takes for a total


class LaidOutRow(NamedTuple):
    label: str
    values: tuple[CellValue, ...]
    total: bool


@dataclass(frozen=True)
class TableResult:
    """One summary table of a region and round.

    ``cells[r][c]`` belongs to ``row_labels[r]`` and ``column_labels[c]``.
    ``total_row`` holds the 合计 of each column, ``total_column`` that of
    each row and ``grand_total`` the corner, where the definition asks for
    them (a total is computed, not added up, so overlapping rows of a
    multi-select item stay right).
    """

    table_id: str
    title: str
    unit: str
    row_heading: str
    row_labels: tuple[str, ...]
    column_labels: tuple[str, ...]
    cells: tuple[tuple[CellValue, ...], ...]
    total_row: tuple[CellValue, ...] | None = None
    total_column: tuple[CellValue, ...] | None = None
    grand_total: CellValue = None
    note: str = ""

    def cell(self, row: str, column: str) -> CellValue:
        """The cell of the row and column with these labels (``合计`` for a
        total); ``KeyError`` for an unknown label."""
        if row == TOTAL and column == TOTAL:
            return self.grand_total
        if row == TOTAL:
            return _pick(self.total_row, self.column_labels, column)
        if column == TOTAL:
            return _pick(self.total_column, self.row_labels, row)
        return self.cells[_index(self.row_labels, row)][
            _index(self.column_labels, column)
        ]

    @property
    def header(self) -> tuple[str, ...]:
        """The header row as printed: the row heading, the 合计 column if
        any, then the columns."""
        totals = (_("合计"),) if self.total_column is not None else ()
        return (self.row_heading, *totals, *self.column_labels)

    @property
    def body(self) -> tuple[LaidOutRow, ...]:
        """The rows as printed: the 合计 row first, each row's 合计 first."""
        rows: list[LaidOutRow] = []
        if self.total_row is not None:
            corner = (self.grand_total,) if self.total_column is not None else ()
            rows.append(LaidOutRow(_("合计"), (*corner, *self.total_row), True))
        for index, label in enumerate(self.row_labels):
            own = self.total_column
            total = (own[index],) if own is not None else ()
            rows.append(LaidOutRow(label, (*total, *self.cells[index]), False))
        return tuple(rows)

    def to_json(self) -> dict[str, object]:
        """Plain JSON types; percentages become strings such as "12.5"."""
        return {
            "id": self.table_id,
            "title": self.title,
            "unit": self.unit,
            "row_heading": self.row_heading,
            "rows": list(self.row_labels),
            "columns": list(self.column_labels),
            "cells": [[_dump(v) for v in row] for row in self.cells],
            "total_row": _dump_line(self.total_row),
            "total_column": _dump_line(self.total_column),
            "grand_total": _dump(self.grand_total),
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> TableResult:
        """The table ``to_json`` wrote; ``ValueError`` for another shape."""
        try:
            cells = data["cells"]
            assert isinstance(cells, list)
            return cls(
                table_id=str(data["id"]),
                title=str(data["title"]),
                unit=str(data["unit"]),
                row_heading=str(data.get("row_heading", "")),
                row_labels=tuple(map(str, _list(data["rows"]))),
                column_labels=tuple(map(str, _list(data["columns"]))),
                cells=tuple(tuple(_load(v) for v in _list(row)) for row in cells),
                total_row=_load_line(data.get("total_row")),
                total_column=_load_line(data.get("total_column")),
                grand_total=_load(data.get("grand_total")),
                note=str(data.get("note", "")),
            )
        except (KeyError, AssertionError, ArithmeticError) as error:
            raise ValueError(f"not a summary table: {error!r}") from error


def _index(labels: tuple[str, ...], label: str) -> int:
    try:
        return labels.index(label)
    except ValueError:
        raise KeyError(label) from None


def _pick(
    line: tuple[CellValue, ...] | None, labels: tuple[str, ...], label: str
) -> CellValue:
    if line is None:
        raise KeyError(label)
    return line[_index(labels, label)]


def _list(value: object) -> list[object]:
    assert isinstance(value, list)
    return value


def _dump(value: CellValue) -> JsonCell:
    return str(value) if isinstance(value, Decimal) else value


def _dump_line(line: tuple[CellValue, ...] | None) -> list[JsonCell] | None:
    return None if line is None else [_dump(value) for value in line]


def _load(value: object) -> CellValue:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    assert isinstance(value, str)
    return Decimal(value)


def _load_line(value: object) -> tuple[CellValue, ...] | None:
    return None if value is None else tuple(_load(v) for v in _list(value))
