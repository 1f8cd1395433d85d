"""Checking and importing rows through the survey services: what the dry
run reports, what the clerk's choice does, and that nothing is written
twice or past a lock (FC-20, FC-26, FC-31, FC-34, FC-40)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from dtgx.accounts.models import AuditEvent, User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.imports import rows as import_rows
from dtgx.imports.models import ImportKind
from dtgx.imports.report import report_columns, report_rows
from dtgx.imports.tests.helpers import (
    commit,
    csv_bytes,
    filled_template,
    header,
    person_cells,
    problems,
    row_values,
    upload,
    village_cells,
)
from dtgx.registry.models import Person
from dtgx.survey.models import (
    CommunityRecord,
    PersonRecord,
    RecordChange,
    RegionLock,
    Round,
)
from dtgx.survey.tests.helpers import enter, make_id, store_person


def _file(tmp_path: Path, cells: list[dict[str, object]], name: str = "f") -> Path:
    return filled_template(tmp_path / f"{name}.xlsx", cells)


def test_the_dry_run_writes_nothing_and_commit_writes_through_the_services(
    cili_clerk: User, round: Round, holders: list[Person], tmp_path: Path
) -> None:
    batch = upload(
        cili_clerk, round, _file(tmp_path, [person_cells(p) for p in holders])
    )
    batch.refresh_from_db()

    assert (batch.status, batch.to_create, batch.rows_bad) == ("checked", 3, 0)
    assert not PersonRecord.objects.exists()

    batch = commit(cili_clerk, batch)

    assert batch.status == "committed"
    assert PersonRecord.objects.count() == 3
    # The services wrote their audit events and ran the logic audit.
    assert AuditEvent.objects.filter(action="survey.person_record.create").count() == 3
    assert AuditEvent.objects.filter(action="imports.batch.finish").count() == 1
    assert not Path(batch.stored_path or "/nonexistent").exists()


def test_importing_the_same_file_twice_creates_nothing_new(
    cili_clerk: User, round: Round, holders: list[Person], tmp_path: Path
) -> None:
    path = _file(tmp_path, [person_cells(p) for p in holders])
    commit(cili_clerk, upload(cili_clerk, round, path))
    events = AuditEvent.objects.count()

    again = upload(cili_clerk, round, path)
    again.refresh_from_db()
    assert (again.to_create, again.to_change, again.unchanged) == (0, 0, 3)
    again = commit(cili_clerk, again)

    assert PersonRecord.objects.count() == 3
    assert not RecordChange.objects.exists()
    assert all(r.version == 1 for r in PersonRecord.objects.all())
    # Only the batch's own events: upload, commit, finish.
    assert AuditEvent.objects.count() == events + 3


def test_other_answers_for_a_saved_record_are_refused_without_a_reason(
    cili_clerk: User, round: Round, holders: list[Person], tmp_path: Path
) -> None:
    enter(cili_clerk, holders[0], round)
    changed = person_cells(holders[0], basic__phone="13900000000")

    batch = upload(cili_clerk, round, _file(tmp_path, [changed]))
    batch.refresh_from_db()

    assert (batch.rows_bad, batch.to_change) == (1, 0)
    [(_line, _column, message)] = problems(batch)
    assert "R6 联系电话" in message
    assert "更正原因和责任人" in message


def test_with_a_reason_they_become_corrections_listing_only_changed_items(
    cili_clerk: User, round: Round, holders: list[Person], tmp_path: Path
) -> None:
    for holder in holders:
        enter(cili_clerk, holder, round)
    cells = [
        person_cells(holders[0], basic__phone="13900000000"),
        person_cells(holders[1], basic__phone="13900000001", footer__remarks="补录"),
        person_cells(holders[2]),  # unchanged
    ]

    batch = upload(
        cili_clerk,
        round,
        _file(tmp_path, cells),
        reason="按纸质表核对更正电话",
        responsible_person="李采集",
    )
    batch = commit(cili_clerk, batch)

    changes = RecordChange.objects.order_by("person_record__person_id")
    assert (batch.to_change, batch.unchanged) == (2, 1)
    assert changes.count() == 2  # one history row per record actually changed
    assert [[i["item"] for i in c.items] for c in changes] == [
        ["basic.phone"],
        ["basic.phone", "footer.remarks"],
    ]
    first = changes[0]
    assert first.items[0]["old"] == "13800000000"
    assert first.items[0]["new"] == "13900000000"
    assert (first.reason, first.responsible_person) == (
        "按纸质表核对更正电话",
        "李采集",
    )
    assert first.changed_by == cili_clerk
    assert {c.batch_id for c in changes} == {batch.batch_id}


def test_duplicates_in_the_file_keep_the_first_row_and_name_it(
    cili_clerk: User, round: Round, world: World, tmp_path: Path
) -> None:
    persons = [store_person(world.village, n) for n in range(1, 17)]
    cells = [person_cells(p) for p in persons]
    twin = person_cells(persons[3])
    number = str(twin["basic.certificate_number"])
    twin["basic.certificate_number"] = number.translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    cells.append(twin)  # row 18 repeats row 5 in full-width digits

    batch = upload(cili_clerk, round, _file(tmp_path, cells))
    batch.refresh_from_db()

    assert (batch.to_create, batch.rows_bad) == (16, 1)
    [(line, column, message)] = problems(batch)
    assert (line, column) == (18, "R2 残疾人证号")
    assert message.startswith("与第5行重复")


def test_unknown_holders_codes_skip_logic_and_missing_answers_are_each_reported(
    cili_clerk: User, round: Round, holders: list[Person], tmp_path: Path
) -> None:
    unknown = person_cells(holders[0])
    unknown["basic.certificate_number"] = make_id(777) + "43"
    bad_code = person_cells(holders[1], employment__form=99)
    not_applicable = person_cells(
        holders[2], employment__is_employed=2, employment__form=6
    )

    batch = upload(
        cili_clerk, round, _file(tmp_path, [unknown, bad_code, not_applicable])
    )
    batch.refresh_from_db()
    found = problems(batch)

    assert batch.rows_bad == 3
    assert any(line == 2 and "持证残疾人库中没有" in m for line, _c, m in found)
    assert (3, "R17 残疾人就业形式", "不是本项代码表中的代码，可填：") in [
        (line, c, m[:15]) for line, c, m in found
    ]
    assert any(
        line == 4 and c == "R17 残疾人就业形式" and "跳转规则" in m
        for line, c, m in found
    )
    # R16=2 makes R18 and R19 apply: required and missing.
    assert any(line == 4 and c.startswith("R18") for line, c, _m in found)


def test_missing_bookkeeping_is_reported_with_the_other_problems(
    cili_clerk: User, round: Round, holders: list[Person], tmp_path: Path
) -> None:
    cells = person_cells(holders[0], footer__collector=None, basic__marital_status=9)

    batch = upload(cili_clerk, round, _file(tmp_path, [cells]))
    columns = {column for _line, column, _m in problems(batch)}

    assert {"F4 信息采集员", "R4 婚姻状况"} <= columns


def test_rows_outside_the_users_scope_are_refused(
    round: Round, world: World, holders: list[Person], tmp_path: Path
) -> None:
    sangzhi_clerk = world.person("sangzhi_clerk", world.sangzhi, Role.ENTRY_CLERK)

    batch = upload(sangzhi_clerk, round, _file(tmp_path, [person_cells(holders[0])]))
    batch.refresh_from_db()

    assert (batch.rows_bad, batch.to_create) == (1, 0)
    assert "不在您的管辖范围内" in problems(batch)[0][2]


def test_rows_of_a_locked_region_are_refused_at_check_and_at_commit(
    cili_clerk: User, round: Round, world: World, holders: list[Person], tmp_path: Path
) -> None:
    path = _file(tmp_path, [person_cells(p) for p in holders])
    batch = upload(cili_clerk, round, path)
    batch.refresh_from_db()
    assert batch.to_create == 3
    # The city approves the county between the check and the commit.
    RegionLock.objects.create(round=round, region_code=world.cili.code, reason="已上报")

    batch = commit(cili_clerk, batch)

    assert not PersonRecord.objects.exists()
    assert (batch.to_create, batch.rows_bad) == (0, 3)
    assert all("已锁定" in message for _l, _c, message in problems(batch))

    again = upload(cili_clerk, round, path)
    again.refresh_from_db()
    assert (again.to_create, again.rows_bad) == (0, 3)


def test_holding_the_file_writes_nothing_and_keeps_the_report(
    cili_clerk: User, round: Round, holders: list[Person], tmp_path: Path
) -> None:
    from dtgx.imports import services

    cells = [person_cells(p) for p in holders]
    cells[1]["basic.marital_status"] = 9
    batch = upload(cili_clerk, round, _file(tmp_path, cells))

    services.decide_import(cili_clerk, batch, commit=False)

    assert batch.status == "held"
    assert not PersonRecord.objects.exists()
    assert not Path(batch.stored_path or "/nonexistent").exists()
    rows = list(report_rows(batch))
    assert [row[0] for row in rows] == [3]
    assert "R4 婚姻状况“9”" in str(rows[0][-1])


def test_committing_the_valid_rows_leaves_the_bad_ones_in_the_report(
    cili_clerk: User, round: Round, holders: list[Person], tmp_path: Path
) -> None:
    cells = [person_cells(p) for p in holders]
    cells[2]["economy.rural_housing"] = "三"
    batch = upload(cili_clerk, round, _file(tmp_path, cells))

    batch = commit(cili_clerk, batch)

    assert (batch.to_create, batch.rows_bad) == (2, 1)
    assert PersonRecord.objects.count() == 2
    columns = report_columns(batch)
    assert next(c.header for c in columns) == "行号"
    assert columns[-1].header == "错误说明"
    [row] = list(report_rows(batch))
    assert row[0] == 4
    assert "R11 农村家庭住房情况“三”" in str(row[-1])
    certificate = header().index("R2 残疾人证号") + 1
    assert columns[certificate].kind.name == "IDENTIFIER"
    assert row[certificate] == holders[2].certificate_number


def test_a_decision_is_taken_once(
    cili_clerk: User, round: Round, holders: list[Person], tmp_path: Path
) -> None:
    from django.core.exceptions import ValidationError

    from dtgx.imports import services

    batch = upload(cili_clerk, round, _file(tmp_path, [person_cells(holders[0])]))
    commit(cili_clerk, batch)

    with pytest.raises(ValidationError, match="已导入"):
        services.decide_import(cili_clerk, batch, commit=False)


def test_large_files_go_in_chunks_with_progress(
    cili_clerk: User,
    round: Round,
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FC-34: rows are streamed and handled chunk by chunk, one transaction
    each, with progress reported after every chunk."""
    monkeypatch.setattr(import_rows, "CHUNK_ROWS", 4)
    seen: list[int] = []
    real = import_rows.run_pass

    def spy(*args: object, **kwargs: object) -> import_rows.Tally:
        progress = kwargs["progress"]

        def record(tally: import_rows.Tally) -> None:
            seen.append(tally.rows_total)
            progress(tally)  # type: ignore[operator]

        kwargs["progress"] = record
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("dtgx.imports.services.run_pass", spy)
    persons = [store_person(world.village, n) for n in range(1, 11)]
    data = csv_bytes([row_values(person_cells(p)) for p in persons], head=header())

    batch = commit(cili_clerk, upload(cili_clerk, round, data, name="big.csv"))

    assert batch.to_create == 10
    assert seen == [4, 8, 10, 4, 8, 10]  # check, then commit


def test_a_community_file_imports_through_the_community_services(
    cili_clerk: User, round: Round, world: World, tmp_path: Path
) -> None:
    path = filled_template(
        tmp_path / "c.xlsx", [village_cells(world.village.code)], kind="community"
    )

    batch = upload(cili_clerk, round, path, kind=ImportKind.COMMUNITY)
    batch = commit(cili_clerk, batch)

    assert batch.to_create == 1
    assert CommunityRecord.objects.get().region_code == world.village.code


def test_the_template_has_drop_downs_text_columns_and_notes(tmp_path: Path) -> None:
    path = filled_template(tmp_path / "t.xlsx", [])
    book = load_workbook(path)
    sheet = book.worksheets[0]
    heads = [cell.value for cell in sheet[1]]

    assert heads[heads.index("R17 残疾人就业形式")] == "R17 残疾人就业形式"
    r2 = heads.index("R2 残疾人证号") + 1
    from openpyxl.utils import get_column_letter

    assert sheet.column_dimensions[get_column_letter(r2)].number_format == "@"
    validations = sheet.data_validations.dataValidation
    r17 = get_column_letter(heads.index("R17 残疾人就业形式") + 1)
    assert any(str(v.sqref).startswith(f"{r17}2") for v in validations)
    codes = book["代码表"]
    assert "1 入户调查" in [c.value for c in codes["A"]]
    r20 = sheet.cell(
        row=1, column=heads.index("R20 动态更新年度内得到的就业扶贫帮扶") + 1
    )
    assert "英文逗号分隔" in r20.comment.text
    assert "填写说明" in book.sheetnames
