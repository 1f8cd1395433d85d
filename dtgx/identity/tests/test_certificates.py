"""20-character disability certificate numbers (FC-12)."""

from __future__ import annotations

from itertools import product

import pytest

from dtgx.identity import (
    Category,
    CertificateCheck,
    Grade,
    check_certificate_holder,
    check_certificate_number,
)
from dtgx.identity.tests.helpers import REFERENCE_DATE, known

INT64_MAX = 9223372036854775807


def check(raw: object, **holder: object) -> CertificateCheck:
    return check_certificate_number(
        raw, reference_date=REFERENCE_DATE, known_address=known, **holder
    )


def test_it_reads_category_and_grade_of_the_field_case() -> None:
    result = check("32010219880815347242")

    assert result.ok
    assert result.category is Category.PHYSICAL  # 4 肢体
    assert result.grade is Grade.SECOND  # 2 二级
    assert result.id_number == "320102198808153472"
    assert result.id_check is not None
    assert result.id_check.age == 37
    # The number is text: as an integer it would not fit a 64-bit column.
    assert int(result.value) > INT64_MAX


@pytest.mark.parametrize("raw", ["11010119850612104X51", "11010119850612104x51"])
def test_it_accepts_the_check_letter_inside_a_certificate_number(raw: str) -> None:
    result = check(raw)

    assert result.ok
    assert result.value == "11010119850612104X51"
    assert result.category is Category.INTELLECTUAL
    assert result.grade is Grade.FIRST
    assert result.normalised_from == (None if raw == result.value else raw)


@pytest.mark.parametrize(("category", "grade"), list(product(range(1, 8), range(1, 5))))
def test_it_accepts_every_category_and_grade(category: int, grade: int) -> None:
    result = check(f"320102198808153472{category}{grade}")

    assert result.ok
    assert result.category == category
    assert result.grade == grade


def test_it_labels_categories_and_grades_in_chinese() -> None:
    assert [str(c.label) for c in Category] == [
        "视力残疾",
        "听力残疾",
        "言语残疾",
        "肢体残疾",
        "智力残疾",
        "精神残疾",
        "多重残疾",
    ]
    assert [str(g.label) for g in Grade] == ["一级", "二级", "三级", "四级"]


@pytest.mark.parametrize(
    ("suffix", "codes"),
    [
        ("02", ["category"]),
        ("82", ["category"]),
        ("92", ["category"]),
        ("40", ["grade"]),
        ("45", ["grade"]),
        ("49", ["grade"]),  # 9 (未评定) exists only on 18-character records
        ("00", ["category", "grade"]),
    ],
)
def test_it_rejects_codes_outside_the_tables(suffix: str, codes: list[str]) -> None:
    result = check(f"320102198808153472{suffix}")

    assert [p.code for p in result.errors] == codes
    assert result.category is None
    assert result.grade is None


@pytest.mark.parametrize(
    ("raw", "codes"),
    [
        ("320102198808153472", ["length"]),  # the identity number alone
        ("3201021988081534724", ["length"]),
        ("320102198808153472421", ["length"]),  # a re-issue suffix
        ("3201021988081534X242", ["charset"]),  # X only in position 18
        ("320102198808153472X2", ["charset"]),
        ("320102198808153472肢二", ["charset"]),
        ("320102198808153472 肢体二级", ["charset", "length"]),
        ("", ["empty"]),
        (None, ["empty"]),
        (32010219880815347242, ["excel_number"]),
        (3.2010219880815347e19, ["excel_number"]),
        ("3.20102E+19", ["excel_number"]),
        ("32010219880815300000", ["excel_number"]),
    ],
)
def test_it_rejects_malformed_certificate_numbers(
    raw: object, codes: list[str]
) -> None:
    result = check(raw)

    assert [p.code for p in result.errors] == codes
    assert result.id_number is None


def test_it_passes_on_the_errors_of_the_identity_number_part() -> None:
    result = check("32010219881315347242")  # month 13 and a broken checksum

    assert [p.code for p in result.errors] == ["date", "checksum"]


def test_it_passes_on_the_address_warning_of_the_identity_number_part() -> None:
    result = check("41272319850416231942")

    assert result.ok
    assert [p.code for p in result.warnings] == ["address_unknown"]


@pytest.mark.parametrize("category", [4, "4", "４", Category.PHYSICAL, " 4 "])
@pytest.mark.parametrize("grade", [2, "2", Grade.SECOND])
def test_it_matches_the_recorded_holder_however_the_codes_are_written(
    category: object, grade: object
) -> None:
    result = check(
        "32010219880815347242",
        id_number="３２０１０２１９８８０８１５３４７２",
        category=category,
        grade=grade,
    )

    assert result.ok


@pytest.mark.parametrize(
    ("holder", "fields"),
    [
        ({"id_number": "110101199003071233"}, ["id_number"]),
        ({"category": 1}, ["category"]),
        ({"category": Category.MULTIPLE}, ["category"]),
        ({"grade": "3"}, ["grade"]),
        (
            {"id_number": "110101199003071233", "category": 2, "grade": 4},
            ["id_number", "category", "grade"],
        ),
    ],
)
def test_it_reports_each_field_that_disagrees_with_the_holder(
    holder: dict[str, object], fields: list[str]
) -> None:
    result = check("32010219880815347242", **holder)

    assert not result.ok
    assert [p.code for p in result.errors] == ["mismatch"] * len(fields)
    assert [p.field for p in result.errors] == fields
    assert result.category is None


def test_it_names_both_codes_in_a_mismatch_message() -> None:
    problems = check_certificate_holder("32010219880815347242", category=1, grade=9)

    assert "肢体残疾" in problems[0].message
    assert "视力残疾" in problems[0].message
    assert "二级" in problems[1].message
    assert "9" in problems[1].message  # an unknown recorded code, shown as is


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_it_does_not_compare_blank_recorded_values(blank: object) -> None:
    problems = check_certificate_holder(
        "32010219880815347242", id_number=blank, category=blank, grade=blank
    )

    assert problems == ()


def test_it_does_not_compare_the_holder_with_an_invalid_number() -> None:
    result = check("32010219880815347292", category=1)

    assert [p.code for p in result.errors] == ["category"]
