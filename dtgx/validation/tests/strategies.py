"""Hypothesis strategies for stored rows of the typed record tables.

Rows are generated column by column, as a database could hold them, not as
a well-behaved entry screen would: any column may be NULL, codes come from
and outside the code lists, text may be empty or white space only, and each
option column of a multi-select item is TRUE, FALSE or NULL on its own.

Each column draws from a pool of values with NULL first. A whole row is one
``binary`` draw, byte *i* choosing the value of column *i*: one draw per row
instead of one per column keeps generation fast, and shrinking bytes towards
zero shrinks values towards NULL.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from dtgx.questionnaires.definitions import ColumnKind, Questionnaire, column_specs
from dtgx.questionnaires.expressions import ValueKind
from dtgx.validation.rules import RuleSet
from dtgx.validation.sampling import Constants
from dtgx.validation.sql import derived_shapes

TEXTS = ["", " ", "\u3000", "\t甲 ", "甲", "乙", "王建国", "李梅", "'", "%"]
DATES = [date(2018, 6, 30), date(2018, 7, 1), date(2018, 9, 15), date(2019, 1, 1)]


def _numbers(constants: Constants) -> list[object]:
    near = {int(n) + d for n in constants.numbers for d in (-1, 0, 1) if n == int(n)}
    return [*sorted(near | {-3, 0, 1, 2, 7, 40, 130})]


def _texts(constants: Constants) -> list[object]:
    lengths = sorted({int(n) for n in constants.numbers if 0 < n <= 25})
    sized = [("1" * n) for n in lengths] + [(" 1" * n) for n in lengths[:3]]
    return [*TEXTS, *sized, *sorted(constants.texts)]


def _codes(codes: frozenset[int]) -> list[object]:
    outside = [0, max(codes, default=0) + 1, 99, -1]
    return [*sorted(codes), *outside]


Pools = dict[str, list[object]]


def column_values(form: Questionnaire, constants: Constants) -> Pools:
    """Column name -> pool of values, for every item column of ``form``."""
    found: Pools = {}
    for spec in column_specs(form):
        item = form.item(spec.item_id)
        codes = item.codes.codes if item.codes else frozenset()
        found[spec.name] = [None, *_column(spec.kind, codes, constants)]
    return found


def _column(
    kind: ColumnKind, codes: frozenset[int], constants: Constants
) -> list[object]:
    if kind == ColumnKind.BOOL:
        return [True, False]
    if kind == ColumnKind.SMALLINT:
        return _codes(codes)
    if kind == ColumnKind.INTEGER:
        return _numbers(constants)
    if kind == ColumnKind.DECIMAL:
        return [Decimal(n) for n in _numbers(constants) if isinstance(n, int)]
    if kind == ColumnKind.DATE:
        return list(DATES)
    return _texts(constants)


def derived_values(
    rule_set: RuleSet | None, form: Questionnaire, constants: Constants
) -> Pools:
    """Derived input id -> pool of values (NULL first)."""
    found: Pools = {}
    types = rule_set.name_types(form) if rule_set else form.name_types
    for name, shape in derived_shapes(rule_set, form).items():
        found[name] = [None, *_derived(shape.kind, types[name].codes, constants)]
    return found


def _derived(
    kind: ValueKind, codes: frozenset[int], constants: Constants
) -> list[object]:
    if kind == ValueKind.BOOLEAN:
        return [True, False]
    if kind == ValueKind.CODE:
        return _codes(codes)
    if kind == ValueKind.DATE:
        return list(DATES)
    if kind == ValueKind.TEXT:
        return _texts(constants)
    return _numbers(constants)


def row(pools: Pools) -> st.SearchStrategy[dict[str, object]]:
    """One row: a value from each column's pool."""
    names = list(pools)

    def build(choices: bytes) -> dict[str, object]:
        return {
            name: pools[name][byte % len(pools[name])]
            for name, byte in zip(names, choices, strict=True)
        }

    return st.binary(min_size=len(names), max_size=len(names)).map(build)


def rows(
    pools: Pools, *, min_size: int = 1, max_size: int
) -> st.SearchStrategy[list[dict[str, object]]]:
    return st.lists(row(pools), min_size=min_size, max_size=max_size)
