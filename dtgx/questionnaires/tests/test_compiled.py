"""Compiled conditions: ``compile_expr`` agrees with ``evaluate`` on every
expression and every record, errors and short-circuits included, and the
skip logic applied with compiled conditions cleans records as before."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dtgx.demo.answers import AnswerGenerator, MistakeRates
from dtgx.questionnaires import relevance
from dtgx.questionnaires.definitions import ItemType, Questionnaire
from dtgx.questionnaires.expressions import (
    FUNCTIONS,
    And,
    Arithmetic,
    Call,
    Compare,
    Constant,
    EvaluationError,
    Expr,
    In,
    Name,
    Negative,
    Not,
    Or,
    Param,
    ParamValue,
    Value,
    compile_expr,
    evaluate,
    parse_expression,
    truthy,
)
from dtgx.questionnaires.relevance import clean_answers
from dtgx.questionnaires.tests.test_properties import NAMES as PROPERTY_NAMES
from dtgx.questionnaires.tests.test_properties import conditions
from dtgx.registry.models import Person
from dtgx.survey.models import PersonRecord, Round
from dtgx.survey.services import person_derived

NAMES = ["age", "category", "a.b", "multi", "text"]
PARAMS: dict[str, ParamValue] = {
    "n": 16,
    "d": Decimal("2.5"),
    "range": (16, 59),
    "decimal_range": (Decimal("0.5"), 3),
}
PARAM_NAMES = [*PARAMS, "unknown"]

SMALL_INTS = st.integers(min_value=-3, max_value=20)
DECIMALS = st.decimals(
    min_value=-5, max_value=25, places=1, allow_nan=False, allow_infinity=False
)
TEXTS = st.sampled_from(["", " ", "x", " x ", "中"])
CONSTANTS = st.one_of(SMALL_INTS, SMALL_INTS, st.booleans(), DECIMALS, TEXTS)
CODE_CONSTANTS = st.one_of(SMALL_INTS, SMALL_INTS, SMALL_INTS, CONSTANTS).map(Constant)


def expressions() -> st.SearchStrategy[Expr]:
    """Any tree of the node classes, including ones the type checker (or
    the parser) would refuse, so that errors are compared too."""
    leaves = (
        st.sampled_from(NAMES).map(Name)
        | CONSTANTS.map(Constant)
        | st.sampled_from(PARAM_NAMES).map(Param)
    )
    names = st.sampled_from(NAMES).map(Name)
    functions = st.sampled_from([*sorted(FUNCTIONS - {"param"}), "unknown"])

    def extend(inner: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        operands = st.lists(inner, max_size=3).map(tuple)
        return st.one_of(
            inner.map(Not),
            inner.map(Negative),
            operands.map(And),
            operands.map(Or),
            st.builds(Compare, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
                      inner, inner),
            st.builds(
                In, inner, st.lists(CODE_CONSTANTS, max_size=3).map(tuple),
                st.booleans(),
            ),
            st.builds(Arithmetic, st.sampled_from("+-*/"), inner, inner),
            st.builds(Call, functions, operands),
            st.builds(
                lambda name, code: Call("selected", (name, Constant(code))),
                names, SMALL_INTS,
            ),
            names.map(lambda name: Call("count_selected", (name,))),
            st.builds(
                lambda value, name: Call("between", (value, Param(name))),
                inner, st.sampled_from(PARAM_NAMES),
            ),
            st.builds(lambda *args: Call("between", args), inner, inner, inner),
        )  # fmt: skip

    return st.recursive(leaves, extend, max_leaves=12)


RAW_VALUES = st.one_of(
    st.none(),
    SMALL_INTS,
    SMALL_INTS,
    st.booleans(),
    DECIMALS,
    st.floats(min_value=-5, max_value=25, allow_nan=False),
    TEXTS,
    st.sampled_from([date(2025, 6, 30), date(1990, 1, 1)]),
    st.frozensets(st.integers(min_value=1, max_value=4), max_size=3),
    st.lists(st.integers(min_value=1, max_value=4), max_size=3),
    st.sampled_from([["x"], Decimal("NaN"), object()]),  # unusable: raise
)
VALUES = st.dictionaries(st.sampled_from(NAMES), RAW_VALUES)


def _outcome(run: object, *args: object) -> tuple[object, ...]:
    """What a call gives: its value (with its exact type, so that ``1`` and
    ``True`` differ) or the class and message of what it raises."""
    assert callable(run)
    try:
        value = run(*args)
    except EvaluationError as error:
        return ("raises", type(error), str(error))
    except (IndexError, TypeError) as error:  # trees the parser never makes
        return ("raises", type(error), str(error))
    return ("value", type(value), repr(value))


@settings(
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(expressions(), VALUES, st.booleans())
def test_compiled_expressions_agree_with_evaluate(
    expr: Expr, values: dict[str, object], with_params: bool
) -> None:
    params = PARAMS if with_params else None
    compiled = compile_expr(expr, params)  # compiling never raises

    assert _outcome(compiled, values) == _outcome(evaluate, expr, values, params)
    assert _outcome(compiled, values) == _outcome(compiled, values)  # reusable


@settings(max_examples=1500, deadline=None)
@given(
    conditions(),
    st.dictionaries(st.sampled_from(PROPERTY_NAMES), st.none() | SMALL_INTS),
)
def test_compiled_well_typed_conditions_agree_with_evaluate(
    expr: Expr, values: dict[str, int | None]
) -> None:
    assert _outcome(compile_expr(expr), values) == _outcome(evaluate, expr, values)


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        # Nothing after a False (and) or a True (or) is evaluated: the
        # second operand would raise.
        ("x == 1 and not 5", {"x": 2}, False),
        ("x == 1 or param('nope') > 1", {"x": 1}, True),
        ("missing(x) and x + 'a' > 1", {"x": 3}, False),
        ("coalesce(x, param('nope')) == 1", {"x": 1}, True),
        # Missing operands do not stop the evaluation.
        ("x == 1 and y == 2", {"y": 2}, None),
        ("x == 1 or y == 2", {"y": 3}, None),
        ("between(age, param('range'))", {"age": 16}, True),
        ("between(age, param('range'))", {"age": " 60 "}, "raises"),
        ("between(age, param('range'))", {"age": Decimal("59.5")}, False),
        ("between(age, param('range'))", {}, None),
        ("x in (1, 2)", {"x": True}, "raises"),
        ("x not in (1, 2)", {"x": 3.0}, True),
        ("x >= param('n')", {"x": 16}, True),
        ("x >= param('range')", {"x": 16}, "raises"),
        ("between(x, param('n'))", {"x": 16}, "raises"),
        ("x >= param('nope')", {}, "raises"),
        ("x == 1 and not 5", {"x": 1}, "raises"),
        ("x > 'a'", {"x": 1}, "raises"),
        ("selected(m, 2)", {"m": [2, 3]}, True),
        ("selected(m, 2)", {"m": []}, None),
        ("count_selected(m) == 2", {"m": {2, 3}}, True),
    ],
)
def test_compiled_conditions_short_circuit_and_raise_like_evaluate(
    text: str, values: dict[str, object], expected: object
) -> None:
    expr = parse_expression(text)
    params: dict[str, ParamValue] = {"n": 16, "range": (16, 59)}
    compiled = compile_expr(expr, params)

    if expected == "raises":
        with pytest.raises(EvaluationError) as compiled_error:
            compiled(values)
        with pytest.raises(EvaluationError) as evaluated_error:
            evaluate(expr, values, params)
        assert str(compiled_error.value) == str(evaluated_error.value)
    else:
        assert compiled(values) is expected
        assert evaluate(expr, values, params) is expected


def test_a_form_compiles_its_conditions_once() -> None:
    form = PersonRecord.questionnaire()

    assert form.compiled_relevance is form.compiled_relevance
    assert [item for item, _ in form.compiled_relevance] == list(form.relevance_order)
    counts = [len(conditions) for _, conditions in form.compiled_relevance]
    assert counts == [len(form.conditions_of(i)) for i in form.relevance_order]


# --- Whole records ------------------------------------------------------------


def _evaluated_resolve(
    questionnaire: Questionnaire,
    answers: Mapping[str, Value],
    derived: Mapping[str, object],
) -> set[str]:
    """The skip logic as it was before compiling: ``evaluate`` on the tree."""
    visible: dict[str, object] = {**derived, **answers}
    relevant: set[str] = set()
    for item_id in questionnaire.relevance_order:
        conditions = questionnaire.conditions_of(item_id)
        if all(
            truthy(evaluate(c.expr, visible, questionnaire.params)) for c in conditions
        ):
            relevant.add(item_id)
        else:
            visible[item_id] = None
    return relevant


def _records(count: int) -> list[tuple[dict[str, object], dict[str, object]]]:
    """Realistic answers of ``count`` holders of every age, kind and
    hukou, then shaken: gate items (status, institution, employment ...)
    changed, answers given to skipped items, unknown codes, ages made
    missing."""
    form = PersonRecord.questionnaire()
    round = Round(year=2025, reference_date=date(2025, 6, 30))
    generator = AnswerGenerator(seed=11, rates=MistakeRates(odd_answer=0.05))
    rng = random.Random(11)
    coded = [
        item for item in form.items if item.type in (ItemType.CODE, ItemType.MULTI)
    ]
    records = []
    for n in range(count):
        birth = date(1935 + rng.randrange(90), 1 + rng.randrange(12), 1 + n % 28)
        id_number = f"430821{birth:%Y%m%d}{n:03d}{n % 10}"
        person = Person(
            id_number=id_number,
            certificate_number=f"{id_number}4{rng.choice('12')}"[: 18 + n % 3],
            name=f"持证人{n}",
            sex=1 + n % 2,
            birth_date=birth,
            category=1 + rng.randrange(7),
            grade=1 + rng.randrange(4),
            hukou_type=rng.choice([1, 2, None]),
        )
        answers = dict(generator.person(person, round, "李采集").answers)
        derived = person_derived(person, round)
        for _ in range(rng.randrange(4)):
            item = rng.choice(coded)
            codes = sorted(item.codes.codes) if item.codes else [1]
            code = rng.choice([*codes, None, 99])  # 99: an unknown code
            multi = item.type == ItemType.MULTI and code is not None
            answers[item.id] = [code] if multi else code
        if n % 2:
            answers["header.person_status"] = rng.choice([1, 6, 6, 6])
        if n % 10 == 0:
            derived["age"] = None
        records.append((answers, derived))
    return records


def test_compiled_skip_logic_cleans_records_as_evaluate_did(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    form = PersonRecord.questionnaire()
    records = _records(400)

    cleaned = [clean_answers(form, answers, derived) for answers, derived in records]
    monkeypatch.setattr(relevance, "_resolve", _evaluated_resolve)
    expected = [clean_answers(form, answers, derived) for answers, derived in records]

    assert cleaned == expected
    # The records exercise the skip logic: items skipped and answers cleared.
    assert len({c.relevant for c in cleaned}) > 50
    assert sum(bool(c.cleared) for c in cleaned) > 50
    assert sum(bool(c.problems) for c in cleaned) > 10
