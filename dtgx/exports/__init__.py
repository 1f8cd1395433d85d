"""Spreadsheet exports that open safely in Excel and WPS.

Every export (record lists, audit findings, summary tables) describes its
columns with :class:`Column` and hands rows to :func:`csv_response` or
:func:`xlsx_response`. Cells are cleaned by the rules in
:mod:`dtgx.exports.cells`: no control characters, no formulas, numbers
stay numbers, identifiers stay text, datetimes in Asia/Shanghai time.
"""

from dtgx.exports.cells import (
    EXPORT_TIME_ZONE,
    CellValue,
    Column,
    ColumnKind,
    clean_cell,
    clean_text,
    to_cell,
)
from dtgx.exports.csvfile import write_csv
from dtgx.exports.responses import (
    CSV_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    attachment_header,
    csv_response,
    download_response,
    safe_filename,
    xlsx_response,
)
from dtgx.exports.xlsxfile import MAX_DATA_ROWS_PER_SHEET, write_xlsx

__all__ = [
    "CSV_CONTENT_TYPE",
    "EXPORT_TIME_ZONE",
    "MAX_DATA_ROWS_PER_SHEET",
    "XLSX_CONTENT_TYPE",
    "CellValue",
    "Column",
    "ColumnKind",
    "attachment_header",
    "clean_cell",
    "clean_text",
    "csv_response",
    "download_response",
    "safe_filename",
    "to_cell",
    "write_csv",
    "write_xlsx",
    "xlsx_response",
]
