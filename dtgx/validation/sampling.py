"""Representative records: the search behind generated examples and lint.

Whether a rule can ever fire, or which record makes an item relevant, is a
question about all possible records. We answer it by trying representative
ones. Each name gets a small domain of values that matter to the
expressions at hand:

* a code item: every code of its list and missing (optionally also one code
  outside the list);
* a number: missing, the item's bounds, and every numeric constant or
  parameter bound of the expressions with its neighbours (``c - 1, c,
  c + 1``), kept within the item's bounds;
* a boolean: ``True``, ``False`` and missing;
* text: missing, two distinct words, the text constants of the
  expressions, and for every small integer ``n`` in them a text of ``n``
  characters (so that ``len(x) == 18`` can hold and fail);
* a date: missing and three ordered dates;
* a multi-select item: missing, each option alone, each exclusive option
  together with another one, and all non-exclusive options.

When the product of the domains is small we try every combination, so the
answer is exact over the domains; otherwise a fixed number of random
combinations drawn with a fixed seed (the answer is then a strong hint, and
the same on every run).

``apply_skip_logic`` turns a sampled record into one the form allows: items
whose relevance does not hold become missing, exactly as
``dtgx.questionnaires.relevance`` decides it (an item is relevant when all
its conditions are TRUE; conditions see non-relevant items as missing).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dtgx.questionnaires.definitions import Item, Questionnaire
from dtgx.questionnaires.expressions import (
    Constant,
    Expr,
    NameType,
    Number,
    ParamValue,
    Value,
    ValueKind,
    evaluate,
    iter_nodes,
    referenced_names,
    truthy,
)

SAMPLE_LIMIT = 3000
SAMPLE_DATES = (date(2018, 6, 30), date(2018, 7, 15), date(2018, 12, 31))
SAMPLE_WORDS = ("甲", "乙")
MAX_TEXT_SAMPLE = 40


@dataclass(frozen=True)
class Constants:
    """The constants that matter to a group of expressions."""

    numbers: frozenset[Number]
    texts: frozenset[str]

    @classmethod
    def of(cls, exprs: Iterable[Expr], params: Mapping[str, ParamValue]) -> Constants:
        numbers: set[Number] = set()
        texts: set[str] = set()
        for expr in exprs:
            for node in iter_nodes(expr):
                if not isinstance(node, Constant) or isinstance(node.value, bool):
                    continue
                if isinstance(node.value, str):
                    texts.add(node.value)
                else:
                    numbers.add(node.value)
        for value in params.values():
            numbers.update(value if isinstance(value, tuple) else (value,))
        return cls(frozenset(numbers), frozenset(texts))


def domain(
    name_type: NameType,
    constants: Constants,
    *,
    item: Item | None = None,
    exclusive: frozenset[int] = frozenset(),
    out_of_list: bool = False,
) -> tuple[Value, ...]:
    """The representative values of one name (see the module docstring)."""
    kind = name_type.kind
    if kind == ValueKind.CODE:
        return _code_domain(name_type.codes, out_of_list=out_of_list)
    if kind == ValueKind.MULTI:
        return _multi_domain(name_type.codes, exclusive)
    if kind == ValueKind.NUMBER:
        return _number_domain(constants, item)
    if kind == ValueKind.BOOLEAN:
        return (None, True, False)
    if kind == ValueKind.TEXT:
        return _text_domain(constants)
    if kind == ValueKind.DATE:
        return (None, *SAMPLE_DATES)
    return (None,)


def _code_domain(codes: frozenset[int], *, out_of_list: bool) -> tuple[Value, ...]:
    values: list[Value] = [None, *sorted(codes)]
    if out_of_list:
        values.append(max(codes, default=0) + 1)
    return tuple(values)


def _multi_domain(
    codes: frozenset[int], exclusive: frozenset[int]
) -> tuple[Value, ...]:
    ordinary = sorted(codes - exclusive)
    values: list[Value] = [None, *(frozenset({code}) for code in sorted(codes))]
    values += [frozenset({code, ordinary[0]}) for code in exclusive if ordinary]
    if len(ordinary) > 1:
        values.append(frozenset(ordinary))
    return tuple(values)


def _number_domain(constants: Constants, item: Item | None) -> tuple[Value, ...]:
    low = item.minimum if item else None
    high = item.maximum if item else None
    found: set[Number] = {n for n in (low, high) if n is not None}
    for number in constants.numbers:
        found.update((number - 1, number, number + 1))
    if not found:
        found = {0, 1, 30}
    inside = sorted(
        n for n in found if (low is None or n >= low) and (high is None or n <= high)
    )
    return (None, *inside)


def _text_domain(constants: Constants) -> tuple[Value, ...]:
    lengths = {
        size
        for number in constants.numbers
        if isinstance(number, int) and 0 < number <= MAX_TEXT_SAMPLE
        for size in (number - 1, number, number + 1)
        if size > 0
    }
    texts = [*SAMPLE_WORDS, *sorted(constants.texts)]
    texts += ["1" * size for size in sorted(lengths)]
    return (None, *dict.fromkeys(texts))


def assignments(
    domains: Mapping[str, Sequence[Value]], *, seed: int, limit: int = SAMPLE_LIMIT
) -> Iterator[dict[str, Value]]:
    """Combinations of the domains' values: every one when there are at
    most ``limit``, else ``limit`` random ones. Either way in a random order
    fixed by ``seed``, so that a search stops early wherever its witnesses
    lie in the product."""
    names = sorted(domains)
    pools = [domains[name] for name in names]
    rng = random.Random(seed)  # noqa: S311 (sampling, not secrets)
    total = math.prod(len(pool) for pool in pools)
    if total > limit:
        for _ in range(limit):
            yield {n: rng.choice(pool) for n, pool in zip(names, pools, strict=True)}
        return
    for index in rng.sample(range(total), total):
        yield dict(zip(names, _combination(index, pools), strict=True))


def _combination(index: int, pools: Sequence[Sequence[Value]]) -> list[Value]:
    """The ``index``-th combination of the product of ``pools``."""
    values = []
    for pool in reversed(pools):
        index, position = divmod(index, len(pool))
        values.append(pool[position])
    return values[::-1]


def relevance_closure(form: Questionnaire, item_ids: Iterable[str]) -> tuple[str, ...]:
    """``item_ids`` (items of ``form``) and every item their relevance
    conditions read, transitively, in the form's relevance order."""
    wanted: set[str] = set()
    pending = [i for i in item_ids if i in form.item_ids]
    while pending:
        item_id = pending.pop()
        if item_id in wanted:
            continue
        wanted.add(item_id)
        for condition in form.conditions_of(item_id):
            pending += [
                n for n in referenced_names(condition.expr) if n in form.item_ids
            ]
    return tuple(i for i in form.relevance_order if i in wanted)


def closure_names(form: Questionnaire, closure: Iterable[str]) -> frozenset[str]:
    """Every name that the relevance conditions of ``closure`` read."""
    return frozenset(
        name
        for item_id in closure
        for condition in form.conditions_of(item_id)
        for name in referenced_names(condition.expr)
    )


def apply_skip_logic(
    form: Questionnaire,
    values: Mapping[str, Value],
    closure: Sequence[str],
    params: Mapping[str, ParamValue],
) -> tuple[dict[str, Value], frozenset[str]]:
    """(values with the non-relevant items of ``closure`` made missing, the
    relevant items of ``closure``). ``closure`` must come from
    ``relevance_closure``; items outside it are left as they are."""
    visible = dict(values)
    relevant: set[str] = set()
    for item_id in closure:
        conditions = form.conditions_of(item_id)
        if all(truthy(evaluate(c.expr, visible, params)) for c in conditions):
            relevant.add(item_id)
        else:
            visible[item_id] = None
    return visible, frozenset(relevant)


def first_match(
    candidates: Iterable[dict[str, Value]],
    accept: Callable[[dict[str, Value]], bool],
) -> dict[str, Value] | None:
    """The first candidate that ``accept`` takes, or ``None``."""
    return next((c for c in candidates if accept(c)), None)


def exclusive_codes(item: Item | None) -> frozenset[int]:
    return item.codes.exclusive_codes if item and item.codes else frozenset()


def sample_answer(item: Item) -> Value:
    """A valid answer to ``item``, for a generated passing example."""
    codes = sorted(item.codes.codes - exclusive_codes(item)) if item.codes else []
    kind = item.name_type.kind
    if kind == ValueKind.CODE:
        return codes[0]
    if kind == ValueKind.MULTI:
        return frozenset(codes[:1])
    if kind == ValueKind.NUMBER:
        return item.minimum if item.minimum is not None else 1
    if kind == ValueKind.DATE:
        return SAMPLE_DATES[1]
    if item.max_length and item.pattern and "[0-9]" in item.pattern:
        return "1" * item.max_length
    return SAMPLE_WORDS[0]


def as_example_value(value: Value) -> object:
    """A sampled value as it would be written in a rule file."""
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value
