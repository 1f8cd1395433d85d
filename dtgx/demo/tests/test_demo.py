"""The demo command builds the county and one account per role and level."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dtgx.accounts.models import User
from dtgx.accounts.roles import ROLE_LEVELS
from dtgx.regions.codes import Level
from dtgx.regions.models import Region
from dtgx.registry.models import BaseListEntry, Person
from dtgx.survey.models import Round, RoundStatus


def _demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", "--persons", "60", *args, stdout=out)
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
