"""Per-record evaluation: a rule set run on one record, in Python, on save.

The semantics are those written down in ``dtgx.validation.rules``: a rule
raises a finding when ``applies_when`` is TRUE and ``check`` is not TRUE
(with ``on_missing: pass``: when ``check`` is FALSE). Conditions are the
trees parsed when the rule set was loaded, evaluated with
``dtgx.questionnaires.expressions.evaluate``; the bulk evaluator in
``dtgx.validation.sql`` gives the same findings on the same stored record.

The parts of an ``applies_when`` that is a conjunction are evaluated one by
one and remembered for the record, so that the generated completeness rules
of a section share the work of its relevance condition (``a and b`` is TRUE
exactly when both parts are TRUE, so this changes no outcome).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from dtgx.questionnaires.definitions import FormKey, Questionnaire, load_questionnaire
from dtgx.questionnaires.expressions import And, Expr, ParamValue, Value, evaluate
from dtgx.validation.rules import (
    Example,
    OnMissing,
    Rule,
    RuleSet,
    Severity,
    render_message,
)


class Outcome(StrEnum):
    NOT_APPLICABLE = "not_applicable"  # applies_when is FALSE or missing
    PASSED = "passed"  # check is TRUE
    FAILED = "failed"  # check is FALSE
    UNDECIDED = "undecided"  # check is missing (NULL)


@dataclass(frozen=True, slots=True)
class RuleResult:
    """A finding: ``rule_id`` failed on the record.

    ``undecided`` tells a check that could not be decided because a value
    it reads is missing (NULL) from one that is FALSE; the message is the
    rule's, in the active language, with item names filled in.
    """

    rule_id: str
    severity: Severity
    message: str
    items: tuple[str, ...]
    undecided: bool


def evaluate_record(
    rule_set: RuleSet,
    values: Mapping[str, object],
    derived: Mapping[str, object],
    *,
    community: Mapping[str, object] | None = None,
    last: Mapping[str, object] | None = None,
    form: FormKey | None = None,
) -> list[RuleResult]:
    """The findings of ``rule_set`` on one record, in rule-set order.

    ``values`` maps item ids to the stored answers (a multi-select answer
    is a collection of codes), ``derived`` maps derived inputs (``age``,
    ``certificate_checksum_ok`` ...), ``community`` and ``last`` map item ids
    of the linked records (``None``: there is none, every name is missing).
    ``form`` defaults to the rule set's person form. Absent names are
    missing. Raises ``EvaluationError`` only for a value of the wrong kind
    (which typed storage rules out). No database access.
    """
    key = form or rule_set.default_form()
    plan = _plan(rule_set, key)
    scope = record_scope(values, derived, {"community": community, "last": last})
    memo: dict[int, bool] = {}
    results = []
    for rule in plan.rules:
        outcome = _outcome(rule, scope, plan.params, memo)
        if is_finding(rule, outcome):
            results.append(_result(rule_set, rule, plan.form, outcome))
    return results


def failing_rule_ids(
    rule_set: RuleSet, form: FormKey, scope: Mapping[str, object]
) -> list[str]:
    """The ids of the rules that raise a finding on a record given as one
    flat ``scope`` (see ``record_scope``); the cheap core of
    ``evaluate_record``, without messages."""
    plan = _plan(rule_set, form)
    memo: dict[int, bool] = {}
    return [
        rule.id
        for rule in plan.rules
        if is_finding(rule, _outcome(rule, scope, plan.params, memo))
    ]


def record_scope(
    values: Mapping[str, object],
    derived: Mapping[str, object],
    linked: Mapping[str, Mapping[str, object] | None],
) -> dict[str, object]:
    """One mapping of every name a condition may read: item ids, derived
    inputs, and ``<namespace>.<item id>`` for each linked record."""
    scope: dict[str, object] = {**derived, **values}
    for namespace, record in linked.items():
        if record:
            scope.update({f"{namespace}.{name}": v for name, v in record.items()})
    return scope


def outcome_of(
    rule: Rule, scope: Mapping[str, object], params: Mapping[str, ParamValue]
) -> Outcome:
    """How ``rule`` fares on one record given as a flat ``scope``."""
    return _outcome(rule, scope, params, {})


def is_finding(rule: Rule, outcome: Outcome) -> bool:
    if outcome is Outcome.FAILED:
        return True
    return outcome is Outcome.UNDECIDED and rule.on_missing is OnMissing.FAIL


def example_fires(rule_set: RuleSet, rule: Rule, example: Example) -> bool:
    """Whether ``example`` raises a finding of ``rule`` (per record)."""
    form = load_questionnaire(rule.form, rule_set.forms[rule.form])
    outcome = outcome_of(rule, example.values, rule_set.params_for(form))
    return is_finding(rule, outcome)


# --- Internals -----------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    form: Questionnaire
    params: Mapping[str, ParamValue]
    rules: tuple[Rule, ...]


@cache
def _plan(rule_set: RuleSet, key: FormKey) -> _Plan:
    form = load_questionnaire(key.kind, key.version)
    return _Plan(form, rule_set.params_for(form), rule_set.rules_for(key))


def _outcome(
    rule: Rule,
    scope: Mapping[str, object],
    params: Mapping[str, ParamValue],
    memo: dict[int, bool],
) -> Outcome:
    condition = rule.applies_when
    if condition is not None and not _holds(condition.expr, scope, params, memo):
        return Outcome.NOT_APPLICABLE
    result: Value = evaluate(rule.check.expr, scope, params)
    if result is None:
        return Outcome.UNDECIDED
    return Outcome.PASSED if result is True else Outcome.FAILED


def _holds(
    expr: Expr,
    scope: Mapping[str, object],
    params: Mapping[str, ParamValue],
    memo: dict[int, bool],
) -> bool:
    """Whether ``expr`` is TRUE; the conjuncts of an ``and`` are remembered
    by identity for the record (they are shared between rules)."""
    parts = expr.operands if isinstance(expr, And) else (expr,)
    for part in parts:
        key = id(part)
        held = memo.get(key)
        if held is None:
            held = memo[key] = evaluate(part, scope, params) is True
        if not held:
            return False
    return True


def _result(
    rule_set: RuleSet, rule: Rule, form: Questionnaire, outcome: Outcome
) -> RuleResult:
    return RuleResult(
        rule_id=rule.id,
        severity=rule.severity,
        message=render_message(rule_set, rule, form),
        items=rule.items,
        undecided=outcome is Outcome.UNDECIDED,
    )
