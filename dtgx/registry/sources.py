"""Reading a base-list extract (CSV or XLSX) into raw rows, before checking.

The extract of the certificate database has one header row and one row per
holder. Columns are found by header name, tolerant of a BOM, spaces (also
no-break spaces), letter case and full-width parentheses:

* 残疾人证号 (required),
* 姓名 (required),
* 居住地区划代码 or 现居住地村(社区)代码 (required, the 12-digit village code),
* 状态 (required),
* 户口性质 (optional).

CSV files may be UTF-8, with or without BOM, or GB18030 (a superset of GBK).
Spreadsheet cells keep their type for the certificate column, so that a
number Excel made of a certificate number can be rejected (FC-09); the other
cells are read as text.

The file's bytes are read whole (a county's 70,000 rows are a few
megabytes) for the SHA-256 digest; rows are then produced one at a time.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from dtgx.regions.sources import (
    DivisionFileError,
    cell_text,
    decode_text,
    normalise_header,
)

MAX_BYTES = 100 * 1024 * 1024
MAX_ROWS = 300_000
CSV_SUFFIXES = frozenset({".csv", ".txt"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
_ZIP_MAGIC = b"PK\x03\x04"

# What the CSV and XLSX readers raise, while rows are read, on a damaged
# file: an unclosed quote (an oversized field), a truncated archive or
# sheet XML, a missing part of the workbook, a cell it cannot convert.
READER_ERRORS: tuple[type[Exception], ...] = (
    csv.Error,
    zipfile.BadZipFile,
    ParseError,
    KeyError,
    ValueError,
    EOFError,
)


class Column(StrEnum):
    CERTIFICATE = "certificate"
    NAME = "name"
    VILLAGE = "village"
    STATUS = "status"
    HUKOU = "hukou"


REQUIRED_COLUMNS = (Column.CERTIFICATE, Column.NAME, Column.VILLAGE, Column.STATUS)

# Header names per column, written as ``header_key`` leaves them.
HEADER_NAMES: dict[Column, frozenset[str]] = {
    Column.CERTIFICATE: frozenset(
        {"残疾人证号", "残疾证号", "证号", "certificate_number"}
    ),
    Column.NAME: frozenset({"姓名", "name"}),
    Column.VILLAGE: frozenset(
        {
            "居住地区划代码",
            "现居住地村(社区)代码",
            "居住地村(社区)代码",
            "村(社区)代码",
            "village_code",
        }
    ),
    Column.STATUS: frozenset({"状态", "人员状态", "证件状态", "status"}),
    Column.HUKOU: frozenset({"户口性质", "hukou_type"}),
}


def column_label(column: Column) -> str:
    """The column's name in messages, in the active language."""
    labels = {
        Column.CERTIFICATE: _("残疾人证号"),
        Column.NAME: _("姓名"),
        Column.VILLAGE: _("居住地区划代码"),
        Column.STATUS: _("状态"),
        Column.HUKOU: _("户口性质"),
    }
    return labels[column]


class BaseListError(Exception):
    """A base list that cannot be loaded at all: the file cannot be read
    (wrong type, unreadable, a required column missing, too large) or does
    not fit the round. The message says what to do."""


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row as read. ``certificate`` is text, or the number a
    spreadsheet cell held; the other cells are text, not yet cleaned."""

    line: int
    certificate: object
    name: str
    village: str
    status: str
    hukou: str


@dataclass
class BaseListFile:
    """A readable extract: its name, digest, encoding and rows.

    ``rows`` is a one-pass iterator; ``blank_rows`` counts the blank rows it
    skipped between data rows, and is complete once ``rows`` is exhausted.
    """

    name: str
    sha256: str
    encoding: str
    rows: Iterator[RawRow] = field(repr=False)
    blank_rows: int = 0


Cells = Sequence[object]


def read_base_list_file(source: Path | str | IO[bytes]) -> BaseListFile:
    """Open an extract; raise ``BaseListError`` if it cannot be read or
    lacks a required column. A file-like ``source`` is read from its current
    position; its ``name`` attribute (if any) names it."""
    name, data = _read_bytes(source)
    digest = hashlib.sha256(data).hexdigest()
    if _is_xlsx(name, data):
        encoding, table = "XLSX", _xlsx_cells(data, name)
    elif Path(name).suffix.lower() in CSV_SUFFIXES:
        encoding, table = _csv_cells(data, name)
    else:
        raise BaseListError(
            _("不支持的文件类型“%(name)s”：请提供CSV或XLSX文件。") % {"name": name}
        )

    header_line, header = _first_data_row(table, name)
    columns = _find_columns(header, header_line)
    result = BaseListFile(name, digest, encoding, iter(()))
    result.rows = _raw_rows(table, columns, result)
    return result


def header_key(cell: object) -> str:
    """A header cell folded for matching: no BOM, no whitespace anywhere,
    lower case, full-width parentheses and letters made ASCII (NFKC)."""
    text = unicodedata.normalize("NFKC", normalise_header(cell_text(cell)))
    return re.sub(r"\s+", "", text)


# --- bytes and tables ----------------------------------------------------


def _read_bytes(source: Path | str | IO[bytes]) -> tuple[str, bytes]:
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise BaseListError(_("找不到文件%(path)s。") % {"path": path})
        if path.stat().st_size > MAX_BYTES:
            raise _too_large()
        return path.name, path.read_bytes()
    data = source.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _too_large()
    return Path(str(getattr(source, "name", "") or "upload")).name, data


def _too_large() -> BaseListError:
    return BaseListError(
        _("文件超过%(mb)sMB：请按县（市、区）分开载入。")
        % {"mb": MAX_BYTES // (1024 * 1024)}
    )


def _is_xlsx(name: str, data: bytes) -> bool:
    suffix = Path(name).suffix.lower()
    return suffix in XLSX_SUFFIXES or (
        suffix not in CSV_SUFFIXES and data.startswith(_ZIP_MAGIC)
    )


def _csv_cells(data: bytes, name: str) -> tuple[str, Iterator[tuple[int, Cells]]]:
    try:
        text = decode_text(data, name)
    except DivisionFileError as error:
        raise BaseListError(str(error)) from error
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = ((reader.line_num, cells) for cells in reader)
    return _encoding_label(data), _guarded(rows, name)


def _encoding_label(data: bytes) -> str:
    """How ``decode_text`` read the bytes, for the preview (FC-14)."""
    if data.startswith(codecs.BOM_UTF8):
        return _("UTF-8（带BOM）")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return _("GB18030（GBK）")
    return "UTF-8"


def _xlsx_cells(data: bytes, name: str) -> Iterator[tuple[int, Cells]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a bad file
        raise BaseListError(
            _("无法打开Excel文件%(name)s：请确认它是XLSX格式。") % {"name": name}
        ) from error
    return _guarded(_sheet_rows(book), name)


def _sheet_rows(book: Any) -> Iterator[tuple[int, Cells]]:
    """Rows of the first sheet, streamed; the workbook is closed when the
    iteration ends or is abandoned."""
    try:
        sheet = book.worksheets[0]
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        book.close()


def _guarded(
    rows: Iterator[tuple[int, Cells]], name: str
) -> Iterator[tuple[int, Cells]]:
    """``rows``, with a reader's error on a damaged file turned into a
    ``BaseListError`` (the readers only fail once rows are read)."""
    try:
        yield from rows
    except READER_ERRORS as error:
        raise unreadable_file(name) from error


def unreadable_file(name: str) -> BaseListError:
    return BaseListError(
        _(
            "文件%(name)s无法读取（内容损坏，或有不成对的引号）："
            "请用Excel重新另存为XLSX或UTF-8编码的CSV后再上传。"
        )
        % {"name": name}
    )


def _is_blank(cells: Cells) -> bool:
    return all(cell_text(cell) == "" for cell in cells)


def _first_data_row(table: Iterator[tuple[int, Cells]], name: str) -> tuple[int, Cells]:
    for line, cells in table:
        if not _is_blank(cells):
            return line, cells
    raise BaseListError(_("文件%(name)s是空的：没有表头和数据。") % {"name": name})


# --- columns and rows ----------------------------------------------------


def _find_columns(header: Cells, line: int) -> dict[Column, int]:
    keys = [header_key(cell) for cell in header]
    columns: dict[Column, int] = {}
    for column, names in HEADER_NAMES.items():
        index = next((i for i, key in enumerate(keys) if key in names), None)
        if index is not None:
            columns[column] = index

    missing = [column_label(c) for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise BaseListError(
            _(
                "第%(line)s行的表头缺少“%(missing)s”列。表头应含“残疾人证号”"
                "“姓名”“居住地区划代码”（或“现居住地村(社区)代码”）“状态”，"
                "可选“户口性质”；请补上后重新载入。"
            )
            % {"line": line, "missing": "”“".join(missing)}
        )
    return columns


def _raw_rows(
    table: Iterator[tuple[int, Cells]],
    columns: dict[Column, int],
    result: BaseListFile,
) -> Iterator[RawRow]:
    pending_blanks = 0
    count = 0
    for line, cells in table:
        if _is_blank(cells):
            pending_blanks += 1
            continue
        result.blank_rows += pending_blanks
        pending_blanks = 0
        count += 1
        if count > MAX_ROWS:
            raise BaseListError(
                _("文件超过%(max)s行：请按县（市、区）分开载入。") % {"max": MAX_ROWS}
            )
        yield _raw_row(line, cells, columns)


def _raw_row(line: int, cells: Cells, columns: dict[Column, int]) -> RawRow:
    """Identifier and name cells keep their spacing (the checks report what
    cleaning changed); a numeric certificate cell stays a number."""

    def raw(column: Column) -> str:
        value = _cell(cells, columns.get(column))
        return "" if value is None else str(value)

    def text(column: Column) -> str:
        return cell_text(_cell(cells, columns.get(column)))

    certificate = _cell(cells, columns[Column.CERTIFICATE])
    return RawRow(
        line=line,
        certificate=certificate if _is_number(certificate) else raw(Column.CERTIFICATE),
        name=raw(Column.NAME),
        village=text(Column.VILLAGE),
        status=text(Column.STATUS),
        hukou=text(Column.HUKOU),
    )


def _cell(cells: Cells, index: int | None) -> object:
    if index is None or index >= len(cells):
        return None
    return cells[index]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
