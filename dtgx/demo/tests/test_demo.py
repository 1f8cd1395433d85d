"""The demo command builds the county and one account per role and level,
and runs the county's whole annual update up to the city's submission."""

from __future__ import annotations

import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dtgx.accounts.models import User
from dtgx.accounts.roles import ROLE_LEVELS
from dtgx.regions.codes import Level
from dtgx.regions.models import Region
from dtgx.registry.models import BaseListEntry, Person
from dtgx.survey.models import Round, RoundStatus


@pytest.fixture(autouse=True)
def output(tmp_path: Path) -> Path:
    return tmp_path / "output"


def _demo(*args: str, output: Path | None = None) -> str:
    out = StringIO()
    folder = output or Path(tempfile.mkdtemp())
    call_command(
        "demo",
        "--persons",
        "60",
        "--workers",
        "1",
        "--output",
        str(folder),
        *args,
        stdout=out,
    )
    return out.getvalue()


def test_it_builds_the_default_county_with_accounts(db: None) -> None:
    printed = _demo()

    cili = Region.objects.get(code="430821000000")
    assert cili.name == "慈利县"
    assert Region.objects.within(cili).filter(level=Level.TOWNSHIP).count() == 25
    assert Region.objects.within(cili).filter(level=Level.VILLAGE).count() > 300
    expected = sum(len(levels) for levels in ROLE_LEVELS.values())
    assert User.objects.count() == expected
    assert "county_clerk" in printed
    assert "Demo-Pass-2026" in printed
    assert Round.objects.get(year=2025).status == RoundStatus.OPEN
    assert Person.objects.within(cili.code).count() == 60
    assert BaseListEntry.objects.filter(base_list__region=cili).count() == 60


def test_it_changes_nothing_when_run_twice(db: None) -> None:
    _demo()
    regions, users = Region.objects.count(), User.objects.count()

    printed = _demo()

    assert (Region.objects.count(), User.objects.count()) == (regions, users)
    assert "[new]" not in printed


def test_it_keeps_accounts_where_they_were_made(db: None) -> None:
    _demo()

    printed = _demo("--county", "430822")

    clerk = User.objects.get(username="county_clerk")
    assert clerk.region is not None
    assert clerk.region.code == "430821000000"
    assert "慈利县 (430821000000) [kept]" in printed


@pytest.mark.parametrize("code", ["4308221", "abcdef", "110000"])
def test_it_refuses_a_code_that_is_not_a_county(db: None, code: str) -> None:
    with pytest.raises(CommandError):
        _demo("--county", code)


def test_it_runs_the_annual_update_to_the_city_submission(
    db: None, output: Path
) -> None:
    from openpyxl import load_workbook

    from dtgx.imports.models import ImportBatch, ImportStatus
    from dtgx.reporting.models import Submission, SubmissionStatus
    from dtgx.survey.models import CommunityRecord, PersonRecord
    from dtgx.validation.models import Finding

    printed = _demo("--persons", "300", output=output)

    round = Round.objects.get(year=2025)
    cili = Submission.objects.get(round=round, region_code="430821000000")
    city = Submission.objects.get(round=round, region_code="430800000000")
    assert (cili.status, cili.cycle) == (SubmissionStatus.ACCEPTED, 2)
    assert city.status == SubmissionStatus.SUBMITTED
    actions = list(cili.events.values_list("action", flat=True))
    assert actions.count("return") == 1
    assert actions[-1] == "accept"
    assert PersonRecord.objects.filter(round=round, status="saved").count() == 300
    villages = Region.objects.within("430821000000").filter(level=Level.VILLAGE)
    assert CommunityRecord.objects.filter(round=round).count() == villages.count()
    assert not Finding.objects.filter(status="open").exists()
    assert Finding.objects.filter(status="resolved").exists()
    assert Finding.objects.filter(status="verified").exists()
    assert "更新率 100.0%" in printed
    # The demo township's forms came in as an Excel file, through the import.
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.COMMITTED
    assert batch.to_create == batch.rows_total - batch.rows_bad > 0
    imported = PersonRecord.objects.filter(
        round=round, region_code__startswith="430821001"
    )
    assert imported.count() == batch.to_create
    files = sorted(path.name for path in output.iterdir())
    assert files == [
        "抽查样本-430821-第1次.xlsx",
        "抽查样本-430821-第2次.xlsx",
        "数据校验报告-430821-2025.xlsx",
        "汇总表-430821-2025.xlsx",
        "石家岗街道残疾人登记表-2025.xlsx",
    ]
    summary = load_workbook(output / "汇总表-430821-2025.xlsx", read_only=True)
    assert len(summary.sheetnames) == 18


def test_it_can_stop_with_the_county_open_for_entry(db: None) -> None:
    from dtgx.survey.models import PersonRecord

    printed = _demo("--stop-after-load")

    assert "Stopped after loading the base list" in printed
    assert Round.objects.get(year=2025).status == RoundStatus.OPEN
    assert BaseListEntry.objects.count() == 60
    assert not PersonRecord.objects.exists()
