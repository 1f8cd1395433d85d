"""What ``clean_answers`` reports instead of silently repairing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from dtgx.questionnaires.relevance import ProblemKind, clean_answers
from dtgx.questionnaires.tests.personas import adult_farmer, derived, person_form


def problems_of(changes: Mapping[str, object]) -> list[tuple[str, ProblemKind]]:
    cleaned = clean_answers(person_form(), {**adult_farmer(), **changes}, derived())
    return [(p.item_id, p.kind) for p in cleaned.problems]


def test_it_reports_none_ticked_together_with_an_option() -> None:
    answers = adult_farmer() | {"social_security.assistance": [1, 6]}
    cleaned = clean_answers(person_form(), answers, derived())

    [problem] = cleaned.problems
    assert problem.kind == ProblemKind.EXCLUSIVE_OPTION
    assert problem.item_id == "social_security.assistance"
    assert "“无”不能与其他选项同时选择" in problem.message
    assert cleaned.values["social_security.assistance"] == frozenset({1, 6})


def test_it_accepts_an_exclusive_option_ticked_alone() -> None:
    assert problems_of({"social_security.employee_insurance": [4]}) == []


def test_it_reports_exclusive_conflicts_in_every_multi_item() -> None:
    changes = {
        "employment.help_needed": [2, 6],
        "health.rehab_needed": [1, 8],
        "accessibility.modification_needs": [7, 2, 3],
    }

    kinds = {kind for _item, kind in problems_of(changes)}
    items = {item for item, _kind in problems_of(changes)}

    assert kinds == {ProblemKind.EXCLUSIVE_OPTION}
    assert items == set(changes)


def test_it_does_not_report_conflicts_in_skipped_items() -> None:
    changes = {"employment.is_employed": 2, "employment.help_needed": [2, 6]}

    assert problems_of(changes) == []


def test_it_reports_unknown_items_and_codes() -> None:
    changes = {
        "employment.salary": 3000,
        "basic.hukou_type": 3,
        "health.rehab_needed": [1, 99],
    }

    assert sorted(problems_of(changes)) == [
        ("basic.hukou_type", ProblemKind.UNKNOWN_CODE),
        ("employment.salary", ProblemKind.UNKNOWN_ITEM),
        ("health.rehab_needed", ProblemKind.UNKNOWN_CODE),
    ]


def test_it_reports_a_value_of_the_wrong_kind_and_treats_it_as_missing() -> None:
    answers = adult_farmer() | {
        "health.family_doctor": "是",
        "footer.fill_date": "2018-07-15",
        "education.level": True,
        "health.rehab_needed": {"x": 1},
    }
    cleaned = clean_answers(person_form(), answers, derived())

    invalid = {p.item_id for p in cleaned.problems}
    assert invalid == {
        "health.family_doctor",
        "footer.fill_date",
        "education.level",
        "health.rehab_needed",
    }
    assert {p.kind for p in cleaned.problems} == {ProblemKind.INVALID_VALUE}
    assert cleaned.values["health.rehab_needed"] is None


def test_it_reports_text_longer_than_the_column() -> None:
    assert problems_of({"basic.name": "王" * 51}) == [
        ("basic.name", ProblemKind.OUT_OF_RANGE)
    ]


def test_it_accepts_a_date_for_a_date_item() -> None:
    assert problems_of({"footer.fill_date": date(2018, 8, 1)}) == []
