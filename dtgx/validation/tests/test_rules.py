"""Rule-set files: the national set, generated rules, provincial additions,
and the rule semantics written in ``dtgx.validation.rules``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from dtgx.questionnaires.definitions import load_questionnaire
from dtgx.questionnaires.expressions import Compare, parse_expression
from dtgx.validation.evaluate import Outcome, is_finding, outcome_of
from dtgx.validation.rules import (
    RULESETS_DIR,
    Condition,
    OnMissing,
    Rule,
    RuleKind,
    RuleSetError,
    Severity,
    VersionRange,
    load_rule_set,
)

HUNAN = RULESETS_DIR / "provinces" / "43-hunan-2018.yaml"
PERSON = load_questionnaire("person", "2018")
COMMUNITY = load_questionnaire("community", "2018")


def test_it_loads_at_least_sixty_written_rules_of_every_kind() -> None:
    rule_set = load_rule_set()
    written = [rule for rule in rule_set.rules if not rule.generated]
    kinds = Counter(rule.kind for rule in written)

    assert len(written) >= 60
    assert set(kinds) == set(RuleKind) - {RuleKind.COMPLETENESS}
    assert all(count >= 4 for count in kinds.values())
    assert {rule.severity for rule in written} == set(Severity)


def test_it_parses_every_condition_once_when_loading() -> None:
    rule = load_rule_set().rule("SK06")

    assert isinstance(rule.check.expr, Compare)
    assert load_rule_set() is load_rule_set()
    assert rule.check.expr == parse_expression(rule.check.text)


def test_it_generates_a_completeness_rule_per_required_item() -> None:
    rule_set = load_rule_set()
    generated = {r.id: r for r in rule_set.rules if r.kind is RuleKind.COMPLETENESS}
    required = [i for i in PERSON.items if i.required]
    required_community = [i for i in COMMUNITY.items if i.required]

    assert len(generated) == len(required) + len(required_community)
    form_rule = generated["C-employment.form"]
    assert form_rule.items == ("employment.form",)
    assert form_rule.check.text == "answered(employment.form)"
    assert form_rule.applies_when is not None
    assert 'between(age, param("working_age"))' in form_rule.applies_when.text
    assert "employment.is_employed == 1" in form_rule.applies_when.text
    assert generated["C-basic.name"].applies_when is None
    assert "C-community.header.region_code" in generated


def test_it_generates_a_rule_per_exclusive_option() -> None:
    rule = load_rule_set().rule("X-social_security.assistance")

    assert rule.check.text == (
        "not (selected(social_security.assistance, 6) "
        "and count_selected(social_security.assistance) > 1)"
    )
    assert "“无”不能与其他选项同时勾选" in rule.message % {
        "item": "R27",
        "option": "无",
    }


def test_it_keeps_generated_ids_stable() -> None:
    ids = [rule.id for rule in load_rule_set().rules if rule.generated]

    assert ids == [rule.id for rule in load_rule_set().rules if rule.generated]
    assert all(i.startswith(("C-", "X-")) for i in ids)


def test_it_defaults_the_highlighted_items_to_the_items_read() -> None:
    rule = load_rule_set().rule("SK12")

    assert rule.items == (
        "basic.hukou_type",
        "economy.urban_income_status",
        "economy.poverty_status",
        "social_security.assistance",
        "social_security.welfare_allowances",
    )


def test_it_matches_form_versions_by_range() -> None:
    assert VersionRange("2018").contains("2019")
    assert not VersionRange("2018", "2018").contains("2018.1")
    assert VersionRange("2018", "2020").contains("2018.1")
    assert not VersionRange("2021").contains("2018")


# --- What a rule means ----------------------------------------------------------


def _rule(check: str, applies_when: str | None = None, **options: object) -> Rule:
    applies = None
    if applies_when is not None:
        applies = Condition(applies_when, parse_expression(applies_when))
    return Rule(
        id="T01",
        title="t",
        kind=RuleKind.CONSISTENCY,
        severity=Severity.ERROR,
        form="community",
        versions=VersionRange("2018"),
        applies_when=applies,
        check=Condition(check, parse_expression(check)),
        message="m",
        items=(),
        on_missing=OnMissing(str(options.get("on_missing", "fail"))),
    )


CHECK = "population.certified_total <= population.registered"


@pytest.mark.parametrize(
    ("registered", "outcome", "finding", "finding_if_pass"),
    [
        (5, Outcome.PASSED, False, False),
        (0, Outcome.FAILED, True, True),
        (None, Outcome.UNDECIDED, True, False),
        ("", Outcome.UNDECIDED, True, False),
        (" ", Outcome.UNDECIDED, True, False),
    ],
)
def test_it_fails_a_missing_check_unless_the_rule_says_pass(
    registered: object, outcome: Outcome, finding: bool, finding_if_pass: bool
) -> None:
    values = {"population.certified_total": 1, "population.registered": registered}
    default, lenient = _rule(CHECK), _rule(CHECK, on_missing="pass")

    assert outcome_of(default, values, {}) is outcome
    assert is_finding(default, outcome) is finding
    assert is_finding(lenient, outcome) is finding_if_pass


@pytest.mark.parametrize("age", [None, 12, 30])
def test_it_does_not_apply_unless_applies_when_is_true(age: int | None) -> None:
    rule = _rule("answered(population.registered)", applies_when="age < 12")

    outcome = outcome_of(rule, {"age": age}, {})

    assert outcome is Outcome.NOT_APPLICABLE


# --- Provinces --------------------------------------------------------------------


def test_it_adds_a_provinces_rules_to_the_national_ones() -> None:
    national = load_rule_set()
    hunan = load_rule_set(province=HUNAN)

    assert [r.id for r in hunan.rules[: len(national.rules)]] == [
        r.id for r in national.rules
    ]
    assert [r.id for r in hunan.rules[len(national.rules) :]] == ["P43-001", "P43-002"]
    assert hunan.rule("P43-001").origin == "43-hunan-2018.yaml"
    assert hunan.params["p43_extended_school_age"] == 15


def _province(tmp_path: Path, **changes: object) -> Path:
    data = yaml.safe_load(HUNAN.read_text(encoding="utf-8"))
    data.update(changes)
    path = tmp_path / "province.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _hunan_rule(**changes: object) -> dict[str, object]:
    data = yaml.safe_load(HUNAN.read_text(encoding="utf-8"))
    rule: dict[str, object] = data["rules"][0]
    return rule | changes


def test_it_refuses_a_province_redefining_a_national_rule(tmp_path: Path) -> None:
    path = _province(tmp_path, rules=[_hunan_rule(id="ID01", severity="query")])

    with pytest.raises(RuleSetError, match="ID01 是全国规则，省级文件不能重新定义"):
        load_rule_set(province=path)


@pytest.mark.parametrize("key", ["disable", "remove", "override"])
def test_it_refuses_a_province_disabling_national_rules(
    tmp_path: Path, key: str
) -> None:
    path = _province(tmp_path, **{key: ["ID01"]})

    with pytest.raises(RuleSetError, match="不能停用、删除或改写全国规则"):
        load_rule_set(province=path)


def test_it_refuses_a_province_rule_outside_its_namespace(tmp_path: Path) -> None:
    path = _province(tmp_path, rules=[_hunan_rule(id="P44-001")])

    with pytest.raises(RuleSetError, match="必须以 P43- 开头"):
        load_rule_set(province=path)


def test_it_refuses_a_province_changing_a_national_parameter(tmp_path: Path) -> None:
    path = _province(tmp_path, params={"working_age": [16, 64]})

    with pytest.raises(RuleSetError, match="参数 working_age 已由全国规则或登记表定义"):
        load_rule_set(province=path)


def test_it_lists_every_problem_of_a_malformed_file(tmp_path: Path) -> None:
    text = (RULESETS_DIR / "national-2018.yaml").read_text("utf-8")
    data = yaml.load(text, Loader=yaml.CSafeLoader)
    data["rules"][0]["check"] = "len(basic.certificate_number) in (18, 20"
    data["rules"][1]["severity"] = "fatal"
    data["rules"][2]["colour"] = "red"
    path = tmp_path / "broken.yaml"
    text = yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True)
    path.write_text(text, encoding="utf-8")

    with pytest.raises(RuleSetError) as raised:
        load_rule_set(path)

    problems = raised.value.problems
    assert len(problems) == 3
    assert problems[0].startswith("ID01：check：")
    assert "severity 的值 fatal 无效" in problems[1]
    assert "未知的键 colour" in problems[2]
