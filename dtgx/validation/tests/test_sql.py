"""The SQL compiler: every construct of the language gives, in SQL, the
same three-valued result as the Python evaluator, missing values included."""

# SQL text is built here from table and column names that come from code
# and form definitions, never from users; constants are quoted by
# sql._text_literal. Hence no S608 (string-built SQL) warnings.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dtgx.questionnaires.expressions import (
    And,
    Arithmetic,
    Call,
    Compare,
    Constant,
    Expr,
    In,
    Name,
    Negative,
    Not,
    Or,
    Param,
    Value,
    evaluate,
    parse_expression,
)
from dtgx.validation.rules import Condition, Rule, load_rule_set
from dtgx.validation.sampling import Constants
from dtgx.validation.sql import (
    SQLITE_MINIMUM,
    WHITE_SPACE,
    AuditSource,
    CompileError,
    Compiler,
    Dialect,
    SqlScope,
    audit_query,
    find_failures,
)
from dtgx.validation.tables import derived_from_row, values_from_row
from dtgx.validation.tests.harness import PERSON, Audit, sqlite_audit
from dtgx.validation.tests.strategies import column_values, derived_values, rows

RULE_SET = load_rule_set()
AUDIT = sqlite_audit(RULE_SET)
FORM = AUDIT.person
PARAMS = RULE_SET.params_for(FORM)


def _sql_results(expr: Expr, audit: Audit = AUDIT) -> dict[int, Value]:
    condition = Compiler(RULE_SET, FORM, SqlScope(), audit.dialect).condition(expr)
    sql = (
        f'SELECT r."id", CASE WHEN {condition} THEN 1 WHEN NOT {condition} THEN 0 END'
        f' FROM "{audit.tables.person}" AS r'
    )
    return {
        int(record): None if result is None else bool(result)
        for record, result in audit._fetch(sql)
    }


def _python_results(expr: Expr, audit: Audit = AUDIT) -> dict[int, Value]:
    found = {}
    for row in audit._rows(audit.tables.person):
        scope = values_from_row(FORM, row) | derived_from_row(RULE_SET, FORM, row)
        found[int(str(row["id"]))] = evaluate(expr, scope, PARAMS)
    return found


def _load(records: list[dict[str, object]], audit: Audit = AUDIT) -> None:
    audit.clear()
    audit.insert(audit.tables.person, [r | {"id": n} for n, r in enumerate(records, 1)])


def _columns(**values: object) -> dict[str, object]:
    """A row from item ids, derived ids or raw column names."""
    row: dict[str, object] = {}
    for name, value in values.items():
        column = name.replace("__", ".")
        if column in FORM.item_ids:
            row[FORM.item(column).column] = value
        else:
            row[name] = value
    return row


# --- Worked cases ----------------------------------------------------------------

CASES = [
    ("age >= 16", {}, None),
    ("not (age >= 16)", {}, None),
    ("age >= 16 or category == 5", {"category": 5}, True),
    ("age >= 16 and category == 4", {"category": 5}, False),
    ("missing(age) or age >= 16", {}, True),
    ("coalesce(age, 0) >= 16", {}, False),
    ("category / 0 > 1", {"category": 5}, None),
    ("category / 2 > 2", {"category": 5}, True),
    ("category / 2 == 2", {"category": 5}, False),
    ("0 < age < 16", {"age": 10}, True),
    ("0 < age < 16", {"age": 16}, False),
    ("0 < age < 16", {}, None),
    ("between(age, param('working_age'))", {"age": 59}, True),
    ("age in (1, 2)", {}, None),
    ("age not in (1, 2)", {"age": 3}, True),
    ("age > 1.5", {"age": 2}, True),
    ("-age < 0", {"age": 2}, True),
    ("age * 2 - 1 == 3", {"age": 2}, True),
    ("basic.name == '王建国'", {"basic__name": " 王建国\u3000"}, True),
    ("answered(basic.name)", {"basic__name": " \t"}, False),
    ("answered(basic.name)", {"basic__name": ""}, False),
    ("len(basic.name) == 3", {"basic__name": " 王建国 "}, True),
    ("basic.name < '乙'", {"basic__name": "甲"}, False),  # by code point
    ("basic.name < 'a'", {"basic__name": "Z"}, True),
    ("footer.fill_date <= audit_date", {"footer__fill_date": date(2018, 7, 1)}, None),
    (
        "footer.fill_date < campaign_end",
        {"footer__fill_date": date(2018, 7, 1), "campaign_end": date(2018, 7, 2)},
        True,
    ),
    ("certificate_checksum_ok", {"certificate_checksum_ok": False}, False),
    ("certificate_checksum_ok == True", {}, None),
]


@pytest.mark.parametrize(("text", "values", "expected"), CASES)
def test_it_compiles_each_construct_like_the_python_evaluator(
    text: str, values: dict[str, object], expected: Value
) -> None:
    expr = parse_expression(text)
    _load([_columns(**values)])

    assert _python_results(expr) == {1: expected}
    assert _sql_results(expr) == {1: expected}


MULTI = "social_security_assistance"


@pytest.mark.parametrize(
    ("flags", "selected", "count"),
    [
        ({}, None, None),  # unanswered: all NULL
        ({1: True}, False, 1),  # option 6 NULL but another TRUE
        ({6: True}, True, 1),
        ({6: False}, None, None),  # FALSE and NULL only: still unanswered
        (dict.fromkeys(range(1, 7), False), None, None),
        ({1: True, 2: True, 6: True}, True, 3),
    ],
)
def test_it_reads_multi_select_columns_as_stored_values_are_read(
    flags: dict[int, bool], selected: Value, count: Value
) -> None:
    _load([{f"{MULTI}_{code}": flag for code, flag in flags.items()}])

    for text, expected in (
        ("selected(social_security.assistance, 6)", selected),
        ("count_selected(social_security.assistance) == 1", _eq(count, 1)),
        ("answered(social_security.assistance)", count is not None),
    ):
        expr = parse_expression(text)
        assert _python_results(expr) == {1: expected}, text
        assert _sql_results(expr) == {1: expected}, text


def _eq(value: Value, other: int) -> Value:
    return None if value is None else value == other


def test_it_reads_a_linked_record_that_is_not_joined_as_missing() -> None:
    compiler = Compiler(RULE_SET, FORM, SqlScope(), Dialect.SQLITE)
    _load([{}])
    condition = compiler.condition(
        parse_expression("answered(community.header.region_code)")
    )
    sql = f'SELECT {condition} FROM "{AUDIT.tables.person}" AS r'

    assert AUDIT._fetch(sql) == [(0,)]


def test_it_refuses_a_multi_select_item_used_as_a_value() -> None:
    compiler = Compiler(RULE_SET, FORM, SqlScope(), Dialect.POSTGRESQL)

    with pytest.raises(CompileError):
        compiler.condition(
            Compare("==", Name("social_security.assistance"), Constant(1))
        )


def test_it_compares_text_by_code_point_and_widens_arithmetic_on_postgresql() -> None:
    compiler = Compiler(RULE_SET, FORM, SqlScope(), Dialect.POSTGRESQL)

    text = compiler.condition(parse_expression("basic.name < '乙'"))
    arithmetic = compiler.condition(parse_expression("category + 1 > 2"))
    quotient = compiler.condition(parse_expression("category / 2 > 2"))

    assert 'COLLATE "C"' in text
    assert 'CAST(r."category" AS BIGINT)' in arithmetic
    assert "AS NUMERIC) / NULLIF(" in quotient


def test_it_trims_exactly_what_python_strips() -> None:
    spaces = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())

    assert spaces == WHITE_SPACE


# Every white-space character alone, at the start, at the end and inside; a
# control character that is not white space; text that needs no trimming.
EDGE_TEXTS = [
    "",
    "甲",
    "\x01甲\x01",
    *WHITE_SPACE,
    *(f"{blank}甲" for blank in WHITE_SPACE),
    *(f"甲{blank}" for blank in WHITE_SPACE),
    *(f"1{blank}1" for blank in WHITE_SPACE),
]
EDGE_CONDITIONS = [
    "answered(basic.name)",
    "basic.name == '甲'",
    "basic.name < '甲'",
    "len(basic.name) == 1",
    "len(basic.name) == 3",
]


def _check_edge_texts(audit: Audit) -> None:
    _load([_columns(basic__name=text) for text in EDGE_TEXTS], audit)
    for text in EDGE_CONDITIONS:
        expr = parse_expression(text)
        assert _sql_results(expr, audit) == _python_results(expr, audit), text


def test_it_strips_white_space_at_either_end_as_python_does() -> None:
    _check_edge_texts(AUDIT)


def test_it_strips_white_space_at_either_end_on_postgresql_too(
    postgresql_audit: Audit,
) -> None:
    # PostgreSQL calls BTRIM only when the first or last character is white
    # space; this checks that test against every white-space character.
    _check_edge_texts(postgresql_audit)


def test_it_keeps_as_columns_only_the_shared_expressions_read_twice() -> None:
    source = AuditSource("person")
    certificate = parse_expression("len(basic.certificate_number) == 18")
    remarks = parse_expression("answered(footer.remarks)")
    twice = [_rule("A", certificate), _rule("B", certificate), _rule("C", remarks)]

    sql = audit_query(RULE_SET, PERSON, source, Dialect.POSTGRESQL, rules=twice)
    full = audit_query(RULE_SET, PERSON, source, Dialect.POSTGRESQL)

    select, records = sql.split("\nFROM ", 1)
    # The certificate number's length is read by two rules: one column.
    assert records.count('AS "_g0"') == 1
    assert select.count('r."_g0"') == 2
    assert records.count("LENGTH(") == 1
    # The remarks are read once: written in place, not as a column.
    assert 'BTRIM(r."footer_remarks"' in select
    assert "footer_remarks" not in records
    assert "\x00" not in sql
    assert "\x00" not in full


def _rule(rule_id: str, check: Expr) -> Rule:
    base = RULE_SET.rules_for(PERSON)[0]
    return replace(base, id=rule_id, applies_when=None, check=Condition("", check))


def test_it_needs_a_sqlite_with_is_true_and_json_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert sqlite3.sqlite_version_info >= SQLITE_MINIMUM
    monkeypatch.setattr(sqlite3, "sqlite_version_info", (3, 22, 0))

    with pytest.raises(CompileError, match="SQLite 版本"):
        audit_query(RULE_SET, PERSON, AuditSource("person"), Dialect.SQLITE)


def test_it_returns_the_findings_of_a_query_as_pairs() -> None:
    _load([{"header_person_status": 1}, {"header_person_status": 6}])

    found = find_failures(AUDIT.connection, RULE_SET, PERSON, AUDIT.source(PERSON))

    assert (1, "ST01") in found
    assert (2, "ST01") not in found


def test_it_writes_one_scan_on_postgresql_and_json_each_on_sqlite() -> None:
    source = AuditSource("person")

    postgresql = audit_query(RULE_SET, PERSON, source, Dialect.POSTGRESQL)
    sqlite = audit_query(RULE_SET, PERSON, source, Dialect.SQLITE)

    assert postgresql.count('FROM "person"') == 1
    assert "unnest(string_to_array(NULLIF(concat_ws(" in postgresql
    assert "OFFSET 0) AS r" in postgresql
    assert sqlite.count('FROM "person"') == 1
    assert "json_each(" in sqlite


# --- Any expression -----------------------------------------------------------------

CODE_ITEMS = [
    "header.person_status",
    "basic.hukou_type",
    "employment.form",
    "education.level",
]
NUMBERS = [Name("age"), Name("category"), *map(Name, CODE_ITEMS)]
MULTIS = ["social_security.assistance", "health.rehab_received"]
TEXTS = ["basic.name", "footer.respondent", "basic.certificate_number"]
SMALL = st.integers(min_value=-3, max_value=30).map(Constant)


def numbers() -> st.SearchStrategy[Expr]:
    leaves = (
        st.sampled_from(NUMBERS)
        | SMALL
        | st.sampled_from(MULTIS).map(lambda m: Call("count_selected", (Name(m),)))
        | st.sampled_from(TEXTS).map(lambda t: Call("len", (Name(t),)))
    )
    return st.recursive(
        leaves,
        lambda inner: (
            st.builds(Arithmetic, st.sampled_from("+-*"), inner, inner)
            | inner.map(Negative)
            | st.tuples(inner, inner).map(lambda pair: Call("coalesce", pair))
        ),
        max_leaves=4,
    )


OPS = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
TEXT_VALUES = st.sampled_from(TEXTS).map(Name) | st.sampled_from(
    ["王建国", "甲", "", "1" * 18]
).map(Constant)
DATE_NAMES = st.sampled_from(["footer.fill_date", "campaign_start", "audit_date"])


def comparisons() -> st.SearchStrategy[Expr]:
    quotient = st.builds(Arithmetic, st.just("/"), numbers(), numbers())
    halves = st.sampled_from([Decimal("0.5"), Decimal("2.5")]).map(Constant)
    return (
        st.builds(Compare, OPS, numbers(), numbers())
        | st.builds(Compare, OPS, numbers(), quotient)
        | st.builds(Compare, OPS, numbers(), halves)
        | st.builds(Compare, OPS, TEXT_VALUES, TEXT_VALUES)
        | st.builds(Compare, OPS, DATE_NAMES.map(Name), DATE_NAMES.map(Name))
        | st.builds(
            Compare,
            st.sampled_from(["==", "!="]),
            st.just(Name("certificate_checksum_ok")),
            st.booleans().map(Constant),
        )
        | st.builds(
            In,
            numbers(),
            st.lists(SMALL, min_size=1, max_size=3).map(tuple),
            st.booleans(),
        )
        | st.builds(
            Call,
            st.sampled_from(["answered", "missing"]),
            st.tuples(st.sampled_from([*TEXTS, *MULTIS, "age"]).map(Name)),
        )
        | st.tuples(st.sampled_from(MULTIS), st.integers(1, 6)).map(
            lambda pair: Call("selected", (Name(pair[0]), Constant(pair[1])))
        )
        | st.tuples(numbers(), numbers(), numbers()).map(lambda a: Call("between", a))
        | st.just(Call("between", (Name("age"), Param("working_age"))))
        | st.just(Name("in_base_list"))
        | st.booleans().map(Constant)
    )


def conditions() -> st.SearchStrategy[Expr]:
    return st.recursive(
        comparisons(),
        lambda inner: (
            inner.map(Not)
            | st.lists(inner, min_size=2, max_size=3).map(lambda ops: And(tuple(ops)))
            | st.lists(inner, min_size=2, max_size=3).map(lambda ops: Or(tuple(ops)))
        ),
        max_leaves=5,
    )


CONSTANTS = Constants.of([], PARAMS)
POOLS = column_values(FORM, CONSTANTS) | derived_values(RULE_SET, FORM, CONSTANTS)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expr=conditions(), records=rows(POOLS, max_size=4))
def test_it_agrees_with_python_on_any_condition_and_any_row(
    expr: Expr, records: list[dict[str, object]]
) -> None:
    _load(records)

    assert _sql_results(expr) == _python_results(expr)


# The fixture is created once per test, not per example, on purpose.
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(expr=conditions(), records=rows(POOLS, max_size=4))
def test_it_agrees_with_python_on_postgresql_too(
    postgresql_audit: Audit, expr: Expr, records: list[dict[str, object]]
) -> None:
    _load(records, postgresql_audit)

    expected = _python_results(expr, postgresql_audit)
    assert _sql_results(expr, postgresql_audit) == expected
