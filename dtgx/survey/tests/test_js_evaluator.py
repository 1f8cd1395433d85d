"""The browser's evaluator (static/survey/expressions.js) agrees with the
Python one on every case: generated expressions over generated values,
every condition of both forms, and whole-form skip logic.

The cases are written to a JSON file, run once through node, and each
result is compared in a canonical text form: the value and its kind
(``int:3`` is not ``decimal:3e0``), ``null`` for missing, ``error`` for a
type error.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from dtgx.questionnaires.definitions import (
    ItemType,
    Questionnaire,
    load_questionnaire,
)
from dtgx.questionnaires.export import (
    params_to_json,
    skip_logic_to_json,
    to_json,
    value_to_json,
)
from dtgx.questionnaires.expressions import (
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
    ParseError,
    Value,
    evaluate,
    parse_expression,
    referenced_names,
    unparse,
)
from dtgx.questionnaires.relevance import relevant_items

NODE = shutil.which("node")
RUNNER = Path(__file__).parent / "js" / "run_cases.js"
CASES = 4000
SEED = 20250630

pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed: the JS evaluator cannot run"
)

PARAMS: dict[str, ParamValue] = {
    "p_int": 16,
    "p_dec": Decimal("2.5"),
    "p_range": (16, 59),
    "p_range_dec": (Decimal("0.5"), 10),
}
OPS = ("==", "!=", "<", "<=", ">", ">=")
TEXTS: tuple[str, ...] = (
    "",
    "  ",
    "a",
    " a ",
    "B",
    "王",
    "王建国",
    "\u3000王\u3000",
    "\x1c",
    "\ufeff",
)
TEXTS += ("𠀀", "\uffff", "ab")
DECIMALS: tuple[str, ...] = ("1.5", "-0.1", "0.3", "0.1", "2.50", "1E+2", "0.001", "7")
DECIMALS += ("123456789012345678901234567890.5", "3.333333333333333333333333333")
# 29 digits ending in 5: adding zero rounds half to even, up or down.
DECIMALS += ("1234567890123456789012345678.5", "1234567890123456789012345677.5")
# Cases every run includes, whatever the generator draws.
PINNED = (
    "v.amount + 0",
    "v.amount * 1",
    "-v.amount",
    "v.count / 3",
    "v.count / 7 * 7 == v.count",
    "1 / 3 * 3 == 1",
    "0.1 + 0.2 == 0.3",
    "v.amount / v.other",
    "len(v.text)",
    "v.text < '王'",
    "v.multi",
    "coalesce(v.text, v.count)",
    "between(v.count, param('p_range_dec'))",
    "v.flag == True or v.count > 3",
    "not (v.count >= 16) and missing(v.day)",
)
DATES = (date(2025, 6, 30), date(2018, 1, 1), date(2025, 7, 1))


# --- canonical results ---------------------------------------------------------


def canonical(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"bool:{'true' if value else 'false'}"
    if isinstance(value, int):
        return f"int:{value}"
    if isinstance(value, Decimal):
        return "decimal:" + _decimal_text(value)
    if isinstance(value, str):
        return f"text:{value}"
    if isinstance(value, date):
        return f"date:{value.isoformat()}"
    return "codes:" + ",".join(str(code) for code in sorted(value))


def _decimal_text(value: Decimal) -> str:
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    coefficient = int("".join(map(str, digits)) or "0")
    if coefficient == 0:
        return "0"
    while coefficient % 10 == 0:
        coefficient //= 10
        exponent += 1
    return f"{'-' if sign else ''}{coefficient}e{exponent}"


def python_result(tree: Expr, values: dict[str, object]) -> str:
    try:
        return canonical(evaluate(tree, values, PARAMS))
    except EvaluationError:
        return "error"


def raw_to_json(value: object) -> Any:
    """A value as handed to the evaluators; lists stay raw (bad codes too)."""
    if isinstance(value, list):
        return ["codes", value]
    assert value is None or isinstance(value, bool | int | Decimal | str | date)
    return value_to_json(value)


# --- generated expressions -------------------------------------------------------


class Generator:
    """Random expression trees: mostly well typed, sometimes not (those
    must raise in both evaluators), over names of every kind."""

    NAMES = {
        "number": ("v.count", "v.other", "v.amount"),
        "text": ("v.text",),
        "date": ("v.day", "v.later"),
        "bool": ("v.flag",),
        "multi": ("v.multi",),
    }

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def any(self, depth: int) -> Expr:
        kind = self.rng.choice(["bool", "number", "text", "date", "multi"])
        return self.of(kind, depth)

    def of(self, kind: str, depth: int) -> Expr:
        if self.rng.random() < 0.04:
            kind = self.rng.choice(["bool", "number", "text", "date", "multi"])
        maker: Callable[[int], Expr] = {
            "bool": self.condition,
            "number": self.number,
            "text": self.text,
            "date": lambda d: Name(self.rng.choice(self.NAMES["date"])),
            "multi": lambda d: Name("v.multi"),
        }[kind]
        return maker(depth)

    def condition(self, depth: int) -> Expr:
        r = self.rng
        if depth <= 0:
            return r.choice(
                [Name("v.flag"), Constant(r.choice([True, False])), self.presence(0)]
            )
        makers: list[Callable[[], Expr]] = [
            lambda: Compare(r.choice(OPS), self.number(depth - 1), self.number(0)),
            lambda: Compare(r.choice(OPS), self.text(0), self.text(0)),
            lambda: Compare(r.choice(OPS), self.of("date", 0), self.of("date", 0)),
            lambda: Compare(r.choice(("==", "!=")), Name("v.flag"), self.any(0)),
            lambda: self.membership(depth),
            lambda: And(
                tuple(self.condition(depth - 1) for _ in range(r.randint(2, 3)))
            ),
            lambda: Or(
                tuple(self.condition(depth - 1) for _ in range(r.randint(2, 3)))
            ),
            lambda: Not(self.condition(depth - 1)),
            lambda: self.presence(depth),
            lambda: Call("selected", (Name("v.multi"), Constant(r.randint(0, 7)))),
            lambda: self.between(depth),
            lambda: Call("coalesce", (self.condition(0), self.condition(0))),
        ]
        return r.choice(makers)()

    def presence(self, depth: int) -> Expr:
        function = self.rng.choice(["answered", "missing"])
        return Call(function, (self.any(max(depth - 1, 0)),))

    def membership(self, depth: int) -> Expr:
        r = self.rng
        operand = self.of(r.choice(["number", "text"]), depth - 1)
        pool: list[bool | int | Decimal | str] = [
            r.randint(-2, 8) for _ in range(r.randint(1, 3))
        ]
        odd: list[bool | int | Decimal | str] = ["a", Decimal("1.5"), True, "王"]
        if r.random() < 0.3:
            pool.append(r.choice(odd))
        choices = tuple(Constant(v) for v in pool)
        return In(operand, choices, negated=r.random() < 0.3)

    def between(self, depth: int) -> Expr:
        r = self.rng
        value = self.number(depth - 1)
        if r.random() < 0.4:
            name = r.choice(["p_range", "p_range_dec", "p_int", "p_nope"])
            return Call("between", (value, Param(name)))
        return Call("between", (value, self.number(0), self.number(0)))

    def number(self, depth: int) -> Expr:
        r = self.rng
        leaves: list[Callable[[], Expr]] = [
            lambda: Name(r.choice(self.NAMES["number"])),
            lambda: Constant(r.randint(-3, 60)),
            lambda: Constant(Decimal(r.choice(DECIMALS))),
            lambda: Param(r.choice(["p_int", "p_dec", "p_range", "p_nope"])),
        ]
        if depth <= 0:
            return r.choice(leaves)()
        makers: list[Callable[[], Expr]] = [
            *leaves,
            lambda: Arithmetic(
                r.choice("+-*/"), self.number(depth - 1), self.number(depth - 1)
            ),
            lambda: Negative(self.number(depth - 1)),
            lambda: Call("coalesce", (self.number(depth - 1), self.number(0))),
            lambda: Call("len", (self.text(0),)),
            lambda: Call("count_selected", (Name("v.multi"),)),
        ]
        return r.choice(makers)()

    def text(self, depth: int) -> Expr:
        r = self.rng
        if r.random() < 0.5:
            return Name("v.text")
        return Constant(r.choice(TEXTS))

    def values(self) -> dict[str, object]:
        r = self.rng
        found: dict[str, object] = {}
        for kind, names in self.NAMES.items():
            for name in names:
                roll = r.random()
                if roll < 0.2:
                    continue  # absent
                found[name] = (
                    self.value_of(kind) if roll < 0.9 else self.value_of("number")
                )
        if r.random() < 0.1:
            found["v.text"] = r.choice([5, ["x"], True])
        return found

    def value_of(self, kind: str) -> object:
        r = self.rng
        if kind == "number":
            return r.choice(
                [
                    r.randint(-5, 70),
                    r.randint(-5, 70),
                    0,
                    10**30 + 7,
                    Decimal(r.choice(DECIMALS)),
                    Decimal("0"),
                ]
            )
        if kind == "text":
            return r.choice(TEXTS)
        if kind == "date":
            return r.choice(DATES)
        if kind == "bool":
            return r.choice([True, False])
        codes = r.sample(range(1, 7), r.randint(0, 3))
        return [*codes, "a"] if r.random() < 0.05 else codes


def parsed(tree: Expr) -> Expr | None:
    """The tree as the parser builds it from its text (constants folded),
    or ``None`` for a tree the language cannot write."""
    try:
        return parse_expression(unparse(tree))
    except ParseError:
        return None


def generated_cases(rng: random.Random) -> list[tuple[Expr, dict[str, object]]]:
    generator = Generator(rng)
    cases = [
        (parse_expression(text), generator.values())
        for text in PINNED
        for _ in range(40)
    ]
    while len(cases) < CASES:
        depth = rng.randint(1, 4)
        # Mostly conditions; some numbers, whose exact value is compared.
        top = generator.number(depth) if rng.random() < 0.25 else None
        tree = parsed(top or generator.condition(depth))
        if tree is not None:
            cases.append((tree, generator.values()))
    return cases


# --- the forms' own conditions and skip logic ------------------------------------


def form_value(form: Questionnaire, name: str, rng: random.Random) -> object:
    """A random value of the kind the form gives ``name`` (or ``None``)."""
    if rng.random() < 0.2:
        return None
    kinds = {d.id: (d.type, d.codes) for d in form.derived}
    kinds |= {item.id: (item.type, item.codes) for item in form.items}
    item_type, codes = kinds[name]
    if name == "header.person_status" and rng.random() < 0.7:
        return 6
    if name == "age":
        return rng.choice([2, 5, 6, 10, 14, 15, 16, 17, 20, 30, 59, 60, 80])
    options = sorted(codes.codes) if codes else []
    if item_type == ItemType.CODE:
        return rng.choice(options)
    if item_type == ItemType.MULTI:
        return rng.sample(options, rng.randint(1, min(3, len(options))))
    if item_type in (ItemType.INTEGER, ItemType.DECIMAL):
        return rng.choice([0, 1, 3, 12])
    if item_type == ItemType.DATE:
        return rng.choice(DATES)
    return rng.choice(["王建国", "430821199501010011"])


def form_condition_cases(
    forms: dict[str, Questionnaire], rng: random.Random
) -> list[tuple[Expr, dict[str, object]]]:
    cases: list[tuple[Expr, dict[str, object]]] = []
    for form in forms.values():
        conditions = [s.relevant for s in form.sections if s.relevant]
        conditions += [i.relevant for i in form.items if i.relevant]
        for condition in conditions:
            names = sorted(referenced_names(condition.expr))
            for _ in range(25):
                values = {n: form_value(form, n, rng) for n in names}
                cases.append((condition.expr, values))
    return cases


def relevance_cases(
    forms: dict[str, Questionnaire], rng: random.Random
) -> list[tuple[str, dict[str, object], dict[str, object]]]:
    cases = []
    for kind, form in forms.items():
        for _ in range(250):
            answers = {item.id: form_value(form, item.id, rng) for item in form.items}
            derived = {d.id: form_value(form, d.id, rng) for d in form.derived}
            cases.append((kind, answers, derived))
    return cases


# --- the test ------------------------------------------------------------------


def run_node(payload: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    cases_file = tmp_path / "cases.json"
    cases_file.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    assert NODE is not None
    completed = subprocess.run(  # noqa: S603 - fixed program and arguments
        [NODE, str(RUNNER), str(cases_file)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


def test_the_browser_evaluator_agrees_with_python(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    forms = {kind: load_questionnaire(kind, "2018") for kind in ("person", "community")}
    expressions = generated_cases(rng) + form_condition_cases(forms, rng)
    relevance = relevance_cases(forms, rng)
    payload = {
        "params": params_to_json(PARAMS),
        "forms": {kind: skip_logic_to_json(form) for kind, form in forms.items()},
        "expressions": [
            {
                "tree": to_json(tree),
                "values": {n: raw_to_json(v) for n, v in values.items()},
            }
            for tree, values in expressions
        ],
        "relevance": [
            {
                "form": kind,
                "answers": {n: raw_to_json(v) for n, v in answers.items()},
                "derived": {n: raw_to_json(v) for n, v in derived.items()},
            }
            for kind, answers, derived in relevance
        ],
    }

    results = run_node(payload, tmp_path)

    expected = [python_result(tree, values) for tree, values in expressions]
    disagreements = [
        (unparse(tree), values, want, got)
        for (tree, values), want, got in zip(
            expressions, expected, results["expressions"], strict=True
        )
        if want != got
    ]
    assert disagreements[:5] == []
    wanted = [
        sorted(relevant_items(forms[kind], answers, derived))
        for kind, answers, derived in relevance
    ]
    assert results["relevance"] == wanted


def test_the_generated_cases_cover_every_kind_of_result() -> None:
    """A guard on the generator: agreement on trivial cases proves little."""
    rng = random.Random(SEED)
    cases = generated_cases(rng)
    results = [python_result(tree, values) for tree, values in cases]
    kinds = {result.partition(":")[0] for result in results}
    assert kinds >= {"bool", "null", "error", "int", "decimal"}
    assert results.count("error") < len(results) / 4
    assert results.count("null") < len(results) / 2
