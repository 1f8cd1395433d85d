from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from dtgx.regions.codes import NATION_CODE, Level
from dtgx.regions.importer import ImportReport, import_code_list, import_division_dir
from dtgx.regions.models import DivisionTable, Region, RegionName
from dtgx.regions.sources import DivisionFileError
from dtgx.regions.tests.helpers import BASE_ROWS, import_rows, write_csv

pytestmark = pytest.mark.django_db


def write_four_files(folder: Path, *, encoding: str = "utf-8") -> Path:
    folder.mkdir()
    write_csv(folder / "provinces.csv", [("code", "name"), ("44", "广东省")])
    write_csv(
        folder / "cities.csv",
        [
            ("code", "name", "provinceCode"),
            ("4401", "广州市", "44"),
            ("4419", "东莞市", "44"),
        ],
    )
    write_csv(
        folder / "areas.csv",
        [
            ("code", "name", "cityCode", "provinceCode"),
            ("440103", "荔湾区", "4401", "44"),
            ("441900", "东莞市", "4419", "44"),  # placeholder: repeats the city
        ],
        encoding=encoding,
    )
    write_csv(
        folder / "streets.csv",
        [
            ("code", "name", "areaCode", "provinceCode", "cityCode"),
            ("440103001", "沙面街道", "440103", "44", "4401"),
            ("441900003", "东城街道", "441900", "44", "4419"),
        ],
        encoding=encoding,
    )
    return folder


# --- good files ----------------------------------------------------------


def test_it_imports_the_four_file_layout(tmp_path: Path) -> None:
    report = import_division_dir(write_four_files(tmp_path / "d"), year=2024)

    assert report.ok
    assert (report.rows, report.created, report.merged) == (7, 6, 1)
    street = Region.objects.get(code="441900003000")
    assert street.parent_id == "441900000000"
    assert street.level == Level.TOWNSHIP
    assert street.valid_from == 2024
    assert Region.objects.get(code="440000000000").parent_id == NATION_CODE
    assert Region.objects.get(code=NATION_CODE).level == Level.NATION


def test_it_imports_a_code_list_with_villages_and_their_class(
    tmp_path: Path, base_county: ImportReport
) -> None:
    report = import_rows(
        tmp_path,
        [
            ("110101001001", "多福巷社区", "111"),
            ("110101001200", "东华村", "220"),
        ],
    )

    assert report.ok
    assert report.created == 2
    village = Region.objects.get(code="110101001200")
    assert (village.parent_id, village.urban_rural_class) == ("110101001000", "220")


def test_it_records_each_import_as_a_division_table(tmp_path: Path) -> None:
    report = import_rows(tmp_path, BASE_ROWS, year=2024)

    table = DivisionTable.objects.get()
    assert report.table == table
    assert (table.year, table.kind, table.source) == (2024, "code_list", "list.csv")
    assert (table.rows, table.created) == (5, 5)
    assert len(table.sha256) == 64


# --- bad rows ------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("", "无名"), "缺少区划代码"),
        (("11010100300", "短码"), "有11位，应为12位"),
        (("11010100300X", "字母"), "含有数字以外的字符"),
        (("110101003000.0", "小数"), "被存成了数字"),
        (("1.10101003E+11", "科学计数法"), "被存成了数字"),
        (("110001003000", "断层"), "分段不对"),
        (("110101600000", "越界乡"), "乡级代码段“600”超出编码规则"),
        (("110101001600", "越界村"), "村级代码段“600”超出编码规则"),
        (("110102001000", "无上级"), "上级区划“110102000000”不存在"),
        (("110101003000", ""), "缺少名称"),
        (("110101001201", "某村", "999"), "城乡分类代码“999”无效"),
        (("110101003000", "某街道", "220"), "城乡分类代码只用于村级"),
        (("110101001000", "重复"), "与list.csv第1行重复"),
        (("000000000000", "全国"), "全为0"),
    ],
)
def test_it_explains_what_to_fix_in_a_bad_row(
    tmp_path: Path, base_county: ImportReport, row: tuple[str, ...], message: str
) -> None:
    report = import_rows(tmp_path, [("110101001000", "东华门街道"), row])

    assert [error.line for error in report.errors] == [2]
    assert message in report.errors[0].message
    assert str(report.errors[0]).startswith("list.csv 第2行：")


def test_it_reports_every_bad_row_and_writes_nothing(
    tmp_path: Path, base_county: ImportReport
) -> None:
    before = set(Region.objects.values_list("code", "name"))

    report = import_rows(
        tmp_path,
        [
            ("code", "name"),
            ("110101001000", "东华门街道（新名）"),
            ("110101003000", "交道口街道"),
            ("11010100400", "短码"),
            ("110101005000", "朝阳门街道"),
            ("110101600000", "越界"),
        ],
    )

    assert [error.line for error in report.errors] == [4, 6]
    assert set(Region.objects.values_list("code", "name")) == before
    assert not RegionName.objects.exists()
    assert DivisionTable.objects.count() == 1


def test_it_takes_a_parent_only_from_the_database_or_earlier_rows(
    tmp_path: Path, base_county: ImportReport
) -> None:
    report = import_rows(
        tmp_path,
        [
            ("110101003001", "府学胡同社区"),  # its street comes later
            ("110101003000", "交道口街道"),
            ("110101003002", "菊儿社区"),
        ],
    )

    assert [(error.line, error.code) for error in report.errors] == [
        (1, "110101003001")
    ]


def test_it_keeps_county_part_00_to_prefectures_without_counties(
    tmp_path: Path, base_county: ImportReport
) -> None:
    report = import_rows(tmp_path, [("110100003000", "不该直属的街道")])

    assert "县级段为00" in report.errors[0].message


def test_it_rejects_a_code_in_the_file_of_another_level(tmp_path: Path) -> None:
    folder = write_four_files(tmp_path / "d")
    write_csv(
        folder / "areas.csv",
        [("code", "name"), ("440103", "荔湾区"), ("440200", "韶关市")],
    )

    report = import_division_dir(folder, year=2024)

    assert [(e.file, e.line) for e in report.errors] == [("areas.csv", 3)]
    assert "是市级代码" in report.errors[0].message


def test_it_refuses_a_file_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(DivisionFileError, match="表头应含"):
        import_rows(tmp_path, [("编号", "单位"), ("11", "北京市")])
    with pytest.raises(DivisionFileError, match="CSV或XLSX"):
        import_code_list(write_csv(tmp_path / "list.txt", BASE_ROWS), year=2024)
    with pytest.raises(DivisionFileError, match="没有区划文件"):
        import_division_dir(tmp_path, year=2024)
    with pytest.raises(DivisionFileError, match="没有数据行"):
        import_rows(tmp_path, [("code", "name")])


# --- re-imports ----------------------------------------------------------


def test_it_changes_nothing_when_the_same_file_is_imported_again(
    tmp_path: Path,
) -> None:
    folder = write_four_files(tmp_path / "d")
    first = import_division_dir(folder, year=2024)

    again = import_division_dir(folder, year=2024, withdraw_missing=True)

    assert (again.created, again.renamed, again.withdrawn) == (0, 0, 0)
    assert again.unchanged == first.created
    assert again.table == first.table
    assert DivisionTable.objects.count() == 1


def test_it_keeps_the_old_name_with_the_years_it_was_valid(
    tmp_path: Path, base_county: ImportReport
) -> None:
    renamed = [("110101001000", "东华门新街道")]

    first = import_rows(tmp_path, renamed, year=2025)
    import_rows(tmp_path, [("110101001000", "东华门第三街道")], year=2027)

    assert first.renamed == 1
    history = RegionName.objects.filter(region_id="110101001000")
    assert list(history.values_list("name", "valid_from", "valid_to")) == [
        ("东华门街道", 2023, 2024),
        ("东华门新街道", 2025, 2026),
    ]
    assert Region.objects.get(code="110101001000").name == "东华门第三街道"


def test_it_withdraws_missing_codes_only_when_asked(
    tmp_path: Path, base_county: ImportReport
) -> None:
    without_jingshan = BASE_ROWS[:-1]

    kept = import_rows(tmp_path, without_jingshan, year=2025)
    withdrawn = import_rows(
        tmp_path, without_jingshan, year=2025, withdraw_missing=True
    )

    assert kept.withdrawn == 0
    assert withdrawn.withdrawn_codes == ["110101002000"]
    jingshan = Region.objects.get(code="110101002000")
    assert jingshan.valid_to == 2024
    assert not Region.objects.current().filter(code="110101002000").exists()


def test_it_withdraws_only_within_the_region_the_file_covers(
    tmp_path: Path, base_county: ImportReport
) -> None:
    import_rows(
        tmp_path,
        [
            ("110101001001", "甲社区"),
            ("110101001002", "乙社区"),
            ("110101002001", "丙社区"),
        ],
        name="villages.csv",
    )

    # A list of one street's villages says nothing about the other street.
    report = import_rows(
        tmp_path, [("110101001001", "甲社区")], year=2025, withdraw_missing=True
    )

    assert report.withdrawn_codes == []
    report = import_rows(
        tmp_path,
        [("110101001000", "东华门街道"), ("110101001001", "甲社区")],
        year=2025,
        withdraw_missing=True,
    )
    assert report.withdrawn_codes == ["110101001002"]


def test_it_restores_a_withdrawn_code_listed_again(
    tmp_path: Path, base_county: ImportReport
) -> None:
    import_rows(tmp_path, BASE_ROWS[:-1], year=2025, withdraw_missing=True)

    report = import_rows(tmp_path, BASE_ROWS, year=2026)

    assert report.restored == 1
    assert Region.objects.get(code="110101002000").valid_to is None


def test_it_rolls_back_a_dry_run(tmp_path: Path) -> None:
    report = import_rows(tmp_path, BASE_ROWS, dry_run=True)

    assert report.created == 5
    assert report.table is None
    assert not Region.objects.exists()
    assert not DivisionTable.objects.exists()


# --- encodings and spreadsheets -----------------------------------------


def test_it_reads_gbk_encoded_csv(tmp_path: Path) -> None:
    folder = write_four_files(tmp_path / "d", encoding="gbk")

    report = import_division_dir(folder, year=2024)

    assert report.ok
    assert Region.objects.get(code="440103001000").name == "沙面街道"


def test_it_reads_utf8_with_bom_and_spaces_in_the_header(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeff Code , 名称 \r\n110000000000, 北京市 \r\n".encode())

    report = import_code_list(path, year=2024)

    assert report.ok
    assert Region.objects.get(code="110000000000").name == "北京市"


def write_xlsx(path: Path, rows: list[tuple[object, ...]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_it_reads_xlsx_codes_given_as_text_or_whole_numbers(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [("代码", "名称"), ("110000000000", "北京市"), (110100000000, "市辖区")],
    )

    report = import_code_list(path, year=2024)

    assert report.ok, report.errors
    assert Region.objects.filter(level=Level.PREFECTURE).count() == 1


def test_it_rejects_xlsx_codes_stored_as_decimal_numbers(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "list.xlsx",
        [
            ("code", "name"),
            ("110000000000", "北京市"),
            (110100000000.25, "市辖区"),  # an artefact of arithmetic
            (1.10101001e17, "东城区"),  # an 18-digit number, rounded by Excel
        ],
    )

    report = import_code_list(path, year=2024)

    assert [(error.line, error.code) for error in report.errors] == [
        (3, "110100000000.25"),
        (4, "1.10101001e+17"),
    ]
    assert "请把代码列设为文本格式" in report.errors[0].message
    assert not Region.objects.exists()


# --- the command ---------------------------------------------------------


def test_it_imports_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_four_files(tmp_path / "d")

    call_command("import_divisions", "--dir", str(folder), "--year", "2024")

    assert "新增6个" in capsys.readouterr().out
    assert Region.objects.filter(level=Level.TOWNSHIP).count() == 2


def test_it_fails_the_command_and_lists_bad_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "bad.csv", [("code", "name"), ("1100", "北京")])

    with pytest.raises(CommandError, match="有1行需要修改，未导入任何数据"):
        call_command("import_divisions", "--file", str(path), "--year", "2024")

    assert "bad.csv 第2行" in capsys.readouterr().err


def test_it_asks_for_the_year_before_withdrawing(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "list.csv", BASE_ROWS)

    with pytest.raises(CommandError, match="--year"):
        call_command("import_divisions", "--file", str(path), "--withdraw-missing")
