"""18-character identity numbers: FC-01, FC-04, FC-06, FC-07, FC-08, FC-11."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from dtgx.identity import (
    IdCheck,
    IdKind,
    Sex,
    age_on,
    check_character,
    check_id_number,
    legacy_alias,
    mask_id_number,
)
from dtgx.identity.id_numbers import today_in_shanghai
from dtgx.identity.tests.helpers import (
    REFERENCE_DATE,
    known,
    make_id,
    with_date_digits,
)

# Every example below was recomputed with helpers.spec_check_character; all
# the identity numbers given in the field cases have correct check characters.
VALID = [
    "11010119850612104X",  # FC-01
    "320102198808153472",  # FC-09, FC-12
    "370202201205064189",  # FC-04, a child born 2012-05-06
    "110101200807113027",  # FC-07
    "110101199003071233",  # FC-08 with the letter O put right
]


def check(raw: object) -> IdCheck:
    """Check as a registration field does on the round's reference date."""
    return check_id_number(raw, reference_date=REFERENCE_DATE, known_address=known)


@pytest.mark.parametrize("number", VALID)
def test_it_accepts_valid_numbers_and_derives_their_facts(number: str) -> None:
    result = check(number)

    assert result.ok
    assert result.errors == result.warnings == ()
    assert result.kind is IdKind.ID18
    assert result.birth_date == date(
        int(number[6:10]), int(number[10:12]), int(number[12:14])
    )
    assert result.address_code == number[:6]
    assert result.sex == (Sex.MALE if int(number[16]) % 2 else Sex.FEMALE)


def test_it_derives_the_facts_of_one_example_exactly() -> None:
    result = check("370202201205064189")

    assert result.birth_date == date(2012, 5, 6)
    assert result.sex is Sex.FEMALE  # 17th digit 8
    assert result.address_code == "370202"
    assert result.age == 14
    assert result.legacy_alias is None  # born after 1999: never had 15 digits


# FC-01: the check character X, typed in either case.
@pytest.mark.parametrize(
    "number",
    ["11010119850612104X", "11010119900307002X", "32010220120506001X"],
)
def test_it_accepts_a_lowercase_x_as_the_same_number(number: str) -> None:
    typed = check(number.lower())
    imported = check(number)

    assert typed.ok
    assert imported.ok
    assert typed.value == imported.value == number  # one person, stored upper
    assert typed.normalised_from == number.lower()  # recorded in the audit trail
    assert imported.normalised_from is None


def test_it_gives_the_check_character_of_seventeen_digits() -> None:
    assert check_character("11010119850612104") == "X"
    assert check_character("32010219880815347") == "2"
    assert check_character("11010119650307123") == "6"


@pytest.mark.parametrize(
    "bad", ["", "1101011985061210", "1101011985061210X", "１" * 17]
)
def test_it_refuses_to_compute_a_check_character_of_anything_else(bad: str) -> None:
    with pytest.raises(ValueError, match="17 ASCII digits"):
        check_character(bad)


# FC-04: dates are read with the calendar, and a date error stands even when
# the check character is right.
@pytest.mark.parametrize(
    "yyyymmdd",
    [
        "19901301",  # month 13 (the field case: 110101199013011234)
        "20000230",  # 30 February
        "19900010",  # month 0
        "19900431",  # 31 April
        "20010229",  # 29 February in a common year
        "19000229",  # 1900 was not a leap year
        "19901000",  # day 0
        "00000101",  # year 0
    ],
)
def test_it_rejects_impossible_dates_even_with_a_correct_checksum(
    yyyymmdd: str,
) -> None:
    number = with_date_digits("110101", yyyymmdd, 123)

    result = check(number)

    assert not result.ok
    assert [p.code for p in result.errors] == ["date"]
    assert result.errors[0].message.startswith("出生日期无效")
    assert yyyymmdd in result.errors[0].message
    assert result.birth_date is None


def test_it_rejects_the_month_13_example_exactly() -> None:
    result = check("110101199013011234")

    assert [p.code for p in result.errors] == ["date"]


@pytest.mark.parametrize("birth", [date(1899, 12, 31), date(1850, 6, 1)])
def test_it_rejects_birth_years_before_1900(birth: date) -> None:
    result = check(make_id("110101", birth, 123))

    assert [p.code for p in result.errors] == ["date"]
    assert "1900" in result.errors[0].message


@pytest.mark.parametrize(
    "birth",
    [
        date(1990, 10, 15),  # month 10, which a regex once left out
        date(2012, 5, 6),  # born after 2000
        date(2000, 2, 29),  # 2000 was a leap year
        date(1900, 1, 1),  # the earliest year allowed
        date(2020, 12, 31),
        REFERENCE_DATE,  # born on the reference date: aged 0
    ],
)
def test_it_accepts_real_dates_of_every_shape(birth: date) -> None:
    result = check(make_id("110101", birth, 123))

    assert result.ok
    assert result.birth_date == birth


@pytest.mark.parametrize("days_after", [1, 365, 3650])
def test_it_rejects_a_birth_date_after_the_reference_date(days_after: int) -> None:
    birth = REFERENCE_DATE + timedelta(days=days_after)

    result = check(make_id("110101", birth, 123))

    assert [p.code for p in result.errors] == ["future_date"]
    assert REFERENCE_DATE.isoformat() in result.errors[0].message


def test_it_takes_today_in_shanghai_as_the_default_reference_date() -> None:
    today = today_in_shanghai()
    born_yesterday = make_id("110101", today - timedelta(days=1), 123)
    born_in_two_days = make_id("110101", today + timedelta(days=2), 123)

    assert check_id_number(born_yesterday, known_address=known).ok
    later = check_id_number(born_in_two_days, known_address=known)
    assert [p.code for p in later.errors] == ["future_date"]


def test_it_reads_a_reference_datetime_as_its_day_in_shanghai() -> None:
    # 2026-07-10 17:00 UTC is already 2026-07-11 in Shanghai: the 18th birthday.
    evening = datetime(2026, 7, 10, 17, 0, tzinfo=UTC)

    result = check_id_number(
        "110101200807113027", reference_date=evening, known_address=known
    )

    assert result.age == 18


@pytest.mark.parametrize("yyyymmdd", ["19901301", "20000230", "18991231"])
def test_it_reports_date_and_checksum_errors_together(yyyymmdd: str) -> None:
    good = with_date_digits("110101", yyyymmdd, 123)
    wrong = "0" if good[17] != "0" else "1"

    result = check(good[:17] + wrong)

    assert [p.code for p in result.errors] == ["date", "checksum"]


@pytest.mark.parametrize("number", VALID)
def test_it_rejects_a_wrong_check_character(number: str) -> None:
    for wrong in "0123456789X":
        if wrong == number[17]:
            continue
        result = check(number[:17] + wrong)
        assert [p.code for p in result.errors] == ["checksum"]
        assert result.birth_date is None


# FC-06: an address code missing from the code list warns but never blocks.
@pytest.mark.parametrize(
    "number",
    [
        "412723198504162319",
        "342401198705204367",
        make_id("999999", date(1990, 1, 1), 1),  # no such province
        make_id("110100", date(1990, 1, 1), 1),  # a xxxx00 city-level code
        make_id("810000", date(1990, 1, 1), 1),  # Hong Kong residence permit
    ],
)
def test_it_only_warns_about_an_unknown_address_code(number: str) -> None:
    result = check(number)

    assert result.ok
    assert [p.code for p in result.warnings] == ["address_unknown"]
    assert "不在现行区划表中" in result.warnings[0].message
    assert number[:6] in result.warnings[0].message
    assert result.address_code == number[:6]


def test_it_still_blocks_a_bad_checksum_with_an_unknown_address_code() -> None:
    result = check("412723198504162318")

    assert [p.code for p in result.errors] == ["checksum"]
    assert [p.code for p in result.warnings] == ["address_unknown"]


def test_it_asks_the_injected_lookup_about_the_first_six_digits() -> None:
    asked: list[str] = []

    def lookup(code: str) -> bool:
        asked.append(code)
        return True

    check_id_number("412723198504162319", known_address=lookup)

    assert asked == ["412723"]


# FC-07: age in completed years on the reference date, never "today".
@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2008, 7, 11), date(2026, 7, 10), 17),  # the day before
        (date(2008, 7, 11), date(2026, 7, 11), 18),  # the birthday
        (date(2008, 7, 31), date(2026, 7, 30), 17),  # last day of a month
        (date(2008, 7, 31), date(2026, 7, 31), 18),
        (date(2008, 7, 31), date(2026, 8, 1), 18),
        (date(2008, 12, 31), date(2026, 1, 1), 17),  # across the new year
        (date(1990, 1, 1), date(2025, 12, 31), 35),
        (date(2026, 6, 30), date(2026, 6, 30), 0),
    ],
)
def test_it_counts_completed_years(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


@pytest.mark.parametrize(
    ("on", "age"),
    [
        (date(2005, 2, 28), 0),  # a common year: no 29 February yet
        (date(2005, 3, 1), 1),  # the birthday counts as 1 March
        (date(2008, 2, 28), 3),
        (date(2008, 2, 29), 4),  # a leap year: the real birthday
        (date(2100, 2, 28), 95),  # 2100 is a common year
        (date(2100, 3, 1), 96),
    ],
)
def test_it_counts_a_29_february_birthday_as_1_march_in_common_years(
    on: date, age: int
) -> None:
    assert age_on(date(2004, 2, 29), on) == age


def test_it_refuses_an_age_before_birth() -> None:
    with pytest.raises(ValueError, match="before the birth date"):
        age_on(date(2008, 7, 11), date(2008, 7, 10))


@pytest.mark.parametrize(
    ("number", "on", "age"),
    [
        ("110101200807113027", date(2026, 7, 10), 17),
        ("110101200807113027", date(2026, 7, 11), 18),
        ("110101200807313029", date(2026, 7, 30), 17),  # born 2008-07-31
    ],
)
def test_it_gives_the_age_on_the_reference_date(
    number: str, on: date, age: int
) -> None:
    result = check_id_number(number, reference_date=on, known_address=known)

    assert result.ok
    assert result.age == age


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")


# FC-08: garbage never raises; it gets a structured error.
@pytest.mark.parametrize(
    ("raw", "codes"),
    [
        ("军官证123456", ["charset", "length"]),
        ("1101011990O3071233", ["charset"]),  # letter O for zero
        ("", ["empty"]),
        (None, ["empty"]),
        ("   \u200b", ["empty"]),
        ("X10101199003071233", ["charset"]),  # X only at the end
        ("11010119900307123", ["length"]),
        ("1101011990030712331", ["length"]),
        ("110101-19900307-1233", ["charset", "length"]),
        ("ABCDEFGHIJKLMNOPQR", ["charset"]),
        ("🙂" * 18, ["charset"]),
        (b"110101199003071233", ["charset", "length"]),
        (object(), ["charset", "length"]),
        (["110101199003071233"], ["charset", "length"]),
        (Unprintable(), ["charset", "length"]),
    ],
)
def test_it_returns_a_structured_error_for_garbage(
    raw: object, codes: list[str]
) -> None:
    result = check(raw)

    assert not result.ok
    assert [p.code for p in result.errors] == codes
    assert all(p.message for p in result.errors)


def test_it_names_the_position_of_the_wrong_character() -> None:
    result = check("1101011990O3071233")

    assert "第 11 位“O”" in result.errors[0].message


def test_it_names_the_code_of_an_invisible_wrong_character() -> None:
    # A private-use character survives normalisation but cannot be shown.
    result = check("110101199003071\ue000233")

    assert "U+E000" in result.errors[0].message


# FC-11: nothing is padded, and numbers are never taken from numeric types.
@pytest.mark.parametrize("raw", ["10101199003071233", "0110101199003071233"])
def test_it_never_pads_or_trims_a_number_to_length(raw: str) -> None:
    result = check(raw)

    assert [p.code for p in result.errors] == ["length"]
    assert result.value == raw


def test_it_rejects_a_number_given_as_an_integer() -> None:
    result = check(110101199003071233)

    assert [p.code for p in result.errors] == ["excel_number"]


@pytest.mark.parametrize(
    ("number", "alias"),
    [
        ("320102198808153472", "320102880815347"),
        ("11010119850612104X", "110101850612104"),
        ("110101190001010014", "110101000101001"),
    ],
)
def test_it_gives_the_legacy_alias_of_a_number_from_the_1900s(
    number: str, alias: str
) -> None:
    result = check(number)

    assert result.legacy_alias == alias
    assert legacy_alias(number) == alias


@pytest.mark.parametrize(
    "raw", ["370202201205064189", "320102198808153471", "", None, "garbage"]
)
def test_it_gives_no_legacy_alias_otherwise(raw: object) -> None:
    assert legacy_alias(raw) is None


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("430802199001011234", "4308**********1234"),
        ("11010119850612104x", "1101**********104X"),
        ("32010219880815347242", "3201************7242"),
        ("110101650307123", "1101*******7123"),
        ("12345678", "********"),
        ("", ""),
        (None, ""),
    ],
)
def test_it_masks_all_but_the_first_and_last_four(raw: object, masked: str) -> None:
    assert mask_id_number(raw) == masked
