"""Base-list loads that must be refused rather than do harm: another
county's person taken over, a death undone, a damaged or empty file, a
shortened reload, names made of invisible characters, a database conflict
between two loads."""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections

from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.regions.models import Region
from dtgx.registry import loader
from dtgx.registry.checks import LoadReport
from dtgx.registry.models import BaseList, BaseListEntry, Person, Status
from dtgx.registry.services import load_base_list, set_status
from dtgx.registry.sources import BaseListError
from dtgx.registry.tests.helpers import (
    CILI_VILLAGE,
    REFERENCE_DATE,
    YEAR,
    holder_rows,
    make_certificate,
    store_person,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

UNREADABLE = "请用Excel重新另存为XLSX或UTF-8编码的CSV后再上传"


def load(actor: User, path: Path, region: Region, **kwargs: bool) -> LoadReport:
    return load_base_list(
        actor,
        path,
        region=region,
        year=YEAR,
        reference_date=REFERENCE_DATE,
        **kwargs,
    )


def command(path: Path, region: Region, *options: str) -> None:
    call_command(
        "load_base_list",
        str(path),
        "--region",
        region.code,
        "--year",
        str(YEAR),
        "--reference-date",
        REFERENCE_DATE.isoformat(),
        "--user",
        "cili_clerk",
        *options,
    )


# --- scope and state -----------------------------------------------------


def test_it_refuses_a_row_naming_a_person_of_another_county(
    tmp_path: Path, world: World, cili_clerk: User, sangzhi_village: Region
) -> None:
    person = store_person(sangzhi_village, 7, name="桑植人")
    rows = [
        *holder_rows(1),
        (person.certificate_number, "改了名", CILI_VILLAGE, "死亡"),
    ]

    report = load(cili_clerk, write_csv(tmp_path / "a.csv", rows), world.cili)

    assert not report.ok
    [problem] = report.errors
    assert problem.line == 3
    assert "登记在其他地区" in problem.message
    assert "管辖范围同时包括两地" in problem.message
    person.refresh_from_db()
    assert (person.name, person.status, person.region_code) == (
        "桑植人",
        Status.NORMAL,
        sangzhi_village.code,
    )
    assert not BaseList.objects.exists()


def test_it_lets_a_user_whose_scope_covers_both_counties_move_a_person(
    tmp_path: Path, world: World, sangzhi_village: Region
) -> None:
    director = world.person("zjj_director", world.zhangjiajie, Role.OFFICE_DIRECTOR)
    person = store_person(sangzhi_village, 7, name="桑植人")
    rows = [(person.certificate_number, "桑植人", CILI_VILLAGE, "正常")]

    report = load(director, write_csv(tmp_path / "a.csv", rows), world.cili)

    assert report.ok, report.errors
    person.refresh_from_db()
    assert person.region_code == CILI_VILLAGE


def test_it_refuses_a_reload_that_would_undo_a_recorded_death(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    person = store_person(world.village, 8)
    set_status(cili_clerk, person, Status.DECEASED, on=date(2025, 3, 1), reason="死亡")
    rows = [(person.certificate_number, person.name, CILI_VILLAGE, "正常")]

    report = load(cili_clerk, write_csv(tmp_path / "a.csv", rows), world.cili)

    assert not report.ok
    assert "不能撤销死亡登记" in report.errors[0].message
    assert "详情页更正状态并填写原因" in report.errors[0].message
    person.refresh_from_db()
    assert person.status == Status.DECEASED


def test_it_keeps_a_death_recorded_after_the_reference_date(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    person = store_person(world.village, 8)
    Person.objects.filter(pk=person.pk).update(
        status=Status.DECEASED, status_date=date(2025, 8, 1)
    )
    rows = [(person.certificate_number, person.name, CILI_VILLAGE, "正常")]

    report = load(cili_clerk, write_csv(tmp_path / "a.csv", rows), world.cili)

    assert report.ok, report.errors
    person.refresh_from_db()
    assert person.status == Status.DECEASED


# --- damaged and empty files ---------------------------------------------


def test_it_refuses_a_csv_with_an_unclosed_quote_as_unreadable(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    path = write_csv(tmp_path / "a.csv", holder_rows(1))
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f'{make_certificate(2)},"王\n' + "x" * 200_000 + "\n")

    with pytest.raises(BaseListError, match=UNREADABLE):
        load(cili_clerk, path, world.cili)
    with pytest.raises(CommandError, match=UNREADABLE):
        command(path, world.cili)
    assert not Person.objects.exists()


def truncated_sheet(good: Path) -> Path:
    out = good.with_name("corrupt.xlsx")
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    return out


def test_it_refuses_an_xlsx_with_a_truncated_sheet_as_unreadable(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    path = truncated_sheet(write_xlsx(tmp_path / "good.xlsx", holder_rows(50)))

    with pytest.raises(BaseListError, match=UNREADABLE):
        load(cili_clerk, path, world.cili)
    assert not Person.objects.exists()


def test_it_refuses_a_file_without_data_rows(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    load(cili_clerk, write_csv(tmp_path / "a.csv", holder_rows(3)), world.cili)
    empty = write_csv(tmp_path / "b.csv", [])

    with pytest.raises(BaseListError, match="文件中没有数据行"):
        load(cili_clerk, empty, world.cili, allow_removals=True)
    with pytest.raises(CommandError, match="文件中没有数据行"):
        command(empty, world.cili, "--allow-removals")
    assert BaseListEntry.objects.count() == 3


# --- removals ------------------------------------------------------------


def test_it_removes_entries_on_a_reload_only_when_allowed(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    load(cili_clerk, write_csv(tmp_path / "a.csv", holder_rows(3)), world.cili)
    shorter = write_csv(tmp_path / "b.csv", holder_rows(1))

    preview = load(cili_clerk, shorter, world.cili, dry_run=True)
    assert preview.ok
    assert preview.entries_removed == 2
    with pytest.raises(BaseListError, match="将从已载入的底册中移除2条条目"):
        load(cili_clerk, shorter, world.cili)
    with pytest.raises(CommandError, match="--allow-removals"):
        command(shorter, world.cili)
    assert BaseListEntry.objects.count() == 3

    report = load(cili_clerk, shorter, world.cili, allow_removals=True)

    assert report.ok
    assert report.entries_removed == 2
    assert BaseListEntry.objects.count() == 1


def test_it_loads_with_removals_from_the_command_when_asked(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    load(cili_clerk, write_csv(tmp_path / "a.csv", holder_rows(3)), world.cili)

    command(
        write_csv(tmp_path / "b.csv", holder_rows(2)), world.cili, "--allow-removals"
    )

    assert BaseListEntry.objects.count() == 2


# --- names ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["\u200b", "\u2060\ufeff", "\u200b \u202e", "\x00"])
def test_it_refuses_a_name_of_invisible_characters_only(
    tmp_path: Path, world: World, cili_clerk: User, name: str
) -> None:
    rows = [(make_certificate(1), name, CILI_VILLAGE, "正常")]

    report = load(cili_clerk, write_csv(tmp_path / "a.csv", rows), world.cili)

    assert not report.ok
    assert "看不见的字符" in report.errors[0].message
    assert not Person.objects.exists()


def test_it_removes_control_and_format_characters_from_names(
    tmp_path: Path, world: World, cili_clerk: User
) -> None:
    rows = [
        (make_certificate(1), "\u202e张三", CILI_VILLAGE, "正常"),
        (make_certificate(2), "李\x0b四\x16", CILI_VILLAGE, "正常"),
        (make_certificate(3), "王\x00五", CILI_VILLAGE, "正常"),
    ]

    report = load(cili_clerk, write_csv(tmp_path / "a.csv", rows), world.cili)

    assert report.ok, report.errors
    names = sorted(Person.objects.values_list("name", flat=True))
    assert names == sorted(["张三", "李 四", "王五"])
    assert {item.line for item in report.cleaned} == {2, 3, 4}


# --- two loads at once ---------------------------------------------------


def test_it_turns_a_database_conflict_into_a_refusal(
    tmp_path: Path,
    world: World,
    cili_clerk: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def conflicting(*args: object, **kwargs: object) -> BaseList:
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(loader, "apply_plan", conflicting)

    with pytest.raises(BaseListError, match="另一位用户正在或刚刚载入"):
        load(cili_clerk, write_csv(tmp_path / "a.csv", holder_rows(2)), world.cili)


def run_together(*funcs: Callable[[], object]) -> list[object]:
    barrier = threading.Barrier(len(funcs))
    results: list[object] = [None] * len(funcs)

    def run(index: int, func: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = func()
        except Exception as error:
            results[index] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(index, func))
        for index, func in enumerate(funcs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("city_list", [False, True])
def test_it_serialises_simultaneous_loads_of_one_year(
    tmp_path: Path, world: World, city_list: bool
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    clerk = world.person("cili_clerk", world.cili, Role.ENTRY_CLERK)
    other = world.person("zjj_director", world.zhangjiajie, Role.OFFICE_DIRECTOR)
    second = world.zhangjiajie if city_list else world.cili
    a = write_csv(tmp_path / "a.csv", holder_rows(1500))
    b = write_csv(tmp_path / "b.csv", holder_rows(1500, start=2000))

    results = run_together(
        lambda: load(clerk, a, world.cili),
        lambda: load(other, b, second),
    )

    errors = [result for result in results if isinstance(result, Exception)]
    assert all(isinstance(error, BaseListError) for error in errors), errors
    assert BaseList.objects.filter(year=YEAR).count() == 1


def test_it_refuses_a_load_into_a_region_whose_round_is_locked(
    world: World, cili_clerk: User, tmp_path: Path
) -> None:
    from dtgx.survey.models import RegionLock
    from dtgx.survey.tests.helpers import make_round

    round = make_round(YEAR)
    RegionLock.objects.create(round=round, region_code=world.cili.code, reason="已上报")
    path = write_csv(tmp_path / "list.csv", holder_rows(2))

    with pytest.raises(BaseListError, match="数据已锁定"):
        load(cili_clerk, path, world.cili, dry_run=True)
    assert not Person.objects.exists()
