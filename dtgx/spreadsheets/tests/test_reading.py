"""Reading files: nothing in a file is lost silently. A stray CSV quote,
a formula without a stored result, content under no header, a cell too
long or a workbook with the wrong name are refused (or read) with a
message naming the line or cell, never read as fewer rows or as blanks."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.worksheet._reader import WorkSheetParser

from dtgx.spreadsheets import TableError, TableFile, open_table

HEADER = ["姓名", "残疾人证号", "联系电话", "备注"]
ROWS = [
    ["张三", "43082119900101123X43", "13800138000", ""],
    ["李四", "43082119900101124X41", "13800138001", "无"],
    ["王五", "43082119900101125X42", "13800138002", "需复核"],
    ["赵六", "43082119900101126X43", "13800138003", ""],
    ["钱七", "43082119900101127X44", "13800138004", "已走访"],
]


def csv_file(tmp_path: Path, text: str, name: str = "名单.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8-sig"))
    return path


def csv_text(rows: list[list[str]], header: list[str] = HEADER) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue()


def xlsx_file(
    tmp_path: Path, rows: Sequence[Sequence[object]], name: str = "名单.xlsx"
) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def store_results(path: Path, results: dict[str, tuple[str, str]]) -> None:
    """Give formula cells a stored result of a type, as Excel does on
    saving: ``<c r="B2"><f>1+1</f><v /></c>`` becomes
    ``<c r="B2" t="n"><f>1+1</f><v>2</v></c>`` for ``{"B2": ("n", "2")}``
    (``str`` for text, ``e`` for an error)."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, (kind, result) in results.items():
        sheet, count = re.subn(
            rf'<c r="{ref}"([^>]*)>(<f>.*?</f>)<v ?/>',
            rf'<c r="{ref}" t="{kind}"\1>\2<v>{result}</v>',
            sheet,
        )
        assert count == 1
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


def all_rows(table: TableFile) -> list[tuple[int, list[object]]]:
    return [(line, list(cells)) for line, cells in table.rows()]


# --- CSV quotes: a stray quote never swallows rows -------------------------


def test_a_quote_never_closed_is_refused_at_the_line_it_opens(
    tmp_path: Path,
) -> None:
    lines = csv_text(ROWS).splitlines(keepends=True)
    lines[3] = '王五,43082119900101125X42,13800138002,"未闭合的备注\r\n'  # line 4

    table = open_table(csv_file(tmp_path, "".join(lines)))

    with pytest.raises(TableError, match="第4行的引号不成对") as refused:
        all_rows(table)
    assert "请检查该行" in str(refused.value)


def test_a_quote_closed_in_the_middle_of_a_later_cell_is_refused(
    tmp_path: Path,
) -> None:
    rows = [list(row) for row in ROWS]
    rows[1][3] = '"他说'
    rows[3][3] = '好"了'
    text = csv_text(rows[:1]) + ",".join(rows[1]) + "\r\n"
    text += "\r\n".join(",".join(row) for row in rows[2:]) + "\r\n"

    with pytest.raises(TableError, match="第3行的引号不成对"):
        all_rows(open_table(csv_file(tmp_path, text)))


def test_a_quote_closed_cleanly_rows_later_is_refused(tmp_path: Path) -> None:
    """The stray quote is closed by another at the end of a later cell:
    the csv module sees a valid file whose cell holds whole rows."""
    text = csv_text(ROWS[:1])
    text += '李四,43082119900101124X41,13800138001,"备注\r\n'
    text += "".join(",".join(row) + "\r\n" for row in ROWS[2:4])
    text += '钱七,43082119900101127X44,13800138004,已走访"\r\n'

    with pytest.raises(TableError, match="第3行的引号不成对"):
        all_rows(open_table(csv_file(tmp_path, text)))


def test_a_quote_swallowing_more_than_a_cell_can_hold_is_a_quote_problem(
    tmp_path: Path,
) -> None:
    rows = [ROWS[0]] * 4000  # about 170,000 characters after the quote
    lines = csv_text(rows).splitlines(keepends=True)
    lines[1] = lines[1].rstrip("\r\n") + '"\r\n'

    with pytest.raises(TableError, match="第2行的引号不成对"):
        all_rows(open_table(csv_file(tmp_path, "".join(lines))))


def test_cells_with_line_breaks_are_read_in_any_column(tmp_path: Path) -> None:
    """Excel writes a cell typed with Alt+Enter as a quoted cell with line
    breaks, and so do our exports: such cells are kept, also in the first
    column, where the cell's last line carries the rest of the row."""
    rows = [list(row) for row in ROWS]
    rows[0][0] = "张\n三"
    rows[1][3] = "第一行，有逗号\r\n第二行, 也有, 逗号\n第三行"
    rows[2][3] = '他说"好"\n了'

    table = open_table(csv_file(tmp_path, csv_text(rows)))

    read = all_rows(table)
    assert [cells for _line, cells in read] == [HEADER, *rows]
    assert [line for line, _cells in read] == [1, 2, 4, 7, 9, 10]


def test_a_cell_longer_than_the_limit_says_so_and_gives_the_limit(
    tmp_path: Path,
) -> None:
    rows = [list(row) for row in ROWS]
    rows[2][3] = "长" * 200_000

    table = open_table(csv_file(tmp_path, csv_text(rows)))

    with pytest.raises(TableError) as refused:
        all_rows(table)
    message = str(refused.value)
    assert f"第4行有一格超过{csv.field_size_limit()}个字符" in message
    assert "引号" not in message


# --- XLSX formulas: never read as blanks ------------------------------------


def test_formula_cells_without_a_stored_result_are_refused_by_address(
    tmp_path: Path,
) -> None:
    rows = [list(row) for row in [HEADER, *ROWS]]
    rows[2][2:] = ['="1380"&"0138001"', "=A3"]
    rows[4][2] = "=C3"
    table = open_table(xlsx_file(tmp_path, rows))

    with pytest.raises(TableError) as refused:
        all_rows(table)

    message = str(refused.value)
    assert "单元格C3、D3、C5是公式（共3个）" in message
    assert "请把公式转换为数值或文本后再导入" in message


def test_many_formula_cells_are_counted_and_the_first_ones_named(
    tmp_path: Path,
) -> None:
    rows = [HEADER, *([f"人{n}", "430821", "=1+1", ""] for n in range(2, 32))]

    with pytest.raises(TableError) as refused:
        all_rows(open_table(xlsx_file(tmp_path, rows)))

    message = str(refused.value)
    assert "单元格C2、C3、" in message
    assert "C11……是公式（共30个）" in message
    assert "C12" not in message


def test_a_formula_whose_result_is_an_error_is_refused(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [HEADER, ["张三", "=1/0", "", ""]])
    store_results(path, {"B2": ("e", "#DIV/0!")})

    with pytest.raises(TableError, match="单元格B2是公式"):
        all_rows(open_table(path))


def test_a_formula_with_a_stored_result_is_read_as_that_result(
    tmp_path: Path,
) -> None:
    path = xlsx_file(tmp_path, [HEADER, ["张三", "=1+1", '="A"&"B"']])
    store_results(path, {"B2": ("n", "2"), "C2": ("str", "AB")})

    rows = all_rows(open_table(path))

    assert rows[1] == (2, ["张三", 2, "AB"])


def test_typed_values_and_blank_rows_are_read_as_before(tmp_path: Path) -> None:
    rows: list[Sequence[object]] = [
        HEADER,
        ["张三", 430821, 1.5, None],
        [],
        [],
        ["李四", "'=x", "=", "#N/A"],  # "#N/A" typed as text
    ]
    path = xlsx_file(tmp_path, rows)

    read = all_rows(open_table(path))

    assert read[1] == (2, ["张三", 430821, 1.5])
    assert read[2:4] == [(3, []), (4, [])]
    assert read[4] == (5, ["李四", "'=x", "=", "#N/A"])


# --- columns without a header -----------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_content_under_a_blank_header_cell_is_refused(
    tmp_path: Path, kind: str
) -> None:
    header = [*HEADER[:2], " ", *HEADER[2:]]
    rows = [[*row[:2], "", *row[2:]] for row in ROWS]
    rows[3][2] = "重要数据"
    path = (
        csv_file(tmp_path, csv_text(rows, header))
        if kind == "csv"
        else xlsx_file(tmp_path, [header, *rows])
    )

    with pytest.raises(TableError) as refused:
        all_rows(open_table(path))

    assert str(refused.value).startswith(
        "第3列（C列）没有表头，但第5行有内容“重要数据”：请补上表头或删除该列"
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_row_longer_than_the_header_is_refused(tmp_path: Path, kind: str) -> None:
    rows: list[list[str]] = [list(row) for row in ROWS]
    rows[1] += ["", "多出的一格"]
    path = (
        csv_file(tmp_path, csv_text(rows))
        if kind == "csv"
        else xlsx_file(tmp_path, [HEADER, *rows])
    )

    with pytest.raises(TableError, match="第6列（F列）没有表头，但第3行有内容"):
        all_rows(open_table(path))


def test_blank_cells_beyond_the_header_are_no_content(tmp_path: Path) -> None:
    rows = [[*row, "", " ", "\u3000"] for row in ROWS]

    read = all_rows(open_table(csv_file(tmp_path, csv_text(rows))))

    assert len(read) == len(ROWS) + 1


# --- what the file is -------------------------------------------------------


def test_an_xlsx_renamed_csv_is_read_as_xlsx(tmp_path: Path) -> None:
    source = xlsx_file(tmp_path, [HEADER, *ROWS])
    path = tmp_path / "名单.csv"
    source.rename(path)

    table = open_table(path)

    assert (table.kind, table.encoding) == ("xlsx", "XLSX")
    assert [cells for _line, cells in all_rows(table)][1][:3] == ROWS[0][:3]


@pytest.mark.parametrize("name", ["名单.csv", "名单.xlsx"])
def test_an_old_xls_or_encrypted_workbook_says_what_it_is(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)

    with pytest.raises(TableError, match="旧版Excel（XLS）文件或设了密码"):
        open_table(path)


# --- a sheet's XML is read once ---------------------------------------------

SHEET = "xl/worksheets/sheet1.xml"


def write_only_xlsx(tmp_path: Path, rows: Sequence[Sequence[object]]) -> Path:
    """A workbook as openpyxl's write-only mode saves it: its sheet has no
    ``<dimension>`` element, so finding its size means reading it all."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        sheet.append(list(row))
    path = tmp_path / "名单.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        assert b"<dimension" not in archive.read(SHEET)
    return path


def sheet_opens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every opening of the sheet's XML in any workbook."""
    opened: list[str] = []
    original = zipfile.ZipFile.open

    def counting(self: zipfile.ZipFile, name: Any, *args: Any, **kwargs: Any) -> Any:
        member = name.filename if isinstance(name, zipfile.ZipInfo) else name
        if member == SHEET:
            opened.append(member)
        return original(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", counting)
    return opened


def test_a_sheet_without_a_dimension_is_read_once_per_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_only_xlsx(tmp_path, [HEADER, *ROWS])
    opened = sheet_opens(monkeypatch)

    table = open_table(path)
    assert opened == []
    assert table.merged_ranges() == []
    assert len(opened) == 1
    rows = all_rows(table)
    assert len(opened) == 2
    assert [cells[:3] for _line, cells in rows] == [r[:3] for r in [HEADER, *ROWS]]


def test_no_reading_looks_for_the_sheet_dimension(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_only_xlsx(tmp_path, [HEADER, *ROWS])

    def refused(self: object) -> None:
        raise AssertionError("parse_dimensions reads a sheet without one to its end")

    monkeypatch.setattr(WorkSheetParser, "parse_dimensions", refused)
    table = open_table(path)

    assert table.merged_ranges() == []
    assert len(all_rows(table)) == len(ROWS) + 1


def rewritten(path: Path, change: Callable[[str, bytes], bytes | None]) -> Path:
    """``path`` with each part replaced by ``change(name, data)`` (left out
    for ``None``), every part stored uncompressed."""
    with zipfile.ZipFile(path) as source:
        parts = {name: change(name, source.read(name)) for name in source.namelist()}
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            if data is not None:
                target.writestr(name, data)
    return path


def test_a_truncated_sheet_without_a_dimension_is_refused_as_damaged(
    tmp_path: Path,
) -> None:
    path = write_only_xlsx(tmp_path, [HEADER, *ROWS * 20])
    rewritten(
        path, lambda name, data: data[: len(data) // 2] if name == SHEET else data
    )

    table = open_table(path)

    with pytest.raises(TableError, match=r"文件名单\.xlsx无法读取（内容损坏"):
        all_rows(table)


def test_a_sheet_whose_bytes_changed_is_refused_when_looking_for_merged_cells(
    tmp_path: Path,
) -> None:
    path = rewritten(xlsx_file(tmp_path, [HEADER, *ROWS]), lambda _name, data: data)
    raw = path.read_bytes()
    # Stored uncompressed, a cell's text is in the archive as it is:
    # changing it makes the part's checksum wrong.
    path.write_bytes(raw.replace("需复核".encode(), "需核对".encode()))

    table = open_table(path)

    with pytest.raises(TableError, match=r"文件名单\.xlsx无法读取（内容损坏"):
        table.merged_ranges()


def test_a_workbook_without_its_sheet_cannot_be_opened(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [HEADER, *ROWS])
    rewritten(path, lambda name, data: None if name == SHEET else data)

    with pytest.raises(TableError, match=r"无法打开Excel文件名单\.xlsx"):
        open_table(path)


# --- the exporter's neutralising quote --------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("'=1+2", "=1+2"),
        ("'+8613800138000", "+8613800138000"),
        ("'-3", "-3"),
        ("'@SUM(A1)", "@SUM(A1)"),
        ("' =1", " =1"),
        ("'\t缩进", "\t缩进"),
        ("''=1", "'=1"),
        ("'引用", "'引用"),
        ("'", "'"),
        ("=1+2", "=1+2"),
        ("-3", "-3"),
    ],
)
def test_a_csv_cell_loses_exactly_the_quote_the_exporter_adds(
    tmp_path: Path, field: str, value: str
) -> None:
    rows = [["张三", "430821", "1", field]]

    read = all_rows(open_table(csv_file(tmp_path, csv_text(rows))))

    assert read[1][1][3] == value


def test_an_xlsx_cell_is_read_exactly(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path, [HEADER, ["张三", "430821", "1", "'=1+2"]])

    assert all_rows(open_table(path))[1][1][3] == "'=1+2"
