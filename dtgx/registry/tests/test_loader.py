"""The base-list loader: every bad row reported, all or nothing, idempotent."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dtgx.accounts.models import AuditEvent, User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.regions.models import Region
from dtgx.registry.checks import LoadReport
from dtgx.registry.models import BaseList, BaseListEntry, Person, Residence, Status
from dtgx.registry.services import load_base_list, move_person
from dtgx.registry.sources import BaseListError
from dtgx.registry.tests.helpers import (
    CILI_VILLAGE,
    CILI_VILLAGE_2,
    HEADER,
    REFERENCE_DATE,
    SANGZHI_VILLAGE,
    YEAR,
    holder_rows,
    make_certificate,
    make_id,
    store_person,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

EXCEL_MESSAGE = "残疾人证号被 Excel 转为数字，请将该列设为文本后重新录入"


def load(actor: User, path: Path, region: Region, **kwargs: object) -> LoadReport:
    return load_base_list(
        actor,
        path,
        region=region,
        year=YEAR,
        reference_date=REFERENCE_DATE,
        **kwargs,  # type: ignore[arg-type]
    )


def messages(report: LoadReport) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for problem in report.errors:
        found.setdefault(problem.line, []).append(problem.message)
    return found


def nothing_written() -> bool:
    return not (
        Person.objects.exists()
        or BaseList.objects.exists()
        or Residence.objects.exists()
        or AuditEvent.objects.filter(action__startswith="registry.").exists()
    )


# --- good files ----------------------------------------------------------


def test_it_loads_a_good_file_with_everything_derived_from_the_certificate(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    rows = [
        (make_certificate(1, category=1, grade=3), "张三", CILI_VILLAGE, "正常", "1"),
        (make_certificate(2), "李 四", CILI_VILLAGE, "死亡", "非农业"),
        (make_certificate(3), "王五", CILI_VILLAGE, "迁出", ""),
    ]
    path = write_csv(tmp_path / "底册.csv", rows, header=(*HEADER, "户口性质"))

    report = load(cili_clerk, path, world.cili)

    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated, report.unchanged) == (
        3,
        3,
        0,
        0,
    )
    first = Person.objects.get(id_number=make_id(1))
    assert (first.certificate_number, first.name) == (
        make_certificate(1, category=1, grade=3),
        "张三",
    )
    assert (first.category, first.grade, first.hukou_type) == (1, 3, 1)
    assert (first.sex, first.birth_date) == (1, date(1980, 1, 1))
    assert first.legacy_id_number == make_id(1)[:6] + make_id(1)[8:17]
    assert first.region_code == first.village_id == CILI_VILLAGE
    second = Person.objects.get(id_number=make_id(2))
    assert (second.name, second.status, second.hukou_type) == ("李 四", "deceased", 2)
    assert Person.objects.get(id_number=make_id(3)).hukou_type is None

    base_list = BaseList.objects.get()
    assert report.base_list == base_list
    assert (base_list.year, base_list.reference_date, base_list.rows) == (
        YEAR,
        REFERENCE_DATE,
        3,
    )
    assert base_list.loaded_by == cili_clerk
    assert base_list.entries.count() == 3
    assert set(base_list.entries.values_list("status", flat=True)) == {
        "normal",
        "deceased",
        "moved_out",
    }
    residence = first.residences.get()
    assert (residence.valid_from, residence.valid_to) == (REFERENCE_DATE, None)
    event = AuditEvent.objects.get(action="registry.base_list.load")
    assert event.actor == cili_clerk
    assert event.after is not None
    assert event.after["created"] == 3


def test_it_reads_gbk_csv_saved_by_chinese_excel(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    path = write_csv(tmp_path / "gbk.csv", holder_rows(2), encoding="gbk")

    report = load(cili_clerk, path, world.cili)

    assert report.ok, report.errors
    assert report.encoding == "GB18030（GBK）"
    assert set(Person.objects.values_list("name", flat=True)) == {"持证人1", "持证人2"}


def test_it_reads_a_bom_csv_with_untidy_headers(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    header = ("残疾人证号 ", " 姓名\u00a0", "现居住地村（社区）代码", "状 态")
    path = write_csv(
        tmp_path / "bom.csv", holder_rows(1), header=header, encoding="utf-8-sig"
    )

    report = load(cili_clerk, path, world.cili)

    assert report.ok, report.errors
    assert report.encoding == "UTF-8（带BOM）"
    assert Person.objects.get().village_id == CILI_VILLAGE


def test_it_reads_an_xlsx_file_with_text_cells(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    path = write_xlsx(tmp_path / "底册.xlsx", holder_rows(3))

    report = load(cili_clerk, path, world.cili)

    assert report.ok, report.errors
    assert (report.encoding, report.created) == ("XLSX", 3)


def test_it_refuses_certificate_numbers_excel_turned_into_numbers(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    """FC-09: a numeric cell is never "repaired", whatever its value."""
    rows = [
        (int(make_certificate(1)), "数字单元格", CILI_VILLAGE, "正常"),
        (float(make_certificate(2)), "小数单元格", CILI_VILLAGE, "正常"),
        (make_certificate(3), "文本单元格", CILI_VILLAGE, "正常"),
    ]
    path = write_xlsx(tmp_path / "numbers.xlsx", rows)

    report = load(cili_clerk, path, world.cili)

    assert messages(report) == {2: [EXCEL_MESSAGE], 3: [EXCEL_MESSAGE]}
    assert nothing_written()


def test_it_refuses_scientific_notation_in_a_csv(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    rows = [("4.30821E+19", "甲", CILI_VILLAGE, "正常")]
    path = write_csv(tmp_path / "sci.csv", rows)

    report = load(cili_clerk, path, world.cili)

    assert messages(report) == {2: [EXCEL_MESSAGE]}


def test_it_folds_full_width_and_invisible_characters_and_shows_them(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    """FC-17 and FC-18: the stored number is plain ASCII; the preview shows
    what was cleaned."""
    full_width = make_certificate(1).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    rows = [
        (full_width, "甲", CILI_VILLAGE, "正常"),
        (make_certificate(2) + "\u00a0", "乙", CILI_VILLAGE, "正常"),
        ("\u200b" + make_certificate(3), "丙", " 4308 2110 0201 ", "正常"),
    ]
    path = write_csv(tmp_path / "ime.csv", rows)

    report = load(cili_clerk, path, world.cili)

    assert report.ok, report.errors
    stored = set(Person.objects.values_list("certificate_number", flat=True))
    assert stored == {make_certificate(n) for n in (1, 2, 3)}
    cleaned = {(item.line, item.column, item.value) for item in report.cleaned}
    assert (2, "残疾人证号", make_certificate(1)) in cleaned
    assert (3, "残疾人证号", make_certificate(2)) in cleaned
    assert (4, "居住地区划代码", CILI_VILLAGE) in cleaned
    assert any("⟨U+00A0⟩" in item.raw for item in report.cleaned)
    event = AuditEvent.objects.get(action="registry.base_list.load")
    assert event.after is not None
    assert event.after["normalised_lines"] == [2, 3, 4]


def test_it_takes_a_lowercase_x_for_the_same_person_as_uppercase(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    """FC-01: 11010119850612104x and …104X are one person."""
    sequence = next(n for n in range(1, 999) if make_id(n).endswith("X"))
    upper = make_certificate(sequence)
    write_csv(tmp_path / "lower.csv", [(upper.lower(), "甲", CILI_VILLAGE, "正常")])
    first = load(cili_clerk, tmp_path / "lower.csv", world.cili)
    write_csv(tmp_path / "upper.csv", [(upper, "甲", CILI_VILLAGE, "正常")])

    second = load(cili_clerk, tmp_path / "upper.csv", world.cili)

    assert first.ok
    assert second.ok
    assert Person.objects.get().certificate_number == upper
    assert (second.created, second.unchanged, second.changed) == (0, 1, False)


def test_it_warns_about_an_unknown_address_code_without_blocking(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    """FC-06: an address code outside the historical list is a warning."""
    rows = [(make_certificate(1, address="990101"), "甲", CILI_VILLAGE, "正常")]
    path = write_csv(tmp_path / "old.csv", rows)

    report = load(cili_clerk, path, world.cili)

    assert report.ok
    assert [w.line for w in report.warnings] == [2]
    assert "地址码 990101 不在现行区划表中" in report.warnings[0].message
    assert Person.objects.count() == 1


# --- bad rows --------------------------------------------------------------


def test_it_reports_every_bad_row_by_line_and_writes_nothing(
    tmp_path: Path, world: World, cili_clerk: User, second_village: Region
) -> None:
    good = make_certificate(1)
    bad_checksum = good[:17] + ("0" if good[17] != "0" else "1") + good[18:]
    rows = [
        (good, "好人", CILI_VILLAGE, "正常"),  # line 2
        (bad_checksum, "校验错", CILI_VILLAGE, "正常"),  # 3
        (make_certificate(4), "", CILI_VILLAGE, "正常"),  # 4
        (make_certificate(5), "短代码", "43082110020", "正常"),  # 5
        (make_certificate(6), "乡级代码", "430821100000", "正常"),  # 6
        (make_certificate(7), "无此村", "430821100299", "正常"),  # 7
        (make_certificate(8), "外县", SANGZHI_VILLAGE, "正常"),  # 8
        (make_certificate(9), "状态错", CILI_VILLAGE, "失踪"),  # 9
        (make_certificate(10), "户口错", CILI_VILLAGE, "正常", "3"),  # 10
        (make_id(11), "少两位", CILI_VILLAGE, "正常"),  # 11
        (make_certificate(12, category=8), "类别错", CILI_VILLAGE, "正常"),  # 12
        (make_certificate(13), "无状态", CILI_VILLAGE_2, ""),  # 13
        (make_certificate(14, birth="20260101"), "未出生", CILI_VILLAGE, "正常"),  # 14
    ]
    path = write_csv(tmp_path / "bad.csv", rows, header=(*HEADER, "户口性质"))

    report = load(cili_clerk, path, world.cili)

    found = messages(report)
    assert sorted(found) == list(range(3, 15))
    assert report.bad_rows == 12
    assert "校验码不符" in found[3][0]
    assert found[4] == ["姓名为空，请填写。"]
    assert "应为12位数字" in found[5][0]
    assert "不是村(社区)级代码" in found[6][0]
    assert "不在区划代码表中" in found[7][0]
    assert "不在慈利县范围内" in found[8][0]
    assert "状态无法识别" in found[9][0]
    assert "户口性质无法识别" in found[10][0]
    assert "应为 20 位" in found[11][0]
    assert "残疾类别代码“8”无效" in found[12][0]
    assert "缺少状态" in found[13][0]
    assert "晚于统计时点" in found[14][0]
    problem = next(p for p in report.errors if p.line == 8)
    assert (problem.column, problem.value) == ("居住地区划代码", SANGZHI_VILLAGE)
    assert nothing_written()


def test_it_reports_duplicates_inside_the_file_after_normalisation(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    """FC-40: rows 5 and 17 hold the same number, row 17 in full width."""
    rows = holder_rows(16)
    rows[15] = (
        rows[3][0].translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        "重复者",
        CILI_VILLAGE,
        "正常",
    )
    path = write_csv(tmp_path / "dup.csv", rows)

    report = load(cili_clerk, path, world.cili)

    assert messages(report) == {17: ["第5行与第17行残疾人证号重复，请删去其中一行。"]}
    assert nothing_written()


def test_it_reports_one_identity_number_with_two_certificates(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    rows = [
        (make_certificate(1, category=4), "甲", CILI_VILLAGE, "正常"),
        (make_certificate(1, category=5), "甲", CILI_VILLAGE, "正常"),
    ]
    path = write_csv(tmp_path / "twice.csv", rows)

    report = load(cili_clerk, path, world.cili)

    assert "第2行与第3行是同一身份证号" in messages(report)[3][0]


def test_it_refuses_a_file_without_a_required_column(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    path = write_csv(
        tmp_path / "cols.csv", [("1", "甲")], header=("残疾人证号", "姓名")
    )

    with pytest.raises(BaseListError, match="缺少“居住地区划代码”“状态”列"):
        load(cili_clerk, path, world.cili)


def test_it_refuses_a_region_outside_the_actors_scope_or_below_county(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    path = write_csv(tmp_path / "ok.csv", holder_rows(1))
    township_clerk = world.person("lingyang_clerk", world.lingyang, Role.ENTRY_CLERK)
    cili_collector = world.person("cili_collector", world.lingyang, Role.COLLECTOR)

    with pytest.raises(PermissionDenied):
        load(cili_clerk, path, world.sangzhi)
    with pytest.raises(PermissionDenied):
        load(township_clerk, path, world.cili)
    with pytest.raises(PermissionDenied):
        load(cili_collector, path, world.cili)
    with pytest.raises(BaseListError, match="县级或以上"):
        load(township_clerk, path, world.lingyang)
    assert nothing_written()


# --- loading again ---------------------------------------------------------


def test_it_changes_nothing_when_the_same_file_is_loaded_again(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    rows = holder_rows(30)
    path = write_csv(tmp_path / "a.csv", rows)
    load(cili_clerk, path, world.cili)
    events = AuditEvent.objects.count()
    updated_at = list(Person.objects.values_list("updated_at", flat=True))

    again = load(cili_clerk, path, world.cili)
    random.Random(3).shuffle(rows)
    reordered = load(cili_clerk, write_csv(tmp_path / "b.csv", rows), world.cili)

    assert again.already_loaded
    assert "同一个文件" in again.summary()
    assert reordered.ok
    assert not reordered.changed
    assert (reordered.unchanged, reordered.created) == (30, 0)
    assert BaseList.objects.get().source_name == "a.csv"
    assert AuditEvent.objects.count() == events
    assert list(Person.objects.values_list("updated_at", flat=True)) == updated_at
    assert BaseListEntry.objects.count() == 30


def test_it_updates_names_statuses_and_villages_with_their_history(
    tmp_path: Path, world: World, cili_clerk: User, second_village: Region
) -> None:
    load(cili_clerk, write_csv(tmp_path / "a.csv", holder_rows(4)), world.cili)
    rows = holder_rows(4)
    rows[0] = (rows[0][0], "改名后", CILI_VILLAGE, "正常")
    rows[1] = (rows[1][0], rows[1][1], CILI_VILLAGE, "死亡")
    rows[2] = (rows[2][0], rows[2][1], CILI_VILLAGE_2, "正常")
    del rows[3]
    path = write_csv(tmp_path / "b.csv", rows)

    report = load(cili_clerk, path, world.cili, allow_removals=True)

    assert report.ok, report.errors
    assert (report.updated, report.moves, report.unchanged) == (3, 1, 0)
    assert (report.entries_changed, report.entries_removed) == (2, 1)
    renamed = AuditEvent.objects.get(
        action="registry.person.update", after__name="改名后"
    )
    assert renamed.before == {"name": "持证人1"}
    died = Person.objects.get(id_number=make_id(2))
    assert (died.status, died.status_date) == (Status.DECEASED, REFERENCE_DATE)
    # A corrected file of the same round corrects the residence it began.
    moved = Person.objects.get(id_number=make_id(3))
    assert moved.region_code == CILI_VILLAGE_2
    assert list(moved.residences.values_list("village_id", "valid_from")) == [
        (CILI_VILLAGE_2, REFERENCE_DATE)
    ]
    move = AuditEvent.objects.get(action="registry.person.move")
    assert move.before == {"village": CILI_VILLAGE}
    assert move.after == {
        "village": CILI_VILLAGE_2,
        "on": "2025-06-30",
        "corrects": True,
    }
    assert BaseListEntry.objects.count() == 3
    assert Person.objects.count() == 4  # nobody is deleted


def test_it_counts_a_person_who_moved_in_september_in_the_village_of_june(
    tmp_path: Path, world: World, cili_clerk: User, second_village: Region
) -> None:
    """The October load of the 30 June list finds the person in the June
    village: no move, no error, the entry holds the June village."""
    person = store_person(world.village, 1, since=date(2024, 6, 30))
    move_person(cili_clerk, person, second_village, on=date(2025, 9, 15), reason="搬家")
    path = write_csv(tmp_path / "june.csv", holder_rows(1))

    report = load(cili_clerk, path, world.cili)

    assert report.ok, report.errors
    assert (report.unchanged, report.moves) == (1, 0)
    entry = BaseListEntry.objects.get()
    assert (entry.person, entry.village_id) == (person, CILI_VILLAGE)
    person.refresh_from_db()
    assert person.region_code == CILI_VILLAGE_2


def test_it_refuses_a_village_that_contradicts_a_newer_residence(
    tmp_path: Path, world: World, cili_clerk: User, second_village: Region
) -> None:
    person = store_person(world.village, 1, since=date(2024, 6, 30))
    move_person(cili_clerk, person, second_village, on=date(2025, 9, 15), reason="搬家")
    path = write_csv(tmp_path / "june.csv", holder_rows(1, village=CILI_VILLAGE_2))

    report = load(cili_clerk, path, world.cili)

    assert "晚于本底册的统计时点2025-06-30" in messages(report)[2][0]
    assert not BaseList.objects.exists()


def test_it_counts_a_person_once_a_round_across_regions(
    tmp_path: Path, world: World, cili_clerk: User, sangzhi_village: Region
) -> None:
    sangzhi_clerk = world.person("sangzhi_clerk", world.sangzhi, Role.ENTRY_CLERK)
    path = write_csv(tmp_path / "s.csv", holder_rows(2, village=SANGZHI_VILLAGE))
    load(sangzhi_clerk, path, world.sangzhi)

    report = load(cili_clerk, write_csv(tmp_path / "c.csv", holder_rows(1)), world.cili)

    assert "此人已计入桑植县的2025年底册" in messages(report)[2][0]
    assert BaseList.objects.count() == 1


def test_it_refuses_overlapping_lists_and_another_reference_date(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    director = world.person("zjj_director", world.zhangjiajie, Role.OFFICE_DIRECTOR)
    path = write_csv(tmp_path / "c.csv", holder_rows(1))
    load(cili_clerk, path, world.cili)

    with pytest.raises(BaseListError, match="已有慈利县的底册"):
        load(director, path, world.zhangjiajie)
    with pytest.raises(BaseListError, match="统计时点须一致"):
        load_base_list(
            cili_clerk,
            path,
            region=world.cili,
            year=YEAR,
            reference_date=date(2025, 7, 1),
        )


def test_a_dry_run_counts_but_writes_nothing(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    path = write_csv(tmp_path / "a.csv", holder_rows(5))

    report = load(cili_clerk, path, world.cili, dry_run=True)

    assert (report.ok, report.created, report.changed) == (True, 5, True)
    assert report.base_list is None
    assert nothing_written()


def test_it_writes_in_bulk_not_row_by_row(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    path = write_csv(tmp_path / "big.csv", holder_rows(1000))

    with CaptureQueriesContext(connection) as queries:
        report = load(cili_clerk, path, world.cili)

    assert report.created == 1000
    # Bulk inserts of ~60 rows (SQLite's 999 variables), not one per row.
    assert len(queries) < 60, len(queries)


# --- the command -----------------------------------------------------------


def test_the_command_loads_a_file_and_fails_on_bad_rows(
    tmp_path: Path, world: World, cili_clerk: User, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write_csv(tmp_path / "good.csv", holder_rows(2))
    bad = write_csv(tmp_path / "bad.csv", [("123", "甲", CILI_VILLAGE, "正常")])
    common = [
        "--region",
        world.cili.code,
        "--year",
        str(YEAR),
        "--reference-date",
        REFERENCE_DATE.isoformat(),
        "--user",
        cili_clerk.username,
    ]

    call_command("load_base_list", str(good), *common, "--dry-run")
    assert not Person.objects.exists()
    call_command("load_base_list", str(good), *common)
    assert Person.objects.count() == 2
    with pytest.raises(CommandError, match="其中1行有错误"):
        call_command("load_base_list", str(bad), *common)
    assert "第2行 残疾人证号“123”" in capsys.readouterr().err


@pytest.mark.parametrize("code", ["430821", " 430821000000 "])
def test_the_command_takes_the_county_code_as_officially_written(
    tmp_path: Path, world: World, cili_clerk: User, code: str
) -> None:
    good = write_csv(tmp_path / "good.csv", holder_rows(2))

    call_command(
        "load_base_list",
        str(good),
        *("--region", code, "--year", str(YEAR)),
        *("--reference-date", REFERENCE_DATE.isoformat()),
        *("--user", cili_clerk.username),
    )

    assert Person.objects.count() == 2


@pytest.mark.parametrize(
    ("code", "message"),
    [("439999", "找不到区划代码439999"), ("43082", "应为12位数字，或2、4、6、9位")],
)
def test_the_command_names_a_wrong_region_code(
    tmp_path: Path, world: World, cili_clerk: User, code: str, message: str
) -> None:
    good = write_csv(tmp_path / "good.csv", holder_rows(2))

    with pytest.raises(CommandError, match=message):
        call_command(
            "load_base_list",
            str(good),
            *("--region", code, "--year", str(YEAR)),
            *("--reference-date", REFERENCE_DATE.isoformat()),
            *("--user", cili_clerk.username),
        )
    assert not Person.objects.exists()


def test_it_records_a_move_between_rounds_on_the_later_reference_date(
    tmp_path: Path, world: World, cili_clerk: User, second_village: Region
) -> None:
    load(cili_clerk, write_csv(tmp_path / "2024.csv", holder_rows(2)), world.cili)
    rows = holder_rows(2)
    rows[1] = (rows[1][0], rows[1][1], CILI_VILLAGE_2, "正常")
    path = write_csv(tmp_path / "2026.csv", rows)

    report = load_base_list(
        cili_clerk,
        path,
        region=world.cili,
        year=2026,
        reference_date=date(2026, 6, 30),
    )

    assert report.ok, report.errors
    assert (report.unchanged, report.updated, report.moves) == (1, 1, 1)
    moved = Person.objects.get(id_number=make_id(2))
    assert list(
        moved.residences.values_list("village_id", "valid_from", "valid_to")
    ) == [
        (CILI_VILLAGE, REFERENCE_DATE, date(2026, 6, 30)),
        (CILI_VILLAGE_2, date(2026, 6, 30), None),
    ]
    assert moved.residence_on(REFERENCE_DATE).village_id == CILI_VILLAGE  # type: ignore[union-attr]
    assert BaseList.objects.count() == 2
    assert set(moved.base_list_entries.values_list("year", "village_id")) == {
        (2025, CILI_VILLAGE),
        (2026, CILI_VILLAGE_2),
    }


def test_it_reads_chinese_statuses_whatever_the_interface_language(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    rows = [
        (make_certificate(1), "甲", CILI_VILLAGE, "注销"),
        (make_certificate(2), "乙", CILI_VILLAGE, "deceased"),
    ]
    path = write_csv(tmp_path / "en.csv", rows)

    with translation.override("en"):
        report = load(cili_clerk, path, world.cili)

    assert report.ok, report.errors
    assert set(Person.objects.values_list("status", flat=True)) == {
        Status.CANCELLED,
        Status.DECEASED,
    }


def test_it_skips_blank_rows_between_data_rows_and_counts_them(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    """FC-35: rows after a gap are still read; trailing blanks are not
    counted."""
    rows: list[tuple[str, ...]] = [
        *holder_rows(2),
        ("", "", "", ""),
        ("", "", "", ""),
        *holder_rows(1, start=3),
        ("", "", "", ""),
    ]
    path = write_xlsx(tmp_path / "gaps.xlsx", rows)

    report = load(cili_clerk, path, world.cili)

    assert report.ok, report.errors
    assert (report.rows, report.blank_rows, report.created) == (3, 2, 3)
