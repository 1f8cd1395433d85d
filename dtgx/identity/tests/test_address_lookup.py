"""The default address-code lookup (FC-06)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from datetime import date

import pytest

from dtgx.identity import check_id_number
from dtgx.identity.address import _default_lookup
from dtgx.identity.tests.helpers import REFERENCE_DATE, make_id


@pytest.fixture
def fresh_default() -> Iterator[None]:
    """Forget the resolved default lookup before and after the test."""
    _default_lookup.cache_clear()
    yield
    _default_lookup.cache_clear()


def test_it_checks_through_the_project_code_list_by_default(
    fresh_default: None,
) -> None:
    try:
        importlib.import_module("dtgx.regions.address_codes")
    except ImportError as error:
        pytest.skip(f"dtgx.regions.address_codes is not available yet: {error}")

    current = check_id_number("110101199003071233", reference_date=REFERENCE_DATE)
    unknown = check_id_number(
        make_id("999999", date(1990, 3, 7), 123), reference_date=REFERENCE_DATE
    )

    assert current.ok
    assert current.warnings == ()
    assert unknown.ok
    assert [p.code for p in unknown.warnings] == ["address_unknown"]


def test_it_falls_back_to_the_province_prefix_without_the_code_list(
    fresh_default: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # None in sys.modules makes the import fail as a missing module would.
    monkeypatch.setitem(sys.modules, "dtgx.regions.address_codes", None)

    mainland = check_id_number("412723198504162319", reference_date=REFERENCE_DATE)
    abroad = check_id_number(
        make_id("810000", date(1990, 3, 7), 123), reference_date=REFERENCE_DATE
    )

    assert mainland.ok
    assert mainland.warnings == ()
    assert abroad.ok
    assert [p.code for p in abroad.warnings] == ["address_unknown"]
