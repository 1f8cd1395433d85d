"""Reading files: encodings, headers, blank rows, merged cells, damaged
numbers — each before any record is touched (FC-09, FC-11, FC-12, FC-14,
FC-15, FC-17, FC-18, FC-35, FC-36)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from dtgx.accounts.models import User
from dtgx.conftest import World
from dtgx.imports.models import ImportKind
from dtgx.imports.parsing import parse_cell
from dtgx.imports.tests.helpers import (
    csv_bytes,
    filled_template,
    header,
    person_cells,
    problems,
    row_values,
    upload,
    village_cells,
)
from dtgx.questionnaires.definitions import load_questionnaire
from dtgx.registry.models import Person
from dtgx.spreadsheets import header_key, open_table
from dtgx.survey.models import Round

PERSON = load_questionnaire("person", "2018")
R2 = PERSON.item("basic.certificate_number")
F2 = PERSON.item("footer.householder_id_number")
R6 = PERSON.item("basic.phone")
R16 = PERSON.item("employment.is_employed")
R20 = PERSON.item("employment.help_received")


# --- FC-14, FC-15: encodings and headers ------------------------------------


@pytest.mark.parametrize(
    ("encoding", "label"),
    [("gbk", "GB18030（GBK）"), ("gb18030", "GB18030（GBK）"), ("utf-8", "UTF-8")],
)
def test_it_detects_the_encoding_of_a_csv_and_shows_it(
    tmp_path: Path, encoding: str, label: str
) -> None:
    path = tmp_path / "名单.csv"
    path.write_bytes("姓名,身份证号\n张三,320102198808153472\n".encode(encoding))

    table = open_table(path)

    assert table.encoding == label
    assert [cells for _line, cells in table.rows()][1] == ["张三", "320102198808153472"]


def test_it_drops_a_byte_order_mark_glued_to_the_first_header(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeff身份证号,姓名\n320102198808153472,李四\n".encode())

    table = open_table(path)
    first = next(iter(table.rows()))[1]

    assert table.encoding == "UTF-8（带BOM）"
    assert first == ["身份证号", "姓名"]


def test_it_refuses_bytes_that_are_no_known_encoding(tmp_path: Path) -> None:
    from dtgx.spreadsheets import TableError

    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n\x80\xff,c\n")

    with pytest.raises(TableError, match=r"无法识别文件bad\.csv的编码"):
        open_table(path)


@pytest.mark.parametrize(
    "variant",
    [
        "R2 残疾人证号",
        " R2　残疾人证号\u00a0",
        "\ufeffR2 残疾人证号",
        "r2残疾人证号",
        "R2",
        "Ｒ２ 残疾人证号",
        "R2\u200b 残疾人证号",
    ],
)
def test_headers_match_whatever_the_spacing_width_and_case(variant: str) -> None:
    assert header_key(variant) in {header_key("R2 残疾人证号"), header_key("R2")}


def test_headers_with_full_width_parentheses_match() -> None:
    assert header_key("R7 是否在敬(养)老院、福利院、荣军院居住") == header_key(
        "R7 是否在敬（养）老院、福利院、荣军院居住"
    )


def test_a_gbk_csv_with_a_bom_less_header_imports(
    cili_clerk: User, round: Round, holders: list[Person]
) -> None:
    data = csv_bytes(
        [row_values(person_cells(holders[0]))], head=header(), encoding="gbk"
    )

    batch = upload(cili_clerk, round, data, name="gbk.csv")
    batch.refresh_from_db()

    assert (batch.status, batch.encoding, batch.to_create) == (
        "checked",
        "GB18030（GBK）",
        1,
    )


# --- FC-09, FC-11, FC-12, FC-17, FC-18: cells --------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        320102198808153000,  # a number cell, last digits zeroed
        3.20102198808153e17,  # a float cell
        "3.20102E+17",  # shown text saved back
        "320102198808153000",  # zeroed, failing checksum
        "320102198808153000.0",
    ],
)
def test_an_identity_number_excel_turned_into_a_number_is_refused(raw: object) -> None:
    value, message = parse_cell(F2, raw)

    assert value is None
    assert message == "户主身份证号被 Excel 转为数字，请将该列设为文本后重新录入"


@pytest.mark.parametrize("raw", [32010219880815347242, 3.2010219880815347e19])
def test_a_certificate_number_in_a_number_cell_is_refused(raw: object) -> None:
    value, message = parse_cell(R2, raw)

    assert value is None
    assert message is not None
    assert "被 Excel 转为数字" in message


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("３２０１０２１９８８０８１５３４７２４２", "32010219880815347242"),
        ("１１０１０１１９８５０６１２１０４ｘ５１", "11010119850612104X51"),
        ("32010219880815347242\u00a0", "32010219880815347242"),
        ("\u200b32010219880815347242", "32010219880815347242"),
        ("3201 0219 8808 1534 72 42", "32010219880815347242"),
        ("\t32010219880815347242 ", "32010219880815347242"),
    ],
)
def test_identifiers_lose_full_width_and_invisible_characters(
    raw: str, clean: str
) -> None:
    assert parse_cell(R2, raw) == (clean, None)


def test_names_and_phones_keep_their_text() -> None:
    assert parse_cell(PERSON.item("basic.name"), "欧阳 娜娜") == ("欧阳 娜娜", None)
    assert parse_cell(R6, "13800138000") == ("13800138000", None)
    assert parse_cell(R6, 13800138000) == ("13800138000", None)


def test_a_long_number_that_lost_digits_in_a_text_column_is_refused() -> None:
    value, message = parse_cell(R6, 1.38001380001e19)

    assert value is None
    assert message is not None
    assert "丢失精度" in message


@pytest.mark.parametrize(
    ("raw", "code"), [(1, 1), ("1", 1), ("1 是", 1), ("１", 1), (2.0, 2), ("否", 2)]
)
def test_codes_are_typed_or_picked_from_the_drop_down(raw: object, code: int) -> None:
    assert parse_cell(R16, raw) == (code, None)


@pytest.mark.parametrize("raw", [3, "3 也许", "是的", 1.5])
def test_a_code_not_in_the_list_is_refused_with_the_choices(raw: object) -> None:
    value, message = parse_cell(R16, raw)

    assert value is None
    assert message == "不是本项代码表中的代码，可填：1 是、2 否。"


@pytest.mark.parametrize(
    ("raw", "codes"),
    [("1,3", {1, 3}), ("1，3", {1, 3}), ("1、3", {1, 3}), (3, {3}), (" 2 ", {2})],
)
def test_multi_select_codes_are_separated_by_commas(
    raw: object, codes: set[int]
) -> None:
    assert parse_cell(R20, raw) == (frozenset(codes), None)


def test_leading_zeros_of_a_village_code_are_never_added_or_merged(
    cili_clerk: User, round: Round, world: World
) -> None:
    short = village_cells(world.village.code[1:])  # a zero or digit lost
    data = csv_bytes([row_values(short, "community")], head=header("community"))

    batch = upload(cili_clerk, round, data, name="c.csv", kind=ImportKind.COMMUNITY)
    batch.refresh_from_db()

    assert batch.rows_bad == 1
    assert batch.to_create == 0
    [(line, column, _message)] = problems(batch)
    assert (line, column) == (2, "H1 统计用区划代码")


# --- FC-35, FC-36: the shape of the sheet ------------------------------------


def test_blank_rows_are_skipped_and_rows_after_a_gap_still_count(
    cili_clerk: User, round: Round, world: World, tmp_path: Path
) -> None:
    from dtgx.survey.tests.helpers import store_person

    holders = [store_person(world.village, n) for n in range(1, 7)]
    path = filled_template(tmp_path / "gap.xlsx", [person_cells(p) for p in holders])
    book = load_workbook(path)
    sheet = book.worksheets[0]
    sheet.insert_rows(5, amount=600)  # rows 5-604 blank, data again from 605
    for row in range(5, 605):  # formatted but empty, like a column styled as text
        sheet.cell(row=row, column=1).number_format = "@"
    book.save(path)

    batch = upload(cili_clerk, round, path)
    batch.refresh_from_db()

    assert (batch.rows_total, batch.rows_blank, batch.to_create) == (6, 600, 6)


def test_a_sheet_claiming_a_million_rows_reads_only_those_present(
    tmp_path: Path,
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["a"])
    sheet.append(["b"])
    sheet.column_dimensions["A"].number_format = "@"
    book.save(tmp_path / "wide.xlsx")
    # Rewrite the stored dimension as Excel does for a formatted column.
    import zipfile

    source = zipfile.ZipFile(tmp_path / "wide.xlsx")
    target = zipfile.ZipFile(tmp_path / "claimed.xlsx", "w")
    for item in source.infolist():
        data = source.read(item.filename)
        if item.filename == "xl/worksheets/sheet1.xml":
            data = data.replace(b'ref="A1:A2"', b'ref="A1:A1048576"')
        target.writestr(item, data)
    target.close()

    rows = list(open_table(tmp_path / "claimed.xlsx").rows())

    assert len(rows) == 2


def test_a_file_with_merged_cells_is_refused_whole(
    cili_clerk: User, round: Round, holders: list[Person], tmp_path: Path
) -> None:
    path = filled_template(tmp_path / "merged.xlsx", [person_cells(p) for p in holders])
    book = load_workbook(path)
    book.worksheets[0].merge_cells("A2:A4")
    book.save(path)

    batch = upload(cili_clerk, round, path)
    batch.refresh_from_db()

    assert batch.status == "failed"
    assert "请取消合并单元格" in batch.message
    assert "A2:A4" in batch.message


def test_a_file_whose_header_is_not_the_template_is_refused_whole(
    cili_clerk: User, round: Round, holders: list[Person]
) -> None:
    head = header()
    head[3] = "名字"
    data = csv_bytes([row_values(person_cells(holders[0]))], head=head)

    batch = upload(cili_clerk, round, data, name="h.csv")
    batch.refresh_from_db()

    assert batch.status == "failed"
    assert "缺少“R1 姓名”列" in batch.message
    assert "“名字”不是模板中的列" in batch.message
