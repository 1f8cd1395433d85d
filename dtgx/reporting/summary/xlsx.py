"""The summary tables as an Excel workbook in the usual government layout.

One sheet per table: a merged title row (年度, 区划, form title, table
number and name), a line with 填报单位 on the left and 单位 on the right,
the header row, then the 合计 row (if any) and the rows, with the 合计
column (if any) first. Counts are written as numbers, percentages as
numbers with one decimal place; a share with no denominator stays empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from dtgx.reporting.summary.result import CellValue, TableResult

FORM_NAME = "残疾人基本服务状况和需求信息数据动态更新汇总表"
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_HEADER_ROW = 3


def write_summary_xlsx(
    results: Sequence[TableResult],
    target: str | Path | IO[bytes],
    *,
    region_name: str,
    year: int,
) -> None:
    """Write one sheet per table to ``target`` (a path or a binary file)."""
    book = Workbook()
    book.remove(book.active)
    for result in results:
        _write_sheet(book, result, region_name=region_name, year=year)
    book.save(target)


def sheet_title(result: TableResult, *, region_name: str, year: int) -> str:
    """The title line of a table, e.g. "2025年度慈利县…汇总表 T01 …"."""
    return _("%(year)s年度%(region)s%(form)s %(id)s %(title)s") % {
        "year": year,
        "region": region_name,
        "form": FORM_NAME,
        "id": result.table_id,
        "title": result.title,
    }


def _write_sheet(
    book: Workbook, result: TableResult, *, region_name: str, year: int
) -> None:
    sheet = book.create_sheet(result.table_id)
    header = result.header
    width = len(header)

    sheet.cell(1, 1, sheet_title(result, region_name=region_name, year=year))
    sheet.cell(1, 1).font = Font(bold=True, size=14)
    sheet.cell(1, 1).alignment = _CENTER
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.row_dimensions[1].height = 36
    sheet.cell(2, 1, _("填报单位：%(region)s") % {"region": region_name})
    unit = sheet.cell(2, width, _("单位：%(unit)s") % {"unit": result.unit})
    unit.alignment = Alignment(horizontal="right")

    for column, label in enumerate(header, start=1):
        cell = sheet.cell(_HEADER_ROW, column, label)
        cell.font, cell.alignment, cell.border = Font(bold=True), _CENTER, _BOX
    row_number = _HEADER_ROW + 1
    for row in result.body:
        _write_row(sheet, row_number, row.label, row.values, total=row.total)
        row_number += 1
    if result.note:
        sheet.cell(row_number + 1, 1, result.note)

    sheet.column_dimensions["A"].width = 28
    for column in range(2, width + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 12
    sheet.freeze_panes = sheet.cell(_HEADER_ROW + 1, 2)


def _write_row(
    sheet: Any,
    row: int,
    label: str,
    values: Sequence[CellValue],
    *,
    total: bool,
) -> None:
    first = sheet.cell(row, 1, label)
    first.border = _BOX
    first.font = Font(bold=total)
    for column, value in enumerate(values, start=2):
        cell = sheet.cell(row, column)
        cell.border = _BOX
        if isinstance(value, Decimal):
            cell.value = float(value)
            cell.number_format = "0.0"
        else:
            cell.value = value
