"""Subtree filters: the same rows as a prefix test, from an index."""

from __future__ import annotations

import pytest
from django.db import connection

from dtgx.conftest import World
from dtgx.regions.models import Region
from dtgx.regions.subtree import in_subtree, subtree_sql

PREFIXES = ["", "4", "43", "4308", "430821", "430821100", "430822100201", "439", "9"]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_the_same_regions_as_a_prefix_test(world: World, prefix: str) -> None:
    expected = {r.code for r in Region.objects.all() if r.code.startswith(prefix)}
    found = set(
        Region.objects.filter(in_subtree(prefix, "code")).values_list("code", flat=True)
    )
    assert found == expected

    condition, params = subtree_sql('"code"', prefix)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "code" FROM regions_region WHERE {condition}', params)  # noqa: S608
        assert {row[0] for row in cursor.fetchall()} == expected


def test_only_digits_go_into_a_filter() -> None:
    with pytest.raises(ValueError, match="digits"):
        in_subtree("43%")
    with pytest.raises(ValueError, match="digits"):
        subtree_sql("code", "43' OR '1'='1")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner")
def test_sqlite_finds_a_villages_records_from_the_index(world: World) -> None:
    """A LIKE prefix read every record of the round on SQLite, which made
    each village's audit in an import slower than the one before."""
    from dtgx.survey.models import PersonRecord

    query = PersonRecord.objects.filter(in_subtree("430821100201"), round_id=1)
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[3]) for row in cursor.fetchall())
    assert "region_code>? AND region_code<?" in plan, plan
