"""The cleaning rules every exported cell goes through."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from dtgx.exports import Column, ColumnKind, clean_cell, to_cell
from dtgx.exports.cells import neutralise, unneutralise

FORMULA_LIKE = [
    "=1+2",
    "+86 138",
    "-2+3",
    "@SUM(A1)",
    '=HYPERLINK("http://x")',
    "  =1+2",
    "\u3000=1",  # ideographic space counts as whitespace
    "\t=1",
    "\tplain",
    "\n=1",
    "\nplain",
]


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_cleaning_adds_no_quote_whatever_the_text_starts_with(text: str) -> None:
    """The quote is the CSV writer's alone (xlsx writes string cells), so
    a cleaned cell is the same value in both formats."""
    assert clean_cell(text) == text


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_a_csv_field_a_spreadsheet_could_evaluate_gets_one_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["'=1", "''+1", "' @x"])
def test_text_that_looks_neutralised_already_gets_one_more_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["张三", "a=b", "1-2", "e@mail", "", "'quoted", "'"])
def test_ordinary_text_is_no_formula(text: str) -> None:
    assert clean_cell(text) == text
    assert neutralise(text) == text


@pytest.mark.parametrize(
    "text",
    [*FORMULA_LIKE, "'=1", "''+1", "' @x", "张三", "'quoted", "'", "''", "", "-3"],
)
def test_unneutralise_takes_off_exactly_the_quote_neutralise_adds(text: str) -> None:
    assert unneutralise(neutralise(text)) == text


@pytest.mark.parametrize("number", [-5, -0.5, Decimal("-12.50"), 0, 10**20])
def test_numbers_stay_numbers_even_when_negative(number: object) -> None:
    cleaned = clean_cell(number)

    assert cleaned == number
    assert type(cleaned) is type(number)


def test_control_characters_are_removed() -> None:
    dirty = "a\x00b\x01\x08c\x0b\x0cd\x0e\x1fe\x7ff\x80\x85\x9fg\ud800h"

    assert clean_cell(dirty) == "abcdefgh"


def test_tab_and_line_breaks_are_kept_with_carriage_returns_normalised() -> None:
    assert clean_cell("a\tb\r\nc\rd\ne") == "a\tb\nc\nd\ne"


def test_a_bool_or_an_unknown_type_is_refused() -> None:
    with pytest.raises(TypeError):
        clean_cell(True)
    with pytest.raises(TypeError):
        clean_cell(object())


@pytest.mark.parametrize("number", [float("nan"), float("inf"), Decimal("NaN")])
def test_a_non_finite_number_is_refused(number: object) -> None:
    with pytest.raises(ValueError, match="non-finite"):
        clean_cell(number)


def test_an_identifier_is_always_text() -> None:
    column = Column("公民身份号码", ColumnKind.IDENTIFIER)

    assert to_cell("012345678901234567", column) == "012345678901234567"
    assert to_cell(430821199001011234, column) == "430821199001011234"
    assert to_cell(None, column) is None


def test_a_value_of_the_wrong_kind_names_its_column() -> None:
    with pytest.raises(TypeError, match="'人数' \\(INTEGER\\)"):
        to_cell("12", Column("人数", ColumnKind.INTEGER))
    with pytest.raises(TypeError):
        to_cell(True, Column("人数", ColumnKind.INTEGER))
    with pytest.raises(TypeError):
        to_cell(date(2025, 6, 30), Column("时间", ColumnKind.DATETIME))


def test_an_aware_datetime_becomes_naive_shanghai_time() -> None:
    column = Column("填报时间", ColumnKind.DATETIME)
    utc = datetime(2025, 6, 30, 16, 30, tzinfo=UTC)

    assert to_cell(utc, column) == datetime(2025, 7, 1, 0, 30)


def test_a_date_column_takes_the_shanghai_date_of_an_aware_datetime() -> None:
    column = Column("调查日期", ColumnKind.DATE)

    assert to_cell(date(2025, 6, 30), column) == date(2025, 6, 30)
    utc = datetime(2025, 6, 30, 16, 30, tzinfo=UTC)
    assert to_cell(utc, column) == date(2025, 7, 1)


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        to_cell(datetime(2025, 6, 30), Column("填报时间", ColumnKind.DATETIME))
