"""Identity numbers damaged by a numeric spreadsheet cell (FC-09)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dtgx.identity import check_id_number, looks_like_excel_number
from dtgx.identity.tests.helpers import REFERENCE_DATE, known

MESSAGE = "身份证号被 Excel 转为数字，请将该列设为文本后重新录入"


@pytest.mark.parametrize(
    "raw",
    [
        320102198808153000,  # an .xlsx number cell read as an integer
        3.20102198808153e17,  # …or as a float
        Decimal("320102198808153000"),
        "3.20102E+17",  # what the cell shows
        "3.20102e+17",
        "1.10101E+17",
        "３．２０１０２Ｅ＋１７",
        "320102198808153000",  # the last three digits zeroed
        "110101199003071000",
        "320102198808153000.0",  # written back with decimals
    ],
)
def test_it_recognises_numbers_that_went_through_excel(raw: object) -> None:
    problem = looks_like_excel_number(raw)

    assert problem is not None
    assert problem.code == "excel_number"
    assert problem.message == MESSAGE


@pytest.mark.parametrize(
    "raw",
    [
        "320102198808153472",
        "110101198001080000",  # ends in 000, yet its check character is right
        "32010219880815300",  # 17 digits: a length error, not Excel's mark
        "",
        None,
        True,
        "军官证123456",
    ],
)
def test_it_does_not_suspect_other_values(raw: object) -> None:
    assert looks_like_excel_number(raw) is None


@pytest.mark.parametrize(
    "raw", [320102198808153472, 3.20102198808153e17, "320102198808153000"]
)
def test_it_rejects_a_damaged_number_with_the_excel_message_only(raw: object) -> None:
    result = check_id_number(raw, reference_date=REFERENCE_DATE, known_address=known)

    assert [(p.code, p.message) for p in result.errors] == [("excel_number", MESSAGE)]


def test_it_accepts_a_valid_number_that_ends_in_000() -> None:
    result = check_id_number(
        "110101198001080000", reference_date=REFERENCE_DATE, known_address=known
    )

    assert result.ok
