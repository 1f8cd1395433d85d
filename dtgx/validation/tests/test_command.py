"""``manage.py audit``: the bulk audit of a region from the command line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dtgx.accounts.models import User
from dtgx.survey.models import PersonRecord
from dtgx.validation.models import AuditRun


def _audit(*args: str) -> str:
    out = StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


def test_it_audits_a_county_and_prints_the_counts(
    cili_auditor: User, record: PersonRecord
) -> None:
    printed = _audit(
        "--year", "2025", "--region", "430821", "--username", "cili_auditor"
    )

    run = AuditRun.objects.get()
    assert run.region_code == "430821000000"
    assert run.started_by == cili_auditor
    assert "慈利县 2025年度批量审核完成：审核登记表1份" in printed
    assert "新发现0条，已更正0条，重新打开0条，用时" in printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--year", "2031", "--region", "430821"), "没有2031年度的动态更新"),
        (("--year", "2025", "--region", "439999"), "找不到区划代码439999"),
        (("--year", "2025", "--region", "43x821"), "应为12位数字，或2、4、6、9位"),
        (("--year", "2025", "--region", "43082"), "应为12位数字，或2、4、6、9位"),
    ],
)
def test_it_names_an_unknown_year_or_region(
    cili_auditor: User, record: PersonRecord, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        _audit(*args, "--username", "cili_auditor")
    assert not AuditRun.objects.exists()


def test_it_refuses_an_unknown_user_and_one_without_the_role(
    cili_clerk: User, record: PersonRecord
) -> None:
    with pytest.raises(CommandError, match="找不到启用的账号“nobody”"):
        _audit("--year", "2025", "--region", "430821", "--username", "nobody")
    with pytest.raises(CommandError, match="只有审核员、动态更新办主任可以进行审核"):
        _audit("--year", "2025", "--region", "430821", "--username", "cili_clerk")
    assert not AuditRun.objects.exists()


def test_it_refuses_a_region_outside_the_auditors_scope(
    cili_auditor: User, record: PersonRecord
) -> None:
    with pytest.raises(CommandError, match="不在您的管辖范围内"):
        _audit("--year", "2025", "--region", "430822", "--username", "cili_auditor")
