"""xlsx exports: cell types, identifiers as text, sheet splitting."""

from __future__ import annotations

import io
import tempfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dtgx.exports import Column, ColumnKind, write_xlsx, xlsxfile
from dtgx.exports.tests.helpers import read_xlsx

COLUMNS = [
    Column("姓名", ColumnKind.TEXT),
    Column("公民身份号码", ColumnKind.IDENTIFIER),
    Column("人数", ColumnKind.INTEGER),
    Column("金额", ColumnKind.DECIMAL),
    Column("调查日期", ColumnKind.DATE),
    Column("填报时间", ColumnKind.DATETIME),
]


def export(rows: list[list[object]], columns: list[Column], title: str) -> Any:
    stream = io.BytesIO()
    write_xlsx(rows, columns, stream, title)
    return read_xlsx(stream.getvalue())


def test_cells_keep_their_types() -> None:
    when = datetime(2025, 6, 30, 16, 30, 5, tzinfo=UTC)
    row: list[object] = [
        "张三",
        "43082119900101123X",
        -5,
        Decimal("-12.5"),
        date(2025, 6, 30),
        when,
    ]

    sheet = export([row], COLUMNS, "名单")["名单"]
    cells = tuple(cell.value for cell in sheet[2])

    assert cells == (
        "张三",
        "43082119900101123X",
        -5,
        -12.5,
        datetime(2025, 6, 30),
        datetime(2025, 7, 1, 0, 30, 5),
    )
    assert sheet["C2"].data_type == "n"


@pytest.mark.parametrize(
    "identifier", ["43082119900101123X", "012345678901234567", "430821199001011234"]
)
def test_identifiers_are_text_cells_formatted_as_text(identifier: str) -> None:
    columns = [Column("证号", ColumnKind.IDENTIFIER)]

    cell = export([[identifier]], columns, "名单")["名单"]["A2"]

    assert cell.value == identifier
    assert cell.data_type == "s"
    assert cell.number_format == "@"


@pytest.mark.parametrize(
    "text",
    ["=1+2", '=HYPERLINK("http://x")', "-1", "+8613800138000", "@A1", "\t=1", "'=1"],
)
@pytest.mark.parametrize("kind", [ColumnKind.TEXT, ColumnKind.IDENTIFIER])
def test_formulas_come_back_as_the_exact_text_in_string_cells(
    text: str, kind: ColumnKind
) -> None:
    """No ``'`` is added: a string cell is never evaluated, and the value
    imports back as it was (FC-32)."""
    columns = [Column("备注", kind)]

    cell = export([[text]], columns, "名单")["名单"]["A2"]

    assert cell.data_type == "s"
    assert cell.value == text


def test_a_formula_like_header_is_a_string_cell_too() -> None:
    cell = export([], [Column("=合计", ColumnKind.TEXT)], "名单")["名单"]["A1"]

    assert (cell.value, cell.data_type) == ("=合计", "s")


@pytest.mark.parametrize("number", [-3, Decimal("-3.5")])
def test_a_negative_number_stays_a_number(number: object) -> None:
    kind = ColumnKind.INTEGER if isinstance(number, int) else ColumnKind.DECIMAL

    cell = export([[number]], [Column("人数", kind)], "名单")["名单"]["A2"]

    assert (cell.value, cell.data_type) == (number, "n")


def test_text_longer_than_a_cell_is_cut_with_a_visible_marker() -> None:
    columns = [Column("备注", ColumnKind.TEXT), Column("证号", ColumnKind.IDENTIFIER)]
    long = "长" * 40_000

    sheet = export([[long, long]], columns, "名单")["名单"]

    for cell in sheet[2]:
        assert len(cell.value) == xlsxfile.CELL_TEXT_MAX
        assert cell.value.endswith("…（已截断）")
        assert cell.value.startswith("长" * 30_000)


def test_text_that_just_fits_is_not_cut() -> None:
    text = "长" * xlsxfile.CELL_TEXT_MAX

    cell = export([[text]], [Column("备注", ColumnKind.TEXT)], "名单")["名单"]["A2"]

    assert cell.value == text


def test_an_error_code_is_written_as_text() -> None:
    columns = [Column("备注", ColumnKind.TEXT)]

    cell = export([["#N/A"]], columns, "名单")["名单"]["A2"]

    assert (cell.value, cell.data_type) == ("#N/A", "s")


def test_control_characters_are_removed_and_line_breaks_kept() -> None:
    columns = [Column("地址", ColumnKind.TEXT)]

    cell = export([["一\x00行\x1b\r\n二行\x85"]], columns, "名单")["名单"]["A2"]

    assert cell.value == "一行\n二行"


def test_the_header_is_bold_and_frozen() -> None:
    sheet = export([], COLUMNS, "名单")["名单"]

    assert [cell.value for cell in sheet[1]] == [c.header for c in COLUMNS]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 1


def test_rows_beyond_the_limit_continue_on_numbered_sheets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(xlsxfile, "MAX_DATA_ROWS_PER_SHEET", 3)
    columns = [Column("序号", ColumnKind.INTEGER)]
    stream = io.BytesIO()

    written = write_xlsx(([n] for n in range(7)), columns, stream, "名单")
    book = read_xlsx(stream.getvalue())

    assert written == 7
    assert book.sheetnames == ["名单", "名单 (2)", "名单 (3)"]
    values = [
        [row[0] for row in book[name].iter_rows(values_only=True)]
        for name in book.sheetnames
    ]
    assert values == [["序号", 0, 1, 2], ["序号", 3, 4, 5], ["序号", 6]]


def test_exactly_the_limit_fits_on_one_sheet(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(xlsxfile, "MAX_DATA_ROWS_PER_SHEET", 3)
    columns = [Column("序号", ColumnKind.INTEGER)]

    book = export([[0], [1], [2]], columns, "名单")

    assert book.sheetnames == ["名单"]


def test_the_real_limit_leaves_room_for_the_header() -> None:
    assert xlsxfile.MAX_DATA_ROWS_PER_SHEET + 1 == 1_048_576


def test_sheet_titles_are_made_valid_for_excel() -> None:
    long_title = "慈利县" * 20

    assert xlsxfile.sheet_title_for("a/b:c[d]*?\\", 1) == "a_b_c_d____"
    assert xlsxfile.sheet_title_for("'名单'", 1) == "名单"
    assert xlsxfile.sheet_title_for("", 1) == "Sheet"
    assert len(xlsxfile.sheet_title_for(long_title, 1)) == 31
    assert xlsxfile.sheet_title_for(long_title, 12).endswith(" (12)")
    assert len(xlsxfile.sheet_title_for(long_title, 12)) == 31


def test_a_failed_export_leaves_no_temporary_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(xlsxfile, "MAX_DATA_ROWS_PER_SHEET", 2)
    columns = [Column("填报时间", ColumnKind.DATETIME)]
    aware = datetime(2025, 6, 30, tzinfo=UTC)
    rows: list[list[object]] = [[aware], [aware], [aware], [datetime(2025, 6, 30)]]

    with pytest.raises(ValueError, match="aware"):
        write_xlsx(rows, columns, io.BytesIO(), "名单")

    assert list(tmp_path.iterdir()) == []
