"""The expression language: parsing, missing-value semantics, types."""

from __future__ import annotations

from decimal import Decimal

import pytest

from dtgx.questionnaires.expressions import (
    And,
    Compare,
    Constant,
    EvaluationError,
    In,
    Name,
    NameType,
    Param,
    ParamValue,
    ParseError,
    Value,
    ValueKind,
    check_types,
    evaluate,
    parse_expression,
    referenced_names,
    referenced_params,
    truthy,
    unparse,
)

PARAMS: dict[str, ParamValue] = {"working_age": (16, 59), "adult": 18}


def run(text: str, **values: object) -> Value:
    dotted = {name.replace("__", "."): value for name, value in values.items()}
    return evaluate(parse_expression(text), dotted, PARAMS)


# Parsing


def test_it_parses_dotted_item_ids_as_one_name() -> None:
    expr = parse_expression("employment.is_employed == 1")

    assert expr == Compare("==", Name("employment.is_employed"), Constant(1))


def test_it_expands_a_chained_comparison() -> None:
    expr = parse_expression("6 <= age < 15")

    assert expr == And(
        (
            Compare("<=", Constant(6), Name("age")),
            Compare("<", Name("age"), Constant(15)),
        )
    )


def test_it_keeps_in_lists_as_constants() -> None:
    expr = parse_expression("category in (5, 6, -1)")

    assert expr == In(Name("category"), (Constant(5), Constant(6), Constant(-1)))


def test_it_reads_decimals_exactly() -> None:
    assert parse_expression("0.1") == Constant(Decimal("0.1"))


def test_it_reads_a_parameter_by_name() -> None:
    assert parse_expression("param('adult')") == Param("adult")


def test_it_accepts_conditions_spread_over_lines() -> None:
    assert run("age >= 16\n  and age <= 59", age=30) is True


def test_it_lists_the_names_and_parameters_an_expression_reads() -> None:
    expr = parse_expression(
        "between(age, param('working_age')) and selected(health.rehab, 8)"
        " or answered(basic.name)"
    )

    assert referenced_names(expr) == {"age", "health.rehab", "basic.name"}
    assert referenced_params(expr) == {"working_age"}


@pytest.mark.parametrize(
    "text",
    [
        "not (age >= 16)",
        "a - (b - c)",
        "(a or b) and c",
        "a or (b or c)",
        "-(a + 1) * 2 / b",
        "(a == b) == True",
        "x not in ('甲', 'b')",
        "between(age, 1, 2) and coalesce(a, 0) > len(t)",
    ],
)
def test_it_prints_an_expression_back_to_the_same_tree(text: str) -> None:
    expr = parse_expression(text)

    assert parse_expression(unparse(expr)) == expr


@pytest.mark.parametrize(
    ("text", "column", "fragment"),
    [
        ("", None, "表达式为空"),
        ("age >= >= 1", 8, "语法有误"),
        ("'年龄' == == a", 9, "语法有误"),
        ("'未完", 1, "引号"),
        ("(age > 1", 1, "括号"),
        ("a[1] == 2", 1, "不支持"),
        ("__import__('os')", 1, "只能调用这些函数"),
        ("a is None", 6, "missing(x)"),
        ("None", 1, "missing(x)"),
        ("x in y", 6, "常量列表"),
        ("x in ()", 6, "不能为空"),
        ("x in (a, 1)", 7, "只能包含常量"),
        ("a ** 2", 1, "+ - * /"),
        ("年龄 > 1", 1, "英文字母"),
        ("a if b else c", 1, "不支持"),
        ("lambda: 1", 1, "不支持"),
        ("answered(a, b)", 1, "1 个参数"),
        ("answered(x=a)", 1, "名称=值"),
        ("selected(1, 2)", 1, "多选项目"),
        ("selected(m, 'a')", 1, "整数代码"),
        ("between(a, 1)", 1, "区间参数"),
        ("param(name)", 7, "参数名"),
        ("answered", 1, "括号"),
        ("a.b().c", 1, "点号"),
        ("x == 1j", 6, "不支持"),
    ],
)
def test_it_explains_where_and_why_a_text_does_not_parse(
    text: str, column: int | None, fragment: str
) -> None:
    with pytest.raises(ParseError) as caught:
        parse_expression(text)

    assert caught.value.column == column
    assert fragment in str(caught.value)


def test_it_counts_positions_in_characters_not_bytes() -> None:
    text = "x == '残疾' and ** y"
    with pytest.raises(ParseError) as caught:
        parse_expression(text)

    assert caught.value.offset == text.index("**")


def test_it_never_touches_python_attributes() -> None:
    expr = parse_expression("a.__class__ == 1")

    assert referenced_names(expr) == {"a.__class__"}
    assert evaluate(expr, {}) is None


# Missing values: three-valued logic, as in SQL

T, F, M = True, False, None

AND_TABLE = [
    (T, T, T),
    (T, F, F),
    (T, M, M),
    (F, T, F),
    (F, F, F),
    (F, M, F),
    (M, T, M),
    (M, F, F),
    (M, M, M),
]
OR_TABLE = [
    (T, T, T),
    (T, F, T),
    (T, M, T),
    (F, T, T),
    (F, F, F),
    (F, M, M),
    (M, T, T),
    (M, F, M),
    (M, M, M),
]


def as_condition(value: bool | None) -> int | None:
    """A value of ``x`` that makes ``x == 1`` True, False or missing."""
    return None if value is None else (1 if value else 0)


@pytest.mark.parametrize(("a", "b", "expected"), AND_TABLE)
def test_it_combines_with_and_like_sql(
    a: bool | None, b: bool | None, expected: bool | None
) -> None:
    assert run("x == 1 and y == 1", x=as_condition(a), y=as_condition(b)) is expected


@pytest.mark.parametrize(("a", "b", "expected"), OR_TABLE)
def test_it_combines_with_or_like_sql(
    a: bool | None, b: bool | None, expected: bool | None
) -> None:
    assert run("x == 1 or y == 1", x=as_condition(a), y=as_condition(b)) is expected


@pytest.mark.parametrize(("a", "expected"), [(T, F), (F, T), (M, M)])
def test_it_negates_like_sql(a: bool | None, expected: bool | None) -> None:
    assert run("not x == 1", x=as_condition(a)) is expected


@pytest.mark.parametrize(
    "text",
    [
        "age >= 16",
        "age == age",
        "age + 1 > 0",
        "-age < 0",
        "age in (1, 2)",
        "age not in (1, 2)",
        "between(age, 1, 100)",
        "between(age, param('working_age'))",
        "len(t) > 0",
        "selected(m, 1)",
        "count_selected(m) > 0",
    ],
)
def test_it_makes_anything_that_reads_a_missing_value_missing(text: str) -> None:
    assert run(text) is None
    assert truthy(run(text)) is False


def test_it_treats_blank_text_as_missing() -> None:
    for blank in ("", " ", "\t\u3000"):
        assert run("missing(t)", t=blank) is True
        assert run("t == ''", t=blank) is None


def test_it_treats_an_empty_multi_select_answer_as_missing() -> None:
    assert run("answered(m)", m=[]) is False
    assert run("answered(m)", m=[3]) is True


def test_it_never_makes_answered_or_missing_missing() -> None:
    assert run("answered(age)") is False
    assert run("missing(age)") is True
    assert run("missing(age + 1)") is True
    assert run("missing(age) or age >= 16") is True


def test_it_makes_division_by_zero_missing() -> None:
    assert run("a / b", a=1, b=0) is None
    assert run("a / b", a=1, b=4) == Decimal("0.25")


def test_it_reads_between_as_two_comparisons() -> None:
    # SQL: 5 BETWEEN NULL AND 3 is (5 >= NULL) AND (5 <= 3), which is false.
    assert run("between(x, lo, hi)", x=5, lo=None, hi=3) is False
    assert run("between(x, lo, hi)", x=2, lo=None, hi=3) is None
    assert run("between(age, param('working_age'))", age=59) is True


def test_it_fills_a_default_with_coalesce() -> None:
    assert run("coalesce(a, b, 7)", a=None, b=None) == 7
    assert run("coalesce(a, 0) >= 16", a=None) is False


def test_it_counts_and_checks_ticked_options() -> None:
    assert run("count_selected(m)", m=[1, 3]) == 2
    assert run("selected(m, 3)", m=(1, 3)) is True
    assert run("selected(m, 2)", m={1, 3}) is False


# FC-25: "家庭人口数 ≥ 持证人数" with 家庭人口数 blank, space, zero or missing

FC25_INPUTS = ["", " ", 0, None]


@pytest.mark.parametrize(
    ("size", "result", "is_answered"),
    [("", None, False), (" ", None, False), (0, False, True), (None, None, False)],
)
def test_it_treats_blank_space_and_none_alike_but_zero_as_a_number(
    size: object, result: bool | None, is_answered: bool
) -> None:
    values = {"household.size": size, "household.certified": 1}

    check = parse_expression("household.size >= household.certified")
    assert evaluate(check, values) is result
    assert truthy(evaluate(check, values)) is False
    assert evaluate(parse_expression("answered(household.size)"), values) is (
        is_answered
    )


@pytest.mark.parametrize("size", FC25_INPUTS)
def test_it_lets_a_rule_choose_its_strategy_for_missing_counts(size: object) -> None:
    values = {"household.size": size, "household.certified": 1}
    as_zero = parse_expression("coalesce(household.size, 0) >= household.certified")
    skip_if_missing = parse_expression(
        "missing(household.size) or household.size >= household.certified"
    )

    assert evaluate(as_zero, values) is False
    assert evaluate(skip_if_missing, values) is (size != 0)


# Type errors at run time


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("a == 'x'", {"a": 1}),
        ("a + 1", {"a": "x"}),
        ("a and b", {"a": 1, "b": 2}),
        ("len(a)", {"a": 1}),
        ("selected(a, 1)", {"a": 1}),
        ("param('working_age') > 1", {}),
        ("between(a, param('adult'))", {"a": 1}),
        ("param('nothing') > 1", {}),
        ("a > 1", {"a": object()}),
    ],
)
def test_it_refuses_values_of_the_wrong_kind(
    text: str, values: dict[str, object]
) -> None:
    with pytest.raises(EvaluationError):
        evaluate(parse_expression(text), values, PARAMS)


# Static types

TYPES = {
    "basic.hukou_type": NameType(ValueKind.CODE, frozenset({1, 2})),
    "health.rehab": NameType(ValueKind.MULTI, frozenset({1, 2, 8})),
    "age": NameType(ValueKind.NUMBER),
    "basic.name": NameType(ValueKind.TEXT),
    "footer.fill_date": NameType(ValueKind.DATE),
}


def issues(text: str) -> list[str]:
    found = check_types(parse_expression(text), TYPES, params=PARAMS)
    return [issue.message for issue in found]


@pytest.mark.parametrize(
    "text",
    [
        "basic.hukou_type == 1 and age >= 16",
        "basic.hukou_type in (1, 2)",
        "basic.hukou_type > 1",
        "selected(health.rehab, 8) or count_selected(health.rehab) > 2",
        "len(basic.name) <= 50 and basic.name != 'x'",
        "between(age, param('working_age')) and age >= param('adult')",
        "missing(footer.fill_date) or footer.fill_date == footer.fill_date",
        "coalesce(age, 0) >= 0",
    ],
)
def test_it_accepts_well_typed_conditions(text: str) -> None:
    assert issues(text) == []


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("basic.hukou_type == '1'", "不能与文本"),
        ("basic.hukou_type == 3", "没有代码 3"),
        ("basic.hukou_type not in (1, 5)", "没有代码 5"),
        ("selected(health.rehab, 9)", "没有选项 9"),
        ("selected(age, 1)", "需要多选"),
        ("health.rehab == 1", "selected()"),
        ("len(age) > 1", "需要文本"),
        ("age + basic.name > 1", "不能做算术运算"),
        ("age == basic.name", "不能比较"),
        ("age and True", "不是条件"),
        ("age + 1", "必须是条件"),
        ("nobody == 1", "未知的名称 nobody"),
        ("age > param('nothing')", "未定义的参数 nothing"),
        ("between(age, param('adult'))", "不是区间参数"),
        ("age > param('working_age')", "不能比较"),
        ("True < False", "不能比较"),
    ],
)
def test_it_flags_knowable_type_errors(text: str, fragment: str) -> None:
    found = issues(text)

    assert found
    assert any(fragment in message for message in found), found
