"""Fixtures for the validation tests."""

from __future__ import annotations

import pytest
from django.db import connection

from dtgx.validation.rules import load_rule_set
from dtgx.validation.tests.harness import Audit


@pytest.fixture
def postgresql_audit(request: pytest.FixtureRequest) -> Audit:
    """Audit tables in the PostgreSQL test database, created inside the
    test's transaction (so they vanish with it); skips on SQLite."""
    if connection.vendor != "postgresql":
        pytest.skip("the test database is not PostgreSQL (set DATABASE_URL)")
    request.getfixturevalue("db")
    audit = Audit(connection, load_rule_set())
    audit.create()
    return audit


# The survey's personas and records, for the findings tests.
from dtgx.survey.tests.conftest import (  # noqa: E402, F401
    cili_auditor,
    cili_clerk,
    farmer,
    national_director,
    record,
    round,
    sangzhi_clerk,
)
