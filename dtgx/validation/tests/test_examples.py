"""Every rule's examples are tests, in both evaluators: a passing example
raises no finding of its rule, a failing one does, per record in Python and
in bulk SQL over a real table; and on each example record the two
evaluators agree on every rule, not only the one the example is for."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dtgx.questionnaires.definitions import FormKey
from dtgx.validation.rules import RULESETS_DIR, Rule, load_rule_set
from dtgx.validation.tests.harness import Audit, sqlite_audit

# The national rules and, after them, the example provincial file's.
RULE_SET = load_rule_set(province=RULESETS_DIR / "provinces" / "43-hunan-2018.yaml")


@pytest.fixture(scope="module")
def audit() -> Iterator[Audit]:
    audit = sqlite_audit(RULE_SET)
    yield audit
    audit.connection.close()


def _form(rule: Rule) -> FormKey:
    return RULE_SET.default_form(rule.form)


@pytest.mark.parametrize("rule", RULE_SET.rules, ids=lambda rule: rule.id)
def test_it_passes_and_fails_its_examples_in_both_evaluators(
    audit: Audit, rule: Rule
) -> None:
    form = _form(rule)
    for expected, examples in ((False, rule.passing), (True, rule.failing)):
        for example in examples:
            record = audit.load_example(form, example.values)
            bulk = audit.bulk(form)
            per_record = audit.per_record(form)

            assert ((record, rule.id) in bulk) is expected, dict(example.values)
            assert ((record, rule.id) in per_record) is expected
            assert bulk == per_record


def test_it_has_examples_for_every_rule() -> None:
    assert all(rule.passing and rule.failing for rule in RULE_SET.rules)
