"""Streaming CSV and XLSX files into rows of cells, with bounded memory.

``open_table`` looks at a file once to decide what it is and, for CSV,
which encoding it has (FC-14, FC-15): a byte order mark (UTF-8 or UTF-16)
decides at once; otherwise the whole file must decode strictly as UTF-8,
or else as GB18030 (the superset of GBK that Chinese Excel writes). The
check decodes the file chunk by chunk and keeps nothing, so a file of any
size costs a few megabytes. A file that decodes in no candidate is refused;
U+FFFD is never written in place of a character.

Rows come one at a time from ``TableFile.rows()``, numbered as the
spreadsheet numbers them (CSV: the line of the row's first line), blank
rows included so that line numbers stay right; ``is_blank`` tells them
apart (FC-35). XLSX cells keep their type (a number stays a number, so
that an identifier Excel turned into a number can be refused, FC-09);
CSV cells are text.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from django.utils.translation import gettext as _
from openpyxl import load_workbook

MAX_BYTES = 200 * 1024 * 1024
CSV_SUFFIXES = frozenset({".csv", ".txt"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm"})
CHUNK_BYTES = 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
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
        """(line, cells) of every row, blank ones included; a damaged file
        raises ``TableError`` when the damage is reached."""
        rows = self._xlsx_rows() if self.kind == "xlsx" else self._csv_rows()
        try:
            yield from rows
        except READER_ERRORS as error:
            raise unreadable(self.name) from error

    def merged_ranges(self) -> list[str]:
        """The merged cell ranges of the first sheet (``A2:A4``), found by
        scanning its XML, since read-only sheets do not list them."""
        if self.kind != "xlsx":
            return []
        found: dict[str, None] = {}
        book = _open_workbook(self.path, self.name)
        try:
            with book.worksheets[0]._get_source() as source:
                tail = b""
                while chunk := source.read(CHUNK_BYTES):
                    data = tail + chunk
                    found.update(
                        dict.fromkeys(m.decode() for m in _MERGE.findall(data))
                    )
                    tail = data[-200:]
        finally:
            book.close()
        return list(found)

    def _csv_rows(self) -> Iterator[tuple[int, Cells]]:
        with self.path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding=self.codec, newline="")
            reader = csv.reader(text)
            line = 1
            for cells in reader:
                yield line, cells
                line = reader.line_num + 1

    def _xlsx_rows(self) -> Iterator[tuple[int, Cells]]:
        book = _open_workbook(self.path, self.name)
        try:
            sheet = book.worksheets[0]
            # The stored dimension may claim a million rows of formatting
            # (FC-35): read the rows that are actually there.
            sheet.reset_dimensions()
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        finally:
            book.close()


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
        head = handle.read(4)
    if suffix in XLSX_SUFFIXES or (suffix not in CSV_SUFFIXES and head == _ZIP_MAGIC):
        _open_workbook(path, name).close()
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


def _open_workbook(path: Path | IO[bytes], name: str) -> Any:
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a bad file
        raise TableError(
            _("无法打开Excel文件%(name)s：请确认它是XLSX格式（不是XLS）。")
            % {"name": name}
        ) from error


def unreadable(name: str) -> TableError:
    return TableError(
        _(
            "文件%(name)s无法读取（内容损坏，或有不成对的引号）："
            "请用Excel重新另存为XLSX或UTF-8编码的CSV后再上传。"
        )
        % {"name": name}
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
