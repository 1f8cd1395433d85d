"""Parsed conditions as JSON data, for evaluators outside Python.

The entry screen evaluates the skip logic in the browser with
``dtgx/survey/static/survey/expressions.js``, which reads the trees written
here. The encoding is exact: numbers travel as text, so that an integer of
any size and a decimal keep their value and their kind (``int`` and
``Decimal`` behave differently in arithmetic).

A value is ``null`` (missing) or a pair ``[type, data]``::

    ["int", "16"]   ["decimal", "1.50"]   ["text", "王"]   ["bool", true]
    ["date", "2025-06-30"]   ["codes", [1, 3]]   ["range", [v, v]]

A node is an object whose ``node`` names its class in ``expressions``::

    {"node": "constant", "value": ["int", "2"]}
    {"node": "name", "id": "basic.lives_in_institution"}
    {"node": "param", "name": "working_age"}
    {"node": "not" | "negative", "operand": node}
    {"node": "and" | "or", "operands": [node, ...]}
    {"node": "compare" | "arithmetic", "op": "==", "left": node, "right": node}
    {"node": "in", "operand": node, "choices": [node, ...], "negated": false}
    {"node": "call", "function": "between", "args": [node, ...]}

``from_json`` reads the same data back; ``from_json(to_json(e)) == e``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, TypeAlias, assert_never

from dtgx.questionnaires.definitions import Questionnaire
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
    ParamValue,
    Value,
)

Json: TypeAlias = Any  # what ``json.dumps`` accepts


def to_json(expr: Expr) -> dict[str, Json]:
    """``expr`` as JSON data (see the module docstring)."""
    match expr:
        case Constant(value=value):
            return {"node": "constant", "value": value_to_json(value)}
        case Name(id=name):
            return {"node": "name", "id": name}
        case Param(name=name):
            return {"node": "param", "name": name}
        case Not(operand=operand) | Negative(operand=operand):
            kind = "not" if isinstance(expr, Not) else "negative"
            return {"node": kind, "operand": to_json(operand)}
        case And(operands=operands) | Or(operands=operands):
            kind = "and" if isinstance(expr, And) else "or"
            return {"node": kind, "operands": [to_json(o) for o in operands]}
        case (
            Compare(op=op, left=left, right=right)
            | Arithmetic(op=op, left=left, right=right)
        ):
            kind = "compare" if isinstance(expr, Compare) else "arithmetic"
            return {
                "node": kind,
                "op": op,
                "left": to_json(left),
                "right": to_json(right),
            }
        case In(operand=operand, choices=choices, negated=negated):
            return {
                "node": "in",
                "operand": to_json(operand),
                "choices": [to_json(choice) for choice in choices],
                "negated": negated,
            }
        case Call(function=function, args=args):
            return {
                "node": "call",
                "function": function,
                "args": [to_json(a) for a in args],
            }
    assert_never(expr)


def value_to_json(value: Value | tuple[Value, Value]) -> Json:
    """A value (or a range parameter) as a typed pair; ``None`` as null."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        return ["int", str(value)]
    if isinstance(value, Decimal):
        return ["decimal", str(value)]
    if isinstance(value, str):
        return ["text", value]
    if isinstance(value, date):
        return ["date", value.isoformat()]
    if isinstance(value, frozenset):
        return ["codes", sorted(value)]
    return ["range", [value_to_json(value[0]), value_to_json(value[1])]]


def params_to_json(params: Mapping[str, ParamValue]) -> dict[str, Json]:
    return {name: value_to_json(value) for name, value in params.items()}


def skip_logic_to_json(questionnaire: Questionnaire) -> dict[str, Json]:
    """What an evaluator needs to decide which items apply: the order to
    decide them in, each item's conditions (its section's, then its own)
    and the form parameters."""
    return {
        "order": list(questionnaire.relevance_order),
        "conditions": {
            item.id: [to_json(c.expr) for c in questionnaire.conditions_of(item.id)]
            for item in questionnaire.items
        },
        "params": params_to_json(questionnaire.params),
    }


# --- reading back -------------------------------------------------------------


def from_json(data: Json) -> Expr:
    """The tree that ``to_json`` wrote; ``ValueError`` for anything else."""
    kind = data.get("node") if isinstance(data, dict) else None
    reader = _READERS.get(kind) if isinstance(kind, str) else None
    if reader is None:
        raise ValueError(f"not an expression node: {data!r:.80}")
    return reader(data)


def _constant(data: dict[str, Json]) -> Expr:
    value = value_from_json(data["value"])
    if isinstance(value, bool | int | Decimal | str):
        return Constant(value)
    raise ValueError(f"not a constant: {data!r:.80}")


def _choices(data: dict[str, Json]) -> tuple[Constant, ...]:
    choices = tuple(from_json(choice) for choice in data["choices"])
    if not all(isinstance(choice, Constant) for choice in choices):
        raise ValueError("in() lists constants only")
    return tuple(c for c in choices if isinstance(c, Constant))


_READERS: dict[str, Callable[[dict[str, Json]], Expr]] = {
    "constant": _constant,
    "name": lambda d: Name(d["id"]),
    "param": lambda d: Param(d["name"]),
    "not": lambda d: Not(from_json(d["operand"])),
    "negative": lambda d: Negative(from_json(d["operand"])),
    "and": lambda d: And(tuple(from_json(o) for o in d["operands"])),
    "or": lambda d: Or(tuple(from_json(o) for o in d["operands"])),
    "compare": lambda d: Compare(d["op"], from_json(d["left"]), from_json(d["right"])),
    "arithmetic": lambda d: Arithmetic(
        d["op"], from_json(d["left"]), from_json(d["right"])
    ),
    "in": lambda d: In(from_json(d["operand"]), _choices(d), negated=d["negated"]),
    "call": lambda d: Call(d["function"], tuple(from_json(a) for a in d["args"])),
}


def value_from_json(data: Json) -> Value:
    """The value of a typed pair written by ``value_to_json`` (not a range)."""
    if data is None:
        return None
    kind, payload = data
    if kind == "bool" and isinstance(payload, bool):
        return payload
    if kind == "int":
        return int(payload)
    if kind == "decimal":
        return Decimal(payload)
    if kind == "text" and isinstance(payload, str):
        return payload
    if kind == "date":
        return date.fromisoformat(payload)
    if kind == "codes":
        return frozenset(int(code) for code in payload)
    raise ValueError(f"not a value: {data!r:.80}")
