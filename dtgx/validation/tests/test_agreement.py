"""Per-record and bulk evaluation give identical findings (DESIGN.md §6).

Rows are generated column by column (see ``strategies``), with NULL in any
column, blank and white-space text, codes outside the code lists, and every
option column of a multi-select item TRUE, FALSE or NULL independently;
persons are joined to their village's community row and to last round's
row, or to none. The rows go into real tables; the bulk query runs on them,
and the per-record evaluator runs on each row as read back. The sets of
(record, rule) findings must be equal. Runs on in-memory SQLite, and on
PostgreSQL too when the test database is PostgreSQL (``DATABASE_URL``).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dtgx.validation.rules import load_rule_set
from dtgx.validation.sampling import Constants
from dtgx.validation.sql import Strategy
from dtgx.validation.tests.harness import COMMUNITY, PERSON, Audit, sqlite_audit
from dtgx.validation.tests.strategies import column_values, derived_values, row, rows

RULE_SET = load_rule_set()
_audit = sqlite_audit(RULE_SET)
CONSTANTS = Constants.of(
    [expr for rule in RULE_SET.rules for expr in rule.exprs],
    {**_audit.person.params, **RULE_SET.params},
)
REGIONS: list[object] = ["430821100201", "430821100202", "430821100201 ", None]

PERSON_COLUMNS = column_values(_audit.person, CONSTANTS)
PERSON_COLUMNS |= derived_values(RULE_SET, _audit.person, CONSTANTS)
PERSON_COLUMNS["header_region_code"] = REGIONS
COMMUNITY_COLUMNS = column_values(_audit.community, CONSTANTS)
COMMUNITY_COLUMNS |= derived_values(RULE_SET, _audit.community, CONSTANTS)
COMMUNITY_COLUMNS["header_region_code"] = REGIONS

people = rows(PERSON_COLUMNS, max_size=5)
villages = st.lists(
    row(COMMUNITY_COLUMNS),
    max_size=3,
    unique_by=lambda village: village["header_region_code"],
)
last_round = rows(column_values(_audit.person, CONSTANTS), min_size=0, max_size=4)
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def audit() -> Audit:
    return _audit


def _load(
    audit: Audit,
    persons: list[dict[str, object]],
    communities: list[dict[str, object]],
    last: list[dict[str, object]],
) -> None:
    audit.clear()
    audit.insert(audit.tables.person, _numbered(persons))
    audit.insert(audit.tables.community, _numbered(communities))
    previous = [row | {"person_id": n} for n, row in enumerate(last, start=1)]
    audit.insert(audit.tables.last, _numbered(previous))


def _numbered(records: list[dict[str, object]]) -> list[dict[str, object]]:
    return [row | {"id": n} for n, row in enumerate(records, start=1)]


@SETTINGS
@given(persons=people, communities=villages, last=last_round)
def test_it_finds_the_same_person_findings_per_record_and_in_bulk(
    audit: Audit,
    persons: list[dict[str, object]],
    communities: list[dict[str, object]],
    last: list[dict[str, object]],
) -> None:
    _load(audit, persons, communities, last)

    per_record = audit.per_record(PERSON)

    assert audit.bulk(PERSON) == per_record
    assert audit.bulk(PERSON, Strategy.UNION) == per_record


@SETTINGS
@given(communities=rows(COMMUNITY_COLUMNS, max_size=4))
def test_it_finds_the_same_community_findings_per_record_and_in_bulk(
    audit: Audit, communities: list[dict[str, object]]
) -> None:
    _load(audit, [], communities, [])

    assert audit.bulk(COMMUNITY) == audit.per_record(COMMUNITY)


# The fixture is created once per test, not per example, on purpose.
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(persons=people, communities=villages, last=last_round)
def test_it_agrees_on_postgresql_too(
    postgresql_audit: Audit,
    persons: list[dict[str, object]],
    communities: list[dict[str, object]],
    last: list[dict[str, object]],
) -> None:
    _load(postgresql_audit, persons, communities, last)

    assert postgresql_audit.bulk(PERSON) == postgresql_audit.per_record(PERSON)
    assert postgresql_audit.bulk(COMMUNITY) == postgresql_audit.per_record(COMMUNITY)
