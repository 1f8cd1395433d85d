from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dtgx.regions.codes import (
    NATION_CODE,
    CodeError,
    Level,
    ancestor_codes,
    common_ancestor,
    level_of,
    pad_code,
    parent_code,
    prefix_of,
    unit_kind,
)


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("000000000000", Level.NATION, None),
        ("110000000000", Level.PROVINCE, NATION_CODE),
        ("110100000000", Level.PREFECTURE, "110000000000"),
        ("110101000000", Level.COUNTY, "110100000000"),
        ("110101001000", Level.TOWNSHIP, "110101000000"),
        ("110101001001", Level.VILLAGE, "110101001000"),
    ],
)
def test_it_derives_level_and_parent_by_zero_filling(
    code: str, level: Level, parent: str | None
) -> None:
    assert level_of(code) == level
    assert parent_code(code) == parent


@pytest.mark.parametrize(
    "code",
    [
        "11010100100",  # 11 digits
        "1101010010000",  # 13 digits
        "11010100100a",
        "１１０１０１００１０００",  # full-width digits
        "110001000000",  # county part set under a zero prefecture part
        "110101000001",  # village part set under a zero township part
        "",
    ],
)
def test_it_rejects_malformed_codes(code: str) -> None:
    with pytest.raises(CodeError):
        level_of(code)


def test_it_allows_townships_of_a_prefecture_without_counties() -> None:
    # 东莞市 has no counties: its streets and towns sit right under it.
    assert level_of("441900003000") == Level.TOWNSHIP
    assert parent_code("441900003000") == "441900000000"
    assert level_of("441900003001") == Level.VILLAGE


def test_it_takes_the_subtree_as_the_significant_prefix() -> None:
    assert prefix_of(NATION_CODE) == ""
    assert prefix_of("110100000000") == "1101"
    assert prefix_of("110101001000") == "110101001"
    assert pad_code("110101001") == "110101001000"


def test_it_lists_ancestors_from_the_nation_down() -> None:
    assert ancestor_codes("110101001001") == [
        NATION_CODE,
        "110000000000",
        "110100000000",
        "110101000000",
        "110101001000",
    ]
    assert ancestor_codes(NATION_CODE) == []


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("110101001000", "街道"),
        ("110101100000", "镇"),
        ("110101200000", "乡"),
        ("110101400000", "类似乡级单位"),
        ("110101600000", None),
        ("110101001001", "居委会"),
        ("110101001200", "村委会"),
        ("110101001599", "类似村级单位"),
        ("110101001600", None),
        ("110101000000", None),
    ],
)
def test_it_tells_the_kind_of_unit_by_its_number(code: str, kind: str | None) -> None:
    assert unit_kind(code) == kind


@pytest.mark.parametrize(
    ("codes", "ancestor"),
    [
        (["110101001000", "110101002000"], "110101000000"),
        (["110101001000", "110102001000"], "110100000000"),
        (["110101001000", "440101001000"], NATION_CODE),
        (["441900003000", "441900004000"], "441900000000"),
        (["110101000000"], "110101000000"),
        (["110000000000", "110101000000"], "110000000000"),
        ([], NATION_CODE),
    ],
)
def test_it_finds_the_smallest_region_holding_all_codes(
    codes: list[str], ancestor: str
) -> None:
    assert common_ancestor(codes) == ancestor


parts = st.tuples(
    st.integers(11, 65),
    st.integers(1, 90),
    st.integers(1, 99),
    st.integers(1, 599),
    st.integers(1, 599),
    st.integers(1, 5),
)


@given(parts)
def test_it_always_finds_a_parent_one_level_up_within_the_same_prefix(
    drawn: tuple[int, int, int, int, int, int],
) -> None:
    province, prefecture, county, township, village, depth = drawn
    full = f"{province:02d}{prefecture:02d}{county:02d}{township:03d}{village:03d}"
    code = pad_code(full[: (2, 4, 6, 9, 12)[depth - 1]])

    parent = parent_code(code)

    assert parent is not None
    assert level_of(parent) == level_of(code) - 1
    assert code.startswith(prefix_of(parent))
