"""Shared test data: a fixed reference date, a fake address-code list and a
builder of valid numbers that computes the check character from the
standard's own formula, independently of the code under test."""

from __future__ import annotations

from datetime import date

# 6-30 is the base-list date of a round (底册时点).
REFERENCE_DATE = date(2026, 6, 30)

# The fake code list: current codes only. 412723 and 342401 are real codes
# that were later withdrawn (FC-06), so they are deliberately absent.
KNOWN_CODES = frozenset({"110101", "110102", "320102", "370202", "430802"})


def known(code: str) -> bool:
    return code in KNOWN_CODES


def everything_known(code: str) -> bool:
    return True


def spec_check_character(first17: str) -> str:
    """GB 11643 / ISO 7064 MOD 11-2 as the standard states it: the check
    value c makes Σ aᵢ·2^(18-i) (i = 1..18, the check worth 2^0) ≡ 1 mod 11,
    and c = 10 is written X."""
    total = sum(int(digit) * 2 ** (17 - i) for i, digit in enumerate(first17))
    value = next(c for c in range(11) if (total + c) % 11 == 1)
    return "X" if value == 10 else str(value)


def make_id(address: str, birth: date, sequence: int) -> str:
    first17 = f"{address}{birth:%Y%m%d}{sequence:03d}"
    return first17 + spec_check_character(first17)


def with_date_digits(address: str, yyyymmdd: str, sequence: int) -> str:
    """A number with any 8 date digits (even impossible ones) and a correct
    check character, to test dates separately from the checksum."""
    first17 = f"{address}{yyyymmdd}{sequence:03d}"
    return first17 + spec_check_character(first17)
