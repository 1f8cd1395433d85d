"""15-digit legacy identity numbers (FC-03)."""

from __future__ import annotations

import pytest

from dtgx.identity import (
    IdCheck,
    IdKind,
    check_certificate_number,
    check_id_number,
    legacy_alias,
    upgrade_legacy,
)
from dtgx.identity.tests.helpers import REFERENCE_DATE, known

# Upgrades recomputed with helpers.spec_check_character. The field case's
# 110101650307123 → 110101196503071236 is right.
UPGRADES = [
    ("110101650307123", "110101196503071236"),
    ("320102880815347", "320102198808153472"),
    ("430802470101002", "430802194701010020"),
    ("370202991231999", "370202199912319996"),
    ("110101000101001", "110101190001010014"),  # born 1900-01-01
]


def check_legacy(raw: object) -> IdCheck:
    """Check as the field for an old 15-digit number does."""
    return check_id_number(
        raw,
        expect=IdKind.LEGACY15,
        reference_date=REFERENCE_DATE,
        known_address=known,
    )


@pytest.mark.parametrize(("legacy", "upgrade"), UPGRADES)
def test_it_never_accepts_a_legacy_number_but_offers_its_upgrade(
    legacy: str, upgrade: str
) -> None:
    result = check_legacy(legacy)

    assert not result.ok
    assert [p.code for p in result.errors] == ["legacy_15"]
    assert result.kind is IdKind.LEGACY15
    assert result.upgrade == upgrade
    assert upgrade in result.errors[0].message  # for the operator to confirm
    assert result.legacy_alias == legacy  # kept for matching old records


@pytest.mark.parametrize(("legacy", "upgrade"), UPGRADES)
def test_it_upgrades_to_a_valid_number_with_the_same_alias(
    legacy: str, upgrade: str
) -> None:
    assert upgrade_legacy(legacy) == upgrade

    upgraded = check_id_number(
        upgrade, reference_date=REFERENCE_DATE, known_address=known
    )
    assert upgraded.ok
    assert upgraded.legacy_alias == legacy
    assert legacy_alias(upgrade) == legacy


def test_it_normalises_a_legacy_number_before_upgrading_it() -> None:
    assert (
        upgrade_legacy(" １１０１０１６５０３０７１２３\u200b") == "110101196503071236"
    )


@pytest.mark.parametrize(
    "legacy",
    [
        "110101650230123",  # 1965-02-30, the field case
        "110101651301123",  # month 13
        "110101650000123",  # month and day 0
        "110101670229123",  # 1967 was a common year
    ],
)
def test_it_rejects_a_legacy_number_with_an_impossible_date(legacy: str) -> None:
    result = check_legacy(legacy)

    assert [p.code for p in result.errors] == ["date"]
    assert result.errors[0].message.startswith("出生日期无效")
    assert result.upgrade is None
    assert upgrade_legacy(legacy) is None


def test_it_reads_29_february_of_a_leap_year_in_a_legacy_number() -> None:
    result = check_legacy("110101680229123")

    assert result.upgrade == upgrade_legacy("110101680229123")
    assert result.upgrade is not None


def test_it_warns_about_a_legacy_address_code_it_does_not_know() -> None:
    result = check_legacy("412723850416231")

    assert [p.code for p in result.errors] == ["legacy_15"]
    assert [p.code for p in result.warnings] == ["address_unknown"]


@pytest.mark.parametrize(
    ("raw", "codes"),
    [
        ("11010165030712X", ["charset"]),  # legacy numbers have no X
        ("11010165030712", ["length"]),
        ("110101196503071236", ["length"]),  # an 18-digit number
        ("", ["empty"]),
        (110101650307123, ["excel_number"]),
        ("1.10101650307123E+14", ["excel_number"]),
    ],
)
def test_it_rejects_malformed_input_in_the_legacy_field(
    raw: object, codes: list[str]
) -> None:
    result = check_legacy(raw)

    assert [p.code for p in result.errors] == codes
    assert result.upgrade is None


@pytest.mark.parametrize(
    "raw",
    [
        "110101199003071",  # the first 15 characters of 110101199003071233
        "110101200301011",  # …of a 2003 birth, which also reads as a legacy date
        "110101650307123",  # a real legacy number in the 18-character field
    ],
)
def test_it_treats_fifteen_digits_in_the_18_digit_field_as_a_length_error(
    raw: str,
) -> None:
    result = check_id_number(raw, reference_date=REFERENCE_DATE, known_address=known)

    assert [p.code for p in result.errors] == ["length"]
    assert "18 位" in result.errors[0].message
    assert result.upgrade is None
    assert result.legacy_alias is None


@pytest.mark.parametrize(
    "raw", ["110101650230123", "11010165030712", "11010165030712X", None, "abc"]
)
def test_it_offers_no_upgrade_for_anything_but_a_real_legacy_number(
    raw: object,
) -> None:
    assert upgrade_legacy(raw) is None


def test_it_matches_a_holder_recorded_under_the_legacy_number() -> None:
    result = check_certificate_number(
        "11010119650307123642",
        id_number="110101650307123",
        reference_date=REFERENCE_DATE,
        known_address=known,
    )

    assert result.ok
