"""The rule-set lint: the national set is clean, and each check fires on a
rule file written to break it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from dtgx.validation.lint import LintCode, lint_rule_set
from dtgx.validation.rules import RULESETS_DIR, load_rule_set

NATIONAL = RULESETS_DIR / "national-2018.yaml"
HUNAN = RULESETS_DIR / "provinces" / "43-hunan-2018.yaml"
HEADER = yaml.load(NATIONAL.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def test_it_finds_nothing_wrong_with_the_national_rule_set() -> None:
    assert [str(p) for p in lint_rule_set(load_rule_set())] == []


def test_it_finds_nothing_wrong_with_the_hunan_rules() -> None:
    assert [str(p) for p in lint_rule_set(load_rule_set(province=HUNAN))] == []


def _rule(rule_id: str, check: str, **fields: Any) -> dict[str, Any]:
    """A rule with harmless defaults and a pair of empty examples."""
    return {
        "id": rule_id,
        "title": "测试规则",
        "kind": "consistency",
        "severity": "error",
        "check": check,
        "message": "请核对后改正。",
        "examples": {"pass": [{}], "fail": [{}]},
        **fields,
    }


def _codes(tmp_path: Path, *rules: dict[str, Any]) -> dict[str, set[LintCode]]:
    """Rule id -> lint codes of a rule set made of the national header
    (inputs, linked records, parameters) and ``rules``."""
    data = HEADER | {"rules": list(rules), "generated": {}, "example_bases": {}}
    path = tmp_path / "rules.yaml"
    text = yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True)
    path.write_text(text, encoding="utf-8")

    found: dict[str, set[LintCode]] = {}
    for problem in lint_rule_set(load_rule_set(path)):
        found.setdefault(problem.rule_id, set()).add(problem.code)
    return found


STATUS_6 = {"header.person_status": 6}


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        (_rule("B01", "employment.shape == 1"), LintCode.UNKNOWN_NAME),
        (_rule("B02", "age > param('retirement_age')"), LintCode.UNKNOWN_NAME),
        (_rule("B03", "basic.name > 3"), LintCode.TYPE_ERROR),
        (_rule("B04", "social_security.assistance == 1"), LintCode.TYPE_ERROR),
        (_rule("B05", "employment.form in (1, 9)"), LintCode.UNKNOWN_CODE),
        (_rule("B06", "selected(health.rehab_received, 9)"), LintCode.UNKNOWN_CODE),
        (_rule("B07", "registry_status != 7"), LintCode.UNKNOWN_CODE),
        (_rule("B08", "age * 1.5 > 3"), LintCode.INEXACT),
        (_rule("B09", "age / 2 * 2 == age"), LintCode.INEXACT),
        (_rule("B10", "answered(basic.name)", items=["basic.nam"]), LintCode.BAD_ITEMS),
        (
            _rule("B11", "answered(basic.name)", message="请核对%(basic.nam)s。"),
            LintCode.BAD_MESSAGE,
        ),
        (
            _rule("B12", "answered(basic.name)", message="Please check the name."),
            LintCode.BAD_MESSAGE,
        ),
        (
            _rule("B13", "answered(basic.name)", examples={"pass": [{}]}),
            LintCode.MISSING_EXAMPLE,
        ),
        (
            _rule(
                "B14",
                "answered(basic.name)",
                examples={"pass": [{"basic.name": 5}], "fail": [{}]},
            ),
            LintCode.BAD_EXAMPLE,
        ),
        (
            _rule(
                "B15",
                "answered(basic.name)",
                examples={"pass": [{}], "fail": [{"basic.name": "王建国"}]},
            ),
            LintCode.WRONG_EXAMPLE,
        ),
        (
            _rule("B16", "answered(basic.name)", versions={"from": "2030"}),
            LintCode.UNKNOWN_FORM,
        ),
    ],
    ids=lambda value: value["id"] if isinstance(value, dict) else str(value),
)
def test_it_reports_a_rule_that_is_wrong_as_written(
    tmp_path: Path, rule: dict[str, Any], code: LintCode
) -> None:
    assert code in _codes(tmp_path, rule)[rule["id"]]


def test_it_reports_duplicate_ids(tmp_path: Path) -> None:
    first = _rule("B20", "answered(basic.name)")
    second = _rule("B20", "answered(basic.phone)")

    assert LintCode.DUPLICATE_ID in _codes(tmp_path, first, second)["B20"]


# --- Rules that can never fire ---------------------------------------------------


def _firing(tmp_path: Path, rule: dict[str, Any]) -> set[LintCode]:
    return _codes(tmp_path, rule).get(rule["id"], set())


def test_it_reports_a_check_that_always_holds(tmp_path: Path) -> None:
    tautology = _rule(
        "F01",
        "employment.form == 1 or employment.form != 1 or missing(employment.form)",
        examples={"pass": [STATUS_6], "fail": [STATUS_6]},
    )
    constant = _rule("F02", "True", examples={"pass": [{}], "fail": [{}]})

    assert LintCode.CHECK_ALWAYS_HOLDS in _firing(tmp_path, tautology)
    assert LintCode.CHECK_ALWAYS_HOLDS in _firing(tmp_path, constant)


def test_it_reports_an_applicability_that_never_holds(tmp_path: Path) -> None:
    contradiction = _rule(
        "F03",
        "answered(basic.name)",
        applies_when="age > 30 and age < 20",
        examples={"pass": [{"age": 40}], "fail": [{"age": 25}]},
    )
    constant = _rule("F04", "answered(basic.name)", applies_when="False")

    assert LintCode.NEVER_APPLIES in _firing(tmp_path, contradiction)
    assert LintCode.NEVER_APPLIES in _firing(tmp_path, constant)


def test_it_reports_an_applicability_needing_a_code_outside_the_list(
    tmp_path: Path,
) -> None:
    rule = _rule(
        "F05",
        "answered(basic.name)",
        applies_when="employment.form > 7",
        examples={"pass": [{"employment.form": 8, "basic.name": "王"}], "fail": [{}]},
    )

    assert LintCode.APPLIES_OUTSIDE_CODES in _firing(tmp_path, rule)


def test_it_reports_a_check_of_items_never_asked_when_it_applies(
    tmp_path: Path,
) -> None:
    rule = _rule(
        "F06",
        "employment.is_employed == 2",
        applies_when="age < 16",
        on_missing="pass",
        examples={
            "pass": [{"age": 10, "employment.is_employed": 2}],
            "fail": [{"age": 10, "employment.is_employed": 1}],
        },
    )

    assert _firing(tmp_path, rule) == {LintCode.NOT_RELEVANT}


def test_it_reports_an_applicability_only_skip_logic_rules_out(
    tmp_path: Path,
) -> None:
    rule = _rule(
        "F07",
        "answered(basic.name)",
        applies_when="header.person_status == 1 and answered(employment.form)",
        examples={
            "pass": [{}],
            "fail": [{"header.person_status": 1, "employment.form": 3}],
        },
    )

    assert LintCode.NEVER_APPLIES in _firing(tmp_path, rule)


def test_it_reports_a_failing_example_the_skip_logic_rules_out(
    tmp_path: Path,
) -> None:
    rule = _rule(
        "F08",
        "employment.form != 3",
        applies_when="employment.is_employed == 1",
        examples={
            "pass": [{"employment.form": 1}],
            "fail": [{"employment.is_employed": 1, "employment.form": 3}],
        },
    )

    assert _firing(tmp_path, rule) == {LintCode.IMPOSSIBLE_EXAMPLE}


def test_it_accepts_a_rule_that_can_fire(tmp_path: Path) -> None:
    rule = _rule(
        "F09",
        "employment.form != 3",
        applies_when="employment.is_employed == 1",
        examples={
            "pass": [{"employment.form": 1}],
            "fail": [
                {
                    "header.person_status": 6,
                    "basic.lives_in_institution": 2,
                    "age": 30,
                    "employment.is_employed": 1,
                    "employment.form": 3,
                }
            ],
        },
    )

    assert _firing(tmp_path, rule) == set()
