"""Reading official division code tables into rows, before any checking.

Two layouts are read:

* the four-file layout: ``provinces.csv``, ``cities.csv``, ``areas.csv`` and
  ``streets.csv`` with short codes of 2, 4, 6 and 9 digits and a header with
  at least ``code`` and ``name``;
* a code list: one CSV or XLSX file of 12-digit codes, names and optionally
  the urban/rural class code, with or without a header row.

CSV files may be UTF-8 (with or without BOM) or GB18030 (which covers GBK).
Cells are kept as text; a spreadsheet cell holding a decimal number is kept
as Python prints it (``110101001000.0``) so the checker can explain it.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from dtgx.regions.codes import Level

# The four-file layout: file name, the level it holds, its code length.
FOUR_FILES: tuple[tuple[str, Level, int], ...] = (
    ("provinces.csv", Level.PROVINCE, 2),
    ("cities.csv", Level.PREFECTURE, 4),
    ("areas.csv", Level.COUNTY, 6),
    ("streets.csv", Level.TOWNSHIP, 9),
)

CODE_HEADERS = frozenset({"code", "代码", "区划代码", "统计用区划代码"})
NAME_HEADERS = frozenset({"name", "名称", "区划名称", "单位名称"})
CLASS_HEADERS = frozenset({"urban_rural_class", "class", "城乡分类代码", "城乡分类"})


class DivisionFileError(Exception):
    """A file that cannot be read at all (missing, unknown format, no code
    column); the message says what to do."""


@dataclass(frozen=True)
class SourceRow:
    """One data row as read: text cells, not yet checked."""

    file: str
    line: int
    code: str
    name: str
    urban_rural_class: str = ""
    # The level the file holds, in the four-file layout; None in a code list.
    level: Level | None = None
    # The code length the file uses (2/4/6/9 in the four-file layout).
    code_length: int = 12


@dataclass(frozen=True)
class Source:
    """What was read: a name for the record, a digest of the bytes, rows."""

    name: str
    sha256: str
    rows: list[SourceRow]


def read_division_dir(path: Path) -> Source:
    """Read whichever of the four files exist in ``path``, highest level
    first, so that parents come before their children."""
    present = [spec for spec in FOUR_FILES if (path / spec[0]).is_file()]
    if not present:
        names = "、".join(name for name, _level, _length in FOUR_FILES)
        raise DivisionFileError(
            _("目录%(dir)s中没有区划文件：应有%(names)s中的至少一个。")
            % {"dir": path, "names": names}
        )

    digest = hashlib.sha256()
    rows: list[SourceRow] = []
    for file_name, level, length in present:
        data = (path / file_name).read_bytes()
        digest.update(f"{file_name}\0{hashlib.sha256(data).hexdigest()}\n".encode())
        table = _csv_table(data, file_name)
        rows += _rows_with_header(table, file_name, level=level, code_length=length)

    listed = ", ".join(name for name, _level, _length in present)
    return Source(f"{path.name}/ ({listed})", digest.hexdigest(), _some(rows, path))


def read_code_list(path: Path) -> Source:
    """Read a CSV or XLSX list of 12-digit codes, names and classes."""
    if not path.is_file():
        raise DivisionFileError(_("找不到文件%(path)s。") % {"path": path})
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = _csv_table(data, path.name)
    elif suffix in (".xlsx", ".xlsm"):
        table = _xlsx_table(data, path.name)
    else:
        raise DivisionFileError(
            _("不支持的文件类型%(suffix)s：请提供CSV或XLSX文件。")
            % {"suffix": suffix or "?"}
        )
    rows = _some(_code_list(table, path.name), path)
    return Source(path.name, hashlib.sha256(data).hexdigest(), rows)


def _some(rows: list[SourceRow], path: Path) -> list[SourceRow]:
    """The rows, or a refusal of a source that has none."""
    if not rows:
        raise DivisionFileError(
            _("%(path)s中没有数据行：请检查是否选错了文件。") % {"path": path.name}
        )
    return rows


# --- tables: (line number, cells) ----------------------------------------

Table = list[tuple[int, list[str]]]


def decode_text(data: bytes, file_name: str) -> str:
    """UTF-8 (a BOM is dropped) or else GB18030, the superset of GBK."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DivisionFileError(
        _("无法识别文件%(file)s的编码：请另存为UTF-8或GBK编码的CSV文件。")
        % {"file": file_name}
    )


def _csv_table(data: bytes, file_name: str) -> Table:
    reader = csv.reader(io.StringIO(decode_text(data, file_name), newline=""))
    table: Table = []
    for cells in reader:
        if any(cell.strip() for cell in cells):
            table.append((reader.line_num, [cell.strip() for cell in cells]))
    return table


def _xlsx_table(data: bytes, file_name: str) -> Table:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a bad file
        raise DivisionFileError(
            _("无法打开Excel文件%(file)s：请确认它是XLSX格式。") % {"file": file_name}
        ) from error
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        return [
            (line, cells)
            for line, values in enumerate(rows, start=1)
            if any(cells := [cell_text(value) for value in values])
        ]
    finally:
        book.close()


def cell_text(value: object) -> str:
    """A spreadsheet cell as text. A whole number stored exactly reads as an
    integer and prints as one; any other number keeps its point or exponent
    (``110101001000.25``, ``1.10101199003071e+17``), so that the checker
    rejects a code that Excel turned into an inexact number."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


# --- rows ----------------------------------------------------------------


def normalise_header(cell: str) -> str:
    return cell.replace("\ufeff", "").strip().lower()


def _column(header: Sequence[str], names: Iterable[str]) -> int | None:
    wanted = set(names)
    for index, cell in enumerate(header):
        if normalise_header(cell) in wanted:
            return index
    return None


def _rows_with_header(
    table: Table, file_name: str, *, level: Level | None, code_length: int
) -> list[SourceRow]:
    if not table:
        return []
    header_line, header = table[0]
    code_at = _column(header, CODE_HEADERS)
    name_at = _column(header, NAME_HEADERS)
    if code_at is None or name_at is None:
        raise DivisionFileError(
            _(
                "%(file)s第%(line)s行的表头应含“code”和“name”两列"
                "（也可写作“代码”“名称”），请补上表头。"
            )
            % {"file": file_name, "line": header_line}
        )
    class_at = _column(header, CLASS_HEADERS)
    return list(
        _rows(table[1:], file_name, (code_at, name_at, class_at), level, code_length)
    )


def _code_list(table: Table, file_name: str) -> list[SourceRow]:
    """A code list has a header when its first cell does not start with a
    digit; without one, the columns are code, name and class."""
    if table and not table[0][1][0][:1].isdigit():
        return _rows_with_header(table, file_name, level=None, code_length=12)
    return list(_rows(table, file_name, (0, 1, 2), None, 12))


def _rows(
    table: Table,
    file_name: str,
    columns: tuple[int, int, int | None],
    level: Level | None,
    code_length: int,
) -> Iterator[SourceRow]:
    code_at, name_at, class_at = columns
    for line, cells in table:
        yield SourceRow(
            file=file_name,
            line=line,
            code=_cell(cells, code_at),
            name=_cell(cells, name_at),
            urban_rural_class=_cell(cells, class_at),
            level=level,
            code_length=code_length,
        )


def _cell(cells: Sequence[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return cells[index]
