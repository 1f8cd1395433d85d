"""Normalisation of identifiers and names (FC-17, FC-18)."""

from __future__ import annotations

import pytest

from dtgx.identity import (
    check_certificate_number,
    check_id_number,
    normalize_identifier,
    normalize_name,
)
from dtgx.identity.tests.helpers import REFERENCE_DATE, known

ID = "320102198808153472"


def full_width(text: str) -> str:
    """ASCII digits and letters as a Chinese IME in full-width mode types them."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in text)


# FC-17: digits U+FF10–U+FF19 and letters U+FF21–U+FF5A from an IME.
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("３２０１０２１９８８０８１５３４７２", "320102198808153472"),
        ("１１０１０１１９８５０６１２１０４ｘ", "11010119850612104X"),
        ("１１０１０１１９８５０６１２１０４Ｘ", "11010119850612104X"),
        ("１３８００１３８０００", "13800138000"),  # a phone number
        ("６５", "65"),  # an age
        ("３２０１０２１９８８０８１５３４７２４２", "32010219880815347242"),
        ("11010119850612１04x", "11010119850612104X"),  # half typed full-width
    ],
)
def test_it_folds_full_width_characters_to_ascii(raw: str, expected: str) -> None:
    assert normalize_identifier(raw) == expected


@pytest.mark.parametrize(
    "number", ["320102198808153472", "11010119850612104X", "370202201205064189"]
)
def test_it_accepts_full_width_numbers_and_says_they_were_normalised(
    number: str,
) -> None:
    typed = full_width(number.lower())

    result = check_id_number(typed, reference_date=REFERENCE_DATE, known_address=known)

    assert result.ok
    assert result.value == number
    assert result.normalised_from == typed


def test_it_accepts_a_full_width_certificate_number() -> None:
    typed = full_width("11010119850612104x51")

    result = check_certificate_number(
        typed, reference_date=REFERENCE_DATE, known_address=known
    )

    assert result.ok
    assert result.value == "11010119850612104X51"
    assert result.normalised_from == typed


# FC-18: whatever copy and paste leaves around or inside the number.
@pytest.mark.parametrize(
    "raw",
    [
        f"{ID}\u00a0",  # no-break space, from Excel
        f"\u200b{ID}",  # zero width space
        "3201 0219 8808 1534 72",  # grouped for reading
        f"\t{ID}\r\n",
        f"\u3000{ID}\u3000",  # ideographic space
        f"\ufeff{ID}",  # byte order mark
        f"{ID[:6]}\u2060{ID[6:]}",  # word joiner
        f"{ID[:9]}\u202f{ID[9:]}",  # narrow no-break space
        f"{ID[:9]}\u200d\u200c{ID[9:]}",  # zero width joiners
        f"{ID}\u2028",  # line separator
        f"{ID[:3]}\u3164{ID[3:]}",  # hangul filler, blank but a letter
        f" {ID[:10]}  {ID[10:]} ",
    ],
)
def test_it_removes_every_invisible_character(raw: str) -> None:
    assert normalize_identifier(raw) == ID

    result = check_id_number(raw, reference_date=REFERENCE_DATE, known_address=known)
    assert result.ok
    assert result.normalised_from == raw  # shown to the operator as cleaned


def test_it_reports_no_normalisation_for_a_clean_value() -> None:
    result = check_id_number(ID, reference_date=REFERENCE_DATE, known_address=known)

    assert result.normalised_from is None


@pytest.mark.parametrize(("raw", "expected"), [(None, ""), ("", ""), (" \u200b ", "")])
def test_it_turns_missing_and_blank_values_into_empty_text(
    raw: object, expected: str
) -> None:
    assert normalize_identifier(raw) == expected


def test_it_keeps_leading_zeros_of_codes() -> None:
    # FC-11: codes stay text; nothing is padded, trimmed or merged.
    assert normalize_identifier("0030") == "0030"
    assert normalize_identifier("30") == "30"
    assert normalize_identifier("000120") == "000120"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  张三  ", "张三"),
        ("张\u3000\u3000三", "张 三"),  # collapsed, not removed
        ("\u200b李四\u00a0", "李四"),
        ("身份证号\u00a0", "身份证号"),  # a pasted header
        ("买买提·艾力", "买买提·艾力"),
        ("Ａｌｉ", "Ａｌｉ"),  # full-width letters are kept in names
        ("某\x16人", "某人"),  # a control character from a bad export
        ("王\t五\n", "王 五"),
        (None, ""),
    ],
)
def test_it_tidies_names_without_folding_their_characters(
    raw: object, expected: str
) -> None:
    assert normalize_name(raw) == expected
