"""Conditions exported as JSON for the browser read back to the same tree,
numbers keep their exact value and kind, and each form's skip logic is
complete."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from dtgx.questionnaires.definitions import load_questionnaire
from dtgx.questionnaires.export import (
    from_json,
    skip_logic_to_json,
    to_json,
    value_from_json,
    value_to_json,
)
from dtgx.questionnaires.expressions import parse_expression


@pytest.mark.parametrize("kind", ["person", "community"])
def test_every_condition_of_the_forms_reads_back_unchanged(kind: str) -> None:
    form = load_questionnaire(kind, "2018")
    conditions = [s.relevant for s in form.sections if s.relevant]
    conditions += [i.relevant for i in form.items if i.relevant]

    for condition in conditions:
        data = json.loads(json.dumps(to_json(condition.expr)))
        assert from_json(data) == condition.expr


def test_every_kind_of_node_reads_back_unchanged() -> None:
    text = (
        "not (a.b + 2 * -x.y / 1.50 >= param('p')) or c.d in (1, 'x', True) "
        "and e.f not in (2,) and between(age, param('r')) and between(age, 1, 2) "
        "and selected(m.n, 3) and count_selected(m.n) > len(t.u) "
        "and coalesce(a.b, 0) == 0 and answered(a.b) and missing(c.d)"
    )
    expr = parse_expression(text)

    assert from_json(json.loads(json.dumps(to_json(expr)))) == expr


@pytest.mark.parametrize(
    ("value", "typed"),
    [
        (None, None),
        (True, ["bool", True]),
        (10**30, ["int", str(10**30)]),
        (Decimal("1.50"), ["decimal", "1.50"]),
        ("王", ["text", "王"]),
        (date(2025, 6, 30), ["date", "2025-06-30"]),
        (frozenset({3, 1}), ["codes", [1, 3]]),
    ],
)
def test_values_keep_their_exact_value_and_kind(value: object, typed: object) -> None:
    assert value_to_json(value) == typed  # type: ignore[arg-type]
    assert value_from_json(typed) == value


def test_the_skip_logic_lists_every_item_in_dependency_order() -> None:
    form = load_questionnaire("person", "2018")

    data = skip_logic_to_json(form)

    assert sorted(data["order"]) == sorted(form.item_ids)
    order = data["order"]
    assert order.index("employment.is_employed") < order.index("employment.form")
    assert len(data["conditions"]["employment.form"]) == 2  # section and item
    assert data["params"]["working_age"] == ["range", [["int", "16"], ["int", "59"]]]


def test_anything_else_is_refused() -> None:
    with pytest.raises(ValueError, match="not an expression node"):
        from_json({"node": "lambda"})
