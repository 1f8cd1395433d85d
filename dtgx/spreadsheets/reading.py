"""Streaming CSV and XLSX files into rows of cells, with bounded memory.

``open_table`` looks at a file once to decide what it is and, for CSV,
which encoding it has (FC-14, FC-15): a byte order mark (UTF-8 or UTF-16)
decides at once; otherwise the whole file must decode strictly as UTF-8,
or else as GB18030 (the superset of GBK that Chinese Excel writes). The
check decodes the file chunk by chunk and keeps nothing, so a file of any
size costs a few megabytes. A file that decodes in no candidate is refused;
U+FFFD is never written in place of a character.

A file whose content is XLSX is read as XLSX whatever its name says (an
``.xlsx`` renamed ``.csv``); an old binary ``.xls`` (or an encrypted
workbook) is refused with what to do.

Rows come one at a time from ``TableFile.rows()``, numbered as the
spreadsheet numbers them (CSV: the line of the row's first line), blank
rows included so that line numbers stay right; ``is_blank`` tells them
apart (FC-35). XLSX cells keep their type (a number stays a number, so
that an identifier Excel turned into a number can be refused, FC-09);
CSV cells are text. Nothing in a file is dropped silently; the reader
refuses the file (``TableError`` naming the line or cell) when:

* a CSV quote is never closed (or closed in the middle of a later
  cell), so that the rest of the file would be read as one cell. A
  quoted cell may hold line breaks, as Excel writes a cell with
  Alt+Enter, but a line inside it that looks like a row (at least as
  many commas as separate the header's cells) means a stray quote;
* a CSV cell is longer than the csv module allows (``field_size_limit``);
* an XLSX cell holds a formula whose result the file does not store
  (openpyxl and some WPS versions save none) or whose result is an error
  such as ``#N/A``: it would read as empty or as the error text. A
  formula with a stored result is read as that result, which is what
  the person saw;
* a cell below the header row (the first row that is not blank) has
  content in a column without a header.

CSV cells lose the one ``'`` the exporter puts before text a spreadsheet
could evaluate (:func:`dtgx.exports.cells.unneutralise`, the inverse of
what :mod:`dtgx.exports` writes), so a CSV export imports back unchanged.
XLSX cells are read exactly as they are.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

from dtgx.exports.cells import unneutralise

MAX_BYTES = 200 * 1024 * 1024
CSV_SUFFIXES = frozenset({".csv", ".txt"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
CHUNK_BYTES = 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
# Compound File Binary: an old .xls, or an encrypted (password) workbook.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A line break, as the csv module accepts them inside a quoted cell.
_LINE_BREAK = re.compile("\r\n|\r|\n")
# Commas a line needs to look like a row before the header is known.
DEFAULT_ROW_COMMAS = 2
# Cells named in a message about formula cells.
CELLS_NAMED = 10
VALUE_SHOWN = 20
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")
_SPACE = re.compile(r"\s+")

# What the readers raise on a damaged file while rows are read: an
# unclosed quote, a truncated archive or sheet XML, a missing part.
READER_ERRORS: tuple[type[Exception], ...] = (
    csv.Error,
    zipfile.BadZipFile,
    ParseError,
    KeyError,
    ValueError,
    EOFError,
    UnicodeDecodeError,
    zlib.error,
)

Cells = Sequence[object]


class TableError(Exception):
    """A file that cannot be read at all; the message says what to do."""


@dataclass(frozen=True)
class TableFile:
    """A readable file. ``encoding`` is what the preview shows (FC-14):
    ``XLSX`` or the CSV encoding that decoded it. ``rows()`` may be
    called more than once; each call reads the file again."""

    path: Path
    name: str
    kind: str  # "csv" or "xlsx"
    encoding: str
    codec: str

    def rows(self) -> Iterator[tuple[int, Cells]]:
        """(line, cells) of every row, blank ones included. A damaged file,
        or one the module docstring says is refused, raises ``TableError``
        when the reading reaches the fault."""
        rows = self._xlsx_rows() if self.kind == "xlsx" else self._csv_rows()
        header: _Header | None = None
        try:
            for line, cells in rows:
                if header is None:
                    if not is_blank(cells):
                        header = _Header.of(cells)
                else:
                    header.check(line, cells)
                yield line, cells
        except READER_ERRORS as error:
            raise unreadable(self.name) from error

    def merged_ranges(self) -> list[str]:
        """The merged cell ranges of the first sheet (``A2:A4``), found by
        scanning its XML, since read-only sheets do not list them."""
        if self.kind != "xlsx":
            return []
        found: dict[str, None] = {}
        with (
            _workbook(self.path, self.name, cells=False) as book,
            book.sheet_source() as source,
        ):
            tail = b""
            try:
                while chunk := source.read(CHUNK_BYTES):
                    data = tail + chunk
                    found.update(
                        dict.fromkeys(m.decode() for m in _MERGE.findall(data))
                    )
                    tail = data[-200:]
            except READER_ERRORS as error:
                raise unreadable(self.name) from error
        return list(found)

    def _csv_rows(self) -> Iterator[tuple[int, Cells]]:
        with self.path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding=self.codec, newline="")
            lines = _Lines(text)
            # strict: a quote closed in the middle of a cell, or never
            # closed, is an error instead of a cell holding the rest.
            reader = csv.reader(lines, strict=True)
            line = 1
            while True:
                lines.begin(line)
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    raise self._csv_error(error, lines, line) from error
                if reader.line_num > line and _holds_rows(cells, lines.threshold):
                    raise unclosed_quote(self.name, line)
                if not lines.threshold and not is_blank(cells):
                    lines.threshold = _row_commas(len(cells))
                yield line, [unneutralise(cell) for cell in cells]
                line = reader.line_num + 1

    def _csv_error(self, error: csv.Error, lines: _Lines, line: int) -> TableError:
        """The ``TableError`` for what the csv module found at ``line``."""
        reason = str(error)
        if reason.startswith("field larger"):
            if lines.row_like and lines.row_like < lines.number:
                return unclosed_quote(self.name, line)
            return TableError(
                _(
                    "文件%(name)s第%(line)s行有一格超过%(limit)s个字符，超出了"
                    "一格的长度上限：请把这一格缩短到%(limit)s个字符以内后重新上传。"
                )
                % {"name": self.name, "line": line, "limit": csv.field_size_limit()}
            )
        if '"' in reason or "end of data" in reason:
            return unclosed_quote(self.name, line)
        return unreadable(self.name)

    def _xlsx_rows(self) -> Iterator[tuple[int, Cells]]:
        """The rows of the first sheet, as openpyxl's read-only sheets give
        them (cached values, missing rows as ``()``), read with a parser
        that also marks formula cells without a usable result. The
        stored dimension may claim a million rows of formatting (FC-35):
        only the rows that are actually there are read, and the sheet's
        XML is read once (``_workbook`` builds no worksheet objects)."""
        with (
            _workbook(self.path, self.name, cells=True) as book,
            book.sheet_source() as source,
        ):
            parser = _SheetParser(
                source,
                book.shared_strings,
                data_only=True,
                epoch=book.epoch,
                date_formats=book.date_formats,
                timedelta_formats=book.timedelta_formats,
            )
            parsed = parser.parse()
            expected = 1
            for number, cells in parsed:
                if any(cell["data_type"] == "f" for cell in cells):
                    raise self._formula_error(number, cells, parsed)
                for missing in range(expected, number):
                    yield missing, ()
                yield number, _values(cells)
                expected = number + 1

    def _formula_error(
        self,
        number: int,
        cells: list[dict[str, Any]],
        rest: Iterator[tuple[int, list[dict[str, Any]]]],
    ) -> TableError:
        """The refusal of a file with formula cells without a result: the
        first ``CELLS_NAMED`` of them and their count, found by reading on
        to the end of the sheet (nothing is kept but the names)."""
        named: list[str] = []
        count = 0
        for row, found in itertools.chain([(number, cells)], rest):
            for cell in found:
                if cell["data_type"] == "f":
                    count += 1
                    if len(named) < CELLS_NAMED:
                        named.append(f"{get_column_letter(cell['column'])}{row}")
        cells_text = "、".join(named) + ("……" if count > len(named) else "")
        return TableError(
            _(
                "文件%(name)s的单元格%(cells)s是公式（共%(count)s个），请把公式"
                "转换为数值或文本后再导入（在Excel中复制这些单元格，再“选择性"
                "粘贴—数值”）：文件中没有保存这些公式的计算结果（或结果是错误值），"
                "直接读取会丢失数据。"
            )
            % {"name": self.name, "cells": cells_text, "count": count}
        )


class _SheetParser(WorkSheetParser):  # type: ignore[misc]
    """openpyxl's sheet parser reading stored results (``data_only``),
    which marks a formula cell without a usable result (none stored, or
    an error such as ``#N/A``) as type ``f`` instead of giving it as an
    empty cell or as the error's text. An error typed as a constant is
    left alone. Relies on openpyxl 3.1 internals."""

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        unusable = cell["value"] is None or cell["data_type"] == "e"
        if unusable and element.find(FORMULA_TAG) is not None:
            cell["data_type"] = "f"
        return cell


def _values(cells: list[dict[str, Any]]) -> tuple[object, ...]:
    """A parsed row as values, up to its last stored cell."""
    if not cells:
        return ()
    values: list[object] = [None] * max(cell["column"] for cell in cells)
    for cell in cells:
        values[cell["column"] - 1] = cell["value"]
    return tuple(values)


@dataclass
class _Header:
    """Which columns of the header row have a header, to refuse content
    below it in a column without one."""

    width: int
    unheaded: tuple[int, ...]

    @classmethod
    def of(cls, cells: Cells) -> _Header:
        blank = tuple(i for i, cell in enumerate(cells) if not header_key(cell))
        return cls(len(cells), blank)

    def check(self, line: int, cells: Cells) -> None:
        """Raise ``TableError`` if a cell of the row at ``line`` has content
        in a column without a header."""
        for index in self.unheaded:
            if index < len(cells) and not _blank(cells[index]):
                raise unheaded(index, line, cells[index])
        for index in range(self.width, len(cells)):
            if not _blank(cells[index]):
                raise unheaded(index, line, cells[index])


class _Lines:
    """The lines of a CSV file as the csv module reads them, counted; notes
    the first line inside a record (after its first line) that looks like
    a row, so that a cell the csv module gives up on can be told from one
    that swallowed rows behind an unclosed quote."""

    def __init__(self, source: Iterator[str]) -> None:
        self.source = source
        self.threshold = 0  # commas of a row-like line; 0 before the header
        self.number = 0
        self.start = 1
        self.row_like = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        text = next(self.source)
        self.number += 1
        inside = self.number > self.start and not self.row_like
        if inside and text.count(",") >= (self.threshold or DEFAULT_ROW_COMMAS):
            self.row_like = self.number
        return text

    def begin(self, line: int) -> None:
        """A new record starts at ``line``."""
        self.start = line
        self.row_like = 0


def _row_commas(width: int) -> int:
    """Commas in a line that make it look like a row of a file whose
    header has ``width`` columns: as many as separate a row's cells."""
    return max(1, width - 1)


def _holds_rows(cells: Sequence[str], threshold: int) -> bool:
    """Whether a cell of a record that spans lines has a line after its
    first that looks like a row: a quote opened and never meant to be."""
    commas = threshold or DEFAULT_ROW_COMMAS
    return any(
        part.count(",") >= commas
        for cell in cells
        if "\n" in cell or "\r" in cell
        for part in _LINE_BREAK.split(cell)[1:]
    )


def open_table(path: Path, *, name: str | None = None) -> TableFile:
    """Look at the file at ``path`` (called ``name`` in messages): its
    kind by suffix or content, and for CSV its encoding. Raises
    ``TableError`` for an unknown kind, a file too large, or bytes that
    are no known encoding."""
    name = name or path.name
    if not path.is_file():
        raise TableError(_("找不到文件%(name)s。") % {"name": name})
    if path.stat().st_size > MAX_BYTES:
        raise TableError(
            _("文件%(name)s超过%(mb)sMB：请按乡镇（街道）分开导入。")
            % {"name": name, "mb": MAX_BYTES // (1024 * 1024)}
        )
    suffix = Path(name).suffix.lower()
    with path.open("rb") as handle:
        head = handle.read(len(_OLE_MAGIC))
    if head == _OLE_MAGIC:
        raise TableError(
            _(
                "文件%(name)s是旧版Excel（XLS）文件或设了密码的Excel文件：请在Excel"
                "中取消密码，另存为XLSX后重新上传。"
            )
            % {"name": name}
        )
    # An XLSX renamed .csv is still read as XLSX: the content decides.
    if suffix in XLSX_SUFFIXES or head.startswith(_ZIP_MAGIC):
        with _workbook(path, name, cells=False):
            return TableFile(path, name, "xlsx", "XLSX", "")
    if suffix not in CSV_SUFFIXES:
        raise TableError(
            _("不支持的文件类型“%(name)s”：请上传XLSX或CSV文件。") % {"name": name}
        )
    label, codec = detect_encoding(path, name)
    return TableFile(path, name, "csv", label, codec)


def detect_encoding(path: Path, name: str) -> tuple[str, str]:
    """(label, codec) of a CSV file, as the module docstring says."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return _("UTF-8（带BOM）"), "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16", "utf-16"
    for label, codec in (("UTF-8", "utf-8"), (_("GB18030（GBK）"), "gb18030")):
        if _decodes(path, codec):
            return label, codec
    raise TableError(
        _("无法识别文件%(name)s的编码：请在Excel中另存为“CSV UTF-8”或XLSX后重新上传。")
        % {"name": name}
    )


def _decodes(path: Path, codec: str) -> bool:
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(CHUNK_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


@dataclass(frozen=True)
class _Book:
    """An open workbook as far as reading its first worksheet needs it:
    the archive and the path of the sheet's XML in it, and (when opened
    with ``cells``) the shared strings, epoch and date and duration
    formats that turn the sheet's cells into values."""

    archive: zipfile.ZipFile
    sheet: str
    shared_strings: list[Any]
    epoch: Any
    date_formats: Any
    timedelta_formats: Any

    def sheet_source(self) -> IO[bytes]:
        """The sheet's XML, to be closed after use."""
        return self.archive.open(self.sheet)


@contextlib.contextmanager
def _workbook(path: Path, name: str, *, cells: bool) -> Iterator[_Book]:
    """The workbook at ``path``, closed on leaving. It is opened from a
    file object, so that its name's suffix does not matter (openpyxl
    refuses a path that does not end in ``.xlsx``).

    It is read with the steps of openpyxl's ``load_workbook`` that the
    sheet's cells need (package manifest, shared strings, workbook,
    stylesheet) and not the one that builds read-only worksheets: each
    of those looks for the sheet's ``<dimension>`` element, and a sheet
    without one (openpyxl's write-only mode and some other programs
    write none) is parsed to its end before it gives up, once per open.
    The sheet's XML is read only by the caller. Without ``cells`` the
    shared strings, which only cells need, are not read."""
    with path.open("rb") as handle:
        try:
            reader = ExcelReader(handle, read_only=True, data_only=True)
        except Exception as error:  # not a zip archive, or an unreadable one
            raise cannot_open(name) from error
        try:
            try:
                book = _read_book(reader, cells=cells)
            except Exception as error:  # openpyxl raises many kinds on a bad file
                raise cannot_open(name) from error
            yield book
        finally:
            reader.archive.close()


def _read_book(reader: ExcelReader, *, cells: bool) -> _Book:
    """The parts of ``reader``'s workbook that reading its first worksheet
    needs; ``LookupError`` when it has no worksheet."""
    reader.read_manifest()
    if cells:
        reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    # The first worksheet as load_workbook lists them: the sheets whose
    # part is in the archive, chart sheets left out.
    sheets = (
        rel.target
        for _sheet, rel in reader.parser.find_sheets()
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type
    )
    sheet = next(sheets, None)
    if sheet is None:
        raise LookupError("the workbook has no worksheet")
    return _Book(
        archive=reader.archive,
        sheet=sheet,
        shared_strings=reader.shared_strings,
        epoch=reader.wb.epoch,
        date_formats=reader.wb._date_formats,
        timedelta_formats=reader.wb._timedelta_formats,
    )


def cannot_open(name: str) -> TableError:
    return TableError(
        _("无法打开Excel文件%(name)s：请确认它是XLSX格式（不是XLS）。") % {"name": name}
    )


def unreadable(name: str) -> TableError:
    return TableError(
        _(
            "文件%(name)s无法读取（内容损坏，或有不成对的引号）："
            "请用Excel重新另存为XLSX或UTF-8编码的CSV后再上传。"
        )
        % {"name": name}
    )


def unclosed_quote(name: str, line: int) -> TableError:
    return TableError(
        _(
            "文件%(name)s第%(line)s行的引号不成对：从这个引号开始，后面的内容"
            "（包括以下各行）都会被读成同一格，这些行就无法导入。请检查该行，"
            '删除多余的引号，或把格内的引号写成两个（""），然后重新上传。'
        )
        % {"name": name, "line": line}
    )


def unheaded(index: int, line: int, value: object) -> TableError:
    text = cell_text(value)
    if len(text) > VALUE_SHOWN:
        text = text[:VALUE_SHOWN] + "…"
    return TableError(
        _(
            "第%(column)s列（%(letter)s列）没有表头，但第%(line)s行有内容"
            "“%(value)s”：请补上表头或删除该列后重新上传。"
        )
        % {
            "column": index + 1,
            "letter": get_column_letter(index + 1),
            "line": line,
            "value": text,
        }
    )


def cell_text(value: object) -> str:
    """A cell as text for messages and comparisons: ``""`` for empty, a
    float as Python prints it (so ``3.20102e+17`` stays visible)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def is_blank(cells: Cells) -> bool:
    """Whether a row has no visible value (FC-35)."""
    return all(_blank(cell) for cell in cells)


def _blank(cell: object) -> bool:
    if cell is None:
        return True
    if isinstance(cell, str):
        return not cell.strip(" \t\r\n\u00a0\u3000\u200b\ufeff")
    return False


def header_key(cell: object) -> str:
    """A header cell folded for matching (FC-15, FC-18): NFKC (full-width
    parentheses and letters become ASCII), no BOM, no zero-width marks,
    no whitespace anywhere, lower case."""
    text = "" if cell is None else str(cell)
    text = unicodedata.normalize("NFKC", text.replace("\ufeff", ""))
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cc"))
    return _SPACE.sub("", text).lower()
