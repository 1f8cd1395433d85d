"""The real national table down to townships (../shared/data/divisions)."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.db.models import Count

from dtgx.regions.codes import Level, parent_code
from dtgx.regions.importer import import_source
from dtgx.regions.models import DivisionTable, Region
from dtgx.regions.sources import read_division_dir
from dtgx.regions.tests.helpers import REAL_DIVISIONS


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.skipif(not REAL_DIVISIONS.is_dir(), reason="no ../shared/data/divisions")
def test_it_imports_every_township_of_the_real_table_once() -> None:
    source = read_division_dir(REAL_DIVISIONS)
    kind = DivisionTable.Kind.FOUR_FILES
    started = time.perf_counter()

    report = import_source(source, kind=kind, year=2022)

    seconds = time.perf_counter() - started
    assert report.ok, report.errors[:5]
    assert Counter(row.file for row in source.rows) == {
        "provinces.csv": 31,
        "cities.csv": 342,
        "areas.csv": 2978,
        "streets.csv": 41352,
    }
    # Four rows repeat a unit one level up under the same code and name:
    # 东莞市, 中山市, 儋州市 (cities without counties) in areas.csv and
    # 金门县 (no townships) in streets.csv. Each is one region.
    assert report.merged == 4
    levels = Region.objects.values_list("level").annotate(n=Count("code"))
    assert dict(levels.order_by()) == {
        Level.NATION: 1,
        Level.PROVINCE: 31,
        Level.PREFECTURE: 342,
        Level.COUNTY: 2978 - 3,
        Level.TOWNSHIP: 41352 - 1,
    }
    pairs = list(Region.objects.values_list("code", "parent_id"))
    codes = {code for code, _parent in pairs}
    assert all(parent == parent_code(code) for code, parent in pairs)
    assert all(parent in codes for _code, parent in pairs if parent is not None)
    assert seconds < 30, seconds

    again = import_source(source, kind=kind, year=2022, withdraw_missing=True)

    assert (again.created, again.renamed, again.withdrawn) == (0, 0, 0)
    assert again.unchanged == report.created
    assert again.table == report.table
