"""Properties that hold for every input, checked with generated data."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from dtgx.identity import (
    IdKind,
    age_on,
    check_certificate_number,
    check_id_number,
    legacy_alias,
    mask_id_number,
    normalize_identifier,
    normalize_name,
    upgrade_legacy,
)
from dtgx.identity.tests.helpers import REFERENCE_DATE, everything_known, make_id

DIGITS = "0123456789"

addresses = st.text(alphabet=DIGITS, min_size=6, max_size=6)
births = st.dates(min_value=date(1900, 1, 1), max_value=REFERENCE_DATE)
sequences = st.integers(min_value=0, max_value=999)
valid_ids = st.builds(make_id, addresses, births, sequences)
anything = st.one_of(
    st.none(),
    st.text(),
    st.binary(),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.booleans(),
    st.lists(st.text(max_size=3), max_size=3),
)


@given(valid_ids)
def test_it_accepts_every_generated_valid_number(number: str) -> None:
    result = check_id_number(
        number, reference_date=REFERENCE_DATE, known_address=everything_known
    )

    assert result.ok
    assert result.birth_date == date(
        int(number[6:10]), int(number[10:12]), int(number[12:14])
    )
    assert result.age == age_on(result.birth_date, REFERENCE_DATE)


@given(valid_ids, st.integers(min_value=0, max_value=17), st.data())
def test_it_detects_every_single_character_change(
    number: str, position: int, data: st.DataObject
) -> None:
    allowed = DIGITS + "X" if position == 17 else DIGITS
    wrong = data.draw(st.sampled_from(allowed.replace(number[position], "")))
    changed = number[:position] + wrong + number[position + 1 :]

    result = check_id_number(
        changed, reference_date=REFERENCE_DATE, known_address=everything_known
    )

    # MOD 11-2 catches it whatever the change does to the date. A failing
    # number that ends in 000 is reported as Excel damage, its usual cause.
    assert {p.code for p in result.errors} & {"checksum", "excel_number"}


@given(valid_ids, st.integers(min_value=0, max_value=16))
def test_it_detects_every_swap_of_two_adjacent_different_characters(
    number: str, position: int
) -> None:
    first, second = number[position], number[position + 1]
    swapped = number[:position] + second + first + number[position + 2 :]

    result = check_id_number(
        swapped, reference_date=REFERENCE_DATE, known_address=everything_known
    )

    assert result.ok == (first == second)


@given(valid_ids, st.data())
def test_it_reads_a_valid_number_the_same_however_it_was_typed(
    number: str, data: st.DataObject
) -> None:
    noise = st.sampled_from(["", " ", "\u00a0", "\u200b", "\u3000", "\t", "\ufeff"])
    typed = "".join(
        data.draw(noise)
        + (chr(ord(c) + 0xFEE0) if data.draw(st.booleans()) else c.lower())
        for c in number
    )

    result = check_id_number(
        typed, reference_date=REFERENCE_DATE, known_address=everything_known
    )

    assert result.ok
    assert result.value == number


@given(st.text())
def test_it_normalises_idempotently(text: str) -> None:
    once = normalize_identifier(text)

    assert normalize_identifier(once) == once
    assert once == once.strip()


@given(st.text())
def test_it_tidies_names_idempotently(text: str) -> None:
    once = normalize_name(text)

    assert normalize_name(once) == once


@given(anything)
def test_it_never_raises_on_arbitrary_input(raw: object) -> None:
    result = check_id_number(
        raw, reference_date=REFERENCE_DATE, known_address=everything_known
    )
    legacy = check_id_number(
        raw,
        expect=IdKind.LEGACY15,
        reference_date=REFERENCE_DATE,
        known_address=everything_known,
    )
    certificate = check_certificate_number(
        raw,
        id_number=raw,
        category=raw,
        grade=raw,
        reference_date=REFERENCE_DATE,
        known_address=everything_known,
    )

    for outcome in (result, legacy, certificate):
        assert outcome.ok == (not outcome.errors)
    upgrade_legacy(raw)
    legacy_alias(raw)
    mask_id_number(raw)


@given(st.text(alphabet=DIGITS + "Xx ", max_size=22))
def test_it_never_raises_on_almost_valid_text(text: str) -> None:
    result = check_id_number(text, known_address=everything_known)
    certificate = check_certificate_number(text, known_address=everything_known)

    assert result.value == text.replace(" ", "").upper()
    assert certificate.value == result.value


@given(valid_ids)
def test_it_upgrades_every_legacy_form_back_to_the_number(number: str) -> None:
    alias = legacy_alias(number)

    if number[6:8] == "19":
        assert alias is not None
        assert upgrade_legacy(alias) == number
    else:
        assert alias is None


@given(births, st.dates(max_value=date(2200, 12, 31)))
def test_it_adds_a_year_of_age_exactly_on_each_birthday(birth: date, on: date) -> None:
    if on < birth:
        return

    age = age_on(birth, on)

    assert _anniversary(birth, age) <= on < _anniversary(birth, age + 1)


def _anniversary(birth: date, years: int) -> date:
    """The day someone turns ``years`` old: 1 March for a 29 February
    birthday in a common year."""
    year = birth.year + years
    try:
        return birth.replace(year=year)
    except ValueError:
        return date(year, 3, 1)
