"""Property tests: the parser and the evaluator never fail unexpectedly."""

from __future__ import annotations

import contextlib

from hypothesis import given
from hypothesis import strategies as st

from dtgx.questionnaires.definitions import ItemType, Questionnaire
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
    ParseError,
    evaluate,
    parse_expression,
    truthy,
    unparse,
)
from dtgx.questionnaires.relevance import clean_answers, relevant_items
from dtgx.questionnaires.tests.personas import community_form, person_form

NAMES = ["age", "a.b", "employment.is_employed", "x"]
GRAMMAR_ALPHABET = [
    *" ()[],.'\"=<>!+-*/%~0123456789abxy_中\n",
    "and ",
    " or ",
    "not ",
    " in ",
    "age",
    "param(",
    "selected(",
    "between(",
    "coalesce(",
    "answered(",
    "None",
    "True",
    "1.5",
    "lambda",
    "**",
]


@given(st.text(max_size=200))
def test_it_raises_only_its_own_error_on_any_text(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_expression(text)


@given(st.lists(st.sampled_from(GRAMMAR_ALPHABET), max_size=40).map("".join))
def test_it_raises_only_its_own_error_on_near_grammatical_text(text: str) -> None:
    try:
        expr = parse_expression(text)
    except ParseError:
        return
    assert parse_expression(unparse(expr)) == expr


@given(st.integers(min_value=1, max_value=3000))
def test_it_refuses_deep_nesting_with_its_own_error(depth: int) -> None:
    for text in ("not " * depth + "x", "(" * depth + "x" + ")" * depth):
        with contextlib.suppress(ParseError):
            parse_expression(text)


SMALL_INTS = st.integers(min_value=-(10**9), max_value=10**9)
MAYBE_INT = st.none() | SMALL_INTS


def numbers() -> st.SearchStrategy[Expr]:
    leaves = st.sampled_from(NAMES).map(Name) | SMALL_INTS.map(Constant)
    return st.recursive(
        leaves,
        lambda inner: (
            st.builds(Arithmetic, st.sampled_from("+-*/"), inner, inner)
            | inner.map(Negative)
            | st.tuples(inner, inner).map(lambda pair: Call("coalesce", pair))
        ),
        max_leaves=8,
    )


def conditions() -> st.SearchStrategy[Expr]:
    comparisons = (
        st.builds(
            Compare,
            st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
            numbers(),
            numbers(),
        )
        | st.builds(
            In,
            numbers(),
            st.lists(SMALL_INTS.map(Constant), min_size=1, max_size=3).map(tuple),
            st.booleans(),
        )
        | numbers().map(lambda e: Call("answered", (e,)))
        | numbers().map(lambda e: Call("missing", (e,)))
        | st.tuples(numbers(), numbers(), numbers()).map(
            lambda args: Call("between", args)
        )
        | st.booleans().map(Constant)
    )
    return st.recursive(
        comparisons,
        lambda inner: (
            inner.map(Not)
            | st.lists(inner, min_size=2, max_size=3).map(lambda ops: And(tuple(ops)))
            | st.lists(inner, min_size=2, max_size=3).map(lambda ops: Or(tuple(ops)))
        ),
        max_leaves=8,
    )


@given(conditions(), st.fixed_dictionaries(dict.fromkeys(NAMES, MAYBE_INT)))
def test_it_evaluates_any_condition_over_missing_and_integers(
    expr: Expr, values: dict[str, int | None]
) -> None:
    result = evaluate(expr, values)

    assert result is None or isinstance(result, bool)
    assert truthy(result) is (result is True)
    assert evaluate(parse_expression(unparse(expr)), values) == result


def answers_for(form: Questionnaire) -> st.SearchStrategy[dict[str, object]]:
    def answer(item_type: ItemType, codes: list[int]) -> st.SearchStrategy[object]:
        if item_type == ItemType.MULTI:
            return st.none() | st.sets(st.sampled_from([*codes, 99]))
        if item_type in (ItemType.CODE, ItemType.INTEGER):
            return MAYBE_INT | st.sampled_from(codes or [0])
        return st.none() | st.sampled_from(["", " ", "x"])

    return st.fixed_dictionaries(
        {
            item.id: answer(item.type, sorted(item.codes.codes) if item.codes else [])
            for item in form.items
        }
    )


DERIVED = st.fixed_dictionaries(
    dict.fromkeys(("age", "category", "grade", "sex", "hukou"), MAYBE_INT)
)


@given(answers_for(person_form()), DERIVED)
def test_it_applies_the_person_skip_logic_to_any_record(
    answers: dict[str, object], derived: dict[str, int | None]
) -> None:
    form = person_form()
    relevant = relevant_items(form, answers, derived)
    cleaned = clean_answers(form, answers, derived)

    assert cleaned.relevant == relevant
    assert all(cleaned.values[i] is None for i in form.item_ids - relevant)


@given(answers_for(community_form()))
def test_it_applies_the_community_skip_logic_to_any_record(
    answers: dict[str, object],
) -> None:
    cleaned = clean_answers(community_form(), answers, {})

    assert set(cleaned.values) == community_form().item_ids
