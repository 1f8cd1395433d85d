"""Skip logic of the 2018 person form, one section at a time."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from dtgx.questionnaires.relevance import clean_answers, relevant_items
from dtgx.questionnaires.tests.personas import (
    FARM,
    NO,
    TOWN,
    YES,
    adult_farmer,
    derived,
    person_form,
)


def applies(
    changes: Mapping[str, object] | None = None, **person: int | None
) -> set[str]:
    answers = {**adult_farmer(), **(changes or {})}
    return relevant_items(person_form(), answers, derived(**person))


def test_it_asks_only_identity_and_sign_off_when_the_person_is_not_normal() -> None:
    relevant = applies({"header.person_status": 1})

    assert "basic.name" in relevant
    assert "basic.certificate_number" in relevant
    assert "footer.collector" in relevant
    assert "basic.hukou_type" not in relevant
    assert "health.family_doctor" not in relevant
    assert "footer.householder_name" not in relevant


def test_it_skips_the_whole_body_while_the_status_is_unanswered() -> None:
    relevant = applies({"header.person_status": None})

    assert not {i for i in relevant if i.startswith(("economy.", "health."))}


# A. 基本情况


@pytest.mark.parametrize(("age", "asked"), [(19, False), (20, True), (70, True)])
def test_it_asks_marital_status_from_age_twenty(age: int, asked: bool) -> None:
    assert ("basic.marital_status" in applies(age=age)) is asked


@pytest.mark.parametrize(("age", "asked"), [(0, True), (17, True), (18, False)])
def test_it_asks_for_a_contact_person_only_for_minors(age: int, asked: bool) -> None:
    assert ("basic.contact_name" in applies(age=age)) is asked


def test_it_asks_nothing_age_gated_when_the_age_is_unknown() -> None:
    relevant = applies(age=None)

    assert "basic.marital_status" not in relevant
    assert "employment.is_employed" not in relevant
    assert "social_security.resident_medical" in relevant


# B. 经济与住房


def test_it_skips_economy_and_housing_for_residents_of_institutions() -> None:
    relevant = applies({"basic.lives_in_institution": YES})

    assert not {i for i in relevant if i.startswith("economy.")}
    assert "health.family_doctor" in relevant


def test_it_asks_rural_questions_of_agricultural_hukou() -> None:
    relevant = applies({"basic.hukou_type": FARM})

    assert {"economy.poverty_status", "economy.rural_housing"} <= relevant
    assert not {"economy.urban_income_status", "economy.urban_housing"} & relevant


def test_it_asks_urban_questions_of_non_agricultural_hukou() -> None:
    relevant = applies({"basic.hukou_type": TOWN})

    assert {"economy.urban_income_status", "economy.urban_housing"} <= relevant
    assert not {"economy.poverty_status", "economy.rural_housing"} & relevant


def test_it_asks_the_housing_support_type_only_with_housing_support() -> None:
    town = {"basic.hukou_type": TOWN}

    assert "economy.housing_support_types" in applies(
        town | {"economy.urban_housing": 2}
    )
    assert "economy.housing_support_types" not in applies(
        town | {"economy.urban_housing": 1}
    )


# C. 教育


def test_it_asks_a_child_of_ten_out_of_school_why() -> None:
    relevant = applies(age=10)

    assert "education.not_enrolled_reason" in relevant
    assert "education.literate" not in relevant


def test_it_does_not_ask_a_pupil_why_they_are_not_enrolled() -> None:
    relevant = applies({"education.current_school": 8}, age=10)

    assert "education.not_enrolled_reason" not in relevant


def test_it_does_not_ask_an_adult_of_thirty_about_compulsory_education() -> None:
    relevant = applies(age=30)

    assert "education.not_enrolled_reason" not in relevant
    assert "education.literate" in relevant


def test_it_skips_the_school_for_a_child_who_never_attended() -> None:
    relevant = applies({"education.level": 1}, age=8)

    assert "education.current_school" not in relevant
    assert "education.not_enrolled_reason" in relevant


@pytest.mark.parametrize(("age", "asked"), [(14, False), (15, True)])
def test_it_asks_about_literacy_from_fifteen(age: int, asked: bool) -> None:
    assert ("education.literate" in applies(age=age)) is asked


def test_it_asks_no_education_questions_of_a_toddler() -> None:
    relevant = applies(age=2)

    assert not {i for i in relevant if i.startswith("education.")}


# D. 就业扶贫


@pytest.mark.parametrize(
    ("age", "asked"), [(15, False), (16, True), (59, True), (60, False)]
)
def test_it_asks_about_employment_at_working_age(age: int, asked: bool) -> None:
    assert ("employment.is_employed" in applies(age=age)) is asked


def test_it_skips_employment_for_residents_of_institutions() -> None:
    relevant = applies({"basic.lives_in_institution": YES})

    assert not {i for i in relevant if i.startswith("employment.")}


def test_it_asks_the_employed_about_their_job_and_help() -> None:
    relevant = applies({"employment.is_employed": YES})

    assert {"employment.form", "employment.help_received"} <= relevant
    assert "employment.livelihood_source" not in relevant
    assert "employment.not_employed_reason" not in relevant


@pytest.mark.parametrize(
    ("reason", "asked_about_help"),
    [(1, False), (2, False), (3, False), (4, True), (5, False), (6, True), (7, True)],
)
def test_it_asks_about_help_only_for_some_reasons_of_unemployment(
    reason: int, asked_about_help: bool
) -> None:
    changes = {
        "employment.is_employed": NO,
        "employment.not_employed_reason": reason,
    }
    relevant = applies(changes)

    assert "employment.form" not in relevant
    assert "employment.livelihood_source" in relevant
    assert ("employment.help_needed" in relevant) is asked_about_help


def test_it_asks_about_unemployment_registration_only_in_towns() -> None:
    unemployed = {"employment.is_employed": NO}
    town = applies(unemployed | {"basic.hukou_type": TOWN})
    farm = applies(unemployed | {"basic.hukou_type": FARM})

    assert "employment.unemployment_registered" in town
    assert "employment.unemployment_registered" not in farm


def test_it_skips_what_follows_a_skipped_question() -> None:
    relevant = applies({"employment.is_employed": YES}, age=65)

    assert "employment.is_employed" not in relevant
    assert "employment.form" not in relevant


# E. 社会保障


def test_it_sends_a_student_straight_to_medical_insurance() -> None:
    student = {"employment.is_employed": NO, "employment.not_employed_reason": 1}
    relevant = applies(student, age=18)

    assert "social_security.employee_insurance" not in relevant
    assert "social_security.resident_pension" not in relevant
    assert "social_security.pension_subsidy" not in relevant
    assert "social_security.resident_medical" in relevant


def test_it_asks_the_over_sixties_about_pensions_but_not_the_subsidy() -> None:
    relevant = applies(age=65)

    assert "social_security.resident_pension" in relevant
    assert "social_security.pension_subsidy" not in relevant


def test_it_asks_no_pension_questions_under_sixteen() -> None:
    relevant = applies(age=15)

    assert "social_security.employee_insurance" not in relevant
    assert "social_security.resident_medical" in relevant


def test_it_asks_about_subsidies_only_of_the_insured() -> None:
    uninsured = {
        "social_security.resident_pension": NO,
        "social_security.resident_medical": NO,
    }
    relevant = applies(uninsured)

    assert "social_security.pension_subsidy" not in relevant
    assert "social_security.medical_subsidy" not in relevant


def test_it_asks_the_kind_of_subsistence_allowance_when_ticked() -> None:
    rural = applies({"social_security.assistance": [1, 3]})
    urban = applies(
        {"social_security.assistance": [1], "social_security.subsistence_type": 2}
    )

    assert "social_security.subsistence_type" in rural
    assert "social_security.urban_subsistence_amount" not in rural
    assert "social_security.urban_subsistence_amount" in urban
    assert "social_security.subsistence_type" not in applies()


@pytest.mark.parametrize(
    ("age", "category", "grade", "asked"),
    [
        (30, 5, 3, True),  # intellectual
        (30, 6, 4, True),  # mental
        (30, 7, 2, True),  # multiple
        (30, 4, 1, True),  # severe physical
        (30, 4, 3, False),  # moderate physical
        (30, 1, 1, False),  # visual
        (30, None, None, True),  # 18-digit record: asked by default
        (60, 5, 1, False),
        (15, 5, 1, False),
    ],
)
def test_it_asks_about_care_services_by_age_category_and_grade(
    age: int, category: int | None, grade: int | None, asked: bool
) -> None:
    relevant = applies(age=age, category=category, grade=grade)

    assert ("social_security.receives_care_service" in relevant) is asked


def test_it_asks_about_care_needs_only_without_care() -> None:
    cared = applies({"social_security.receives_care_service": YES}, category=5)
    not_cared = applies({"social_security.receives_care_service": NO}, category=5)

    assert "social_security.care_service_type" in cared
    assert "social_security.care_service_need" not in cared
    assert "social_security.care_service_need" in not_cared


# F. 基本医疗和康复


def test_it_follows_the_illness_questions() -> None:
    well = applies({"health.other_illness": NO})
    treated = applies({"health.other_illness": YES, "health.treated": YES})
    untreated = applies({"health.other_illness": YES, "health.treated": NO})

    assert "health.treated" not in well
    assert "health.untreated_reasons" not in treated
    assert "health.untreated_reasons" in untreated


def test_it_asks_why_only_when_no_rehabilitation_was_received() -> None:
    assert "health.no_rehab_reasons" in applies({"health.rehab_received": [8]})
    assert "health.no_rehab_reasons" not in applies({"health.rehab_received": [2]})


# G. 无障碍


def test_it_asks_everyone_about_home_accessibility() -> None:
    for changes in ({"basic.lives_in_institution": YES}, {}):
        relevant = applies(changes, age=3)
        assert {"accessibility.home_modified", "accessibility.modification_needs"} <= (
            relevant
        )


# H. 文化体育


@pytest.mark.parametrize(("age", "asked"), [(5, False), (6, True), (90, True)])
def test_it_asks_about_culture_from_age_six(age: int, asked: bool) -> None:
    assert ("culture.takes_part" in applies(age=age)) is asked


def test_it_skips_culture_for_residents_of_institutions() -> None:
    relevant = applies({"basic.lives_in_institution": YES})

    assert "culture.takes_part" not in relevant


def test_it_asks_for_reasons_only_of_those_not_taking_part() -> None:
    assert "culture.not_taking_part_reasons" in applies({"culture.takes_part": NO})
    assert "culture.not_taking_part_reasons" not in applies()


# Cleaning a record


def test_it_stores_skipped_answers_as_null() -> None:
    answers = adult_farmer() | {"employment.livelihood_source": 4}
    cleaned = clean_answers(person_form(), answers, derived())

    assert cleaned.values["employment.livelihood_source"] is None
    assert cleaned.cleared == {"employment.livelihood_source"}
    assert cleaned.values["employment.form"] == 6


def test_it_clears_a_whole_section_when_the_person_moves_into_a_home() -> None:
    answers = adult_farmer() | {"basic.lives_in_institution": YES}
    cleaned = clean_answers(person_form(), answers, derived())

    assert {"economy.rural_housing", "employment.form", "culture.takes_part"} <= (
        cleaned.cleared
    )
    assert cleaned.values["employment.is_employed"] is None


def test_it_accepts_the_adult_farmer_as_complete_and_clean() -> None:
    cleaned = clean_answers(person_form(), adult_farmer(), derived())

    assert cleaned.is_clean
    assert cleaned.missing_required == ()
    assert cleaned.cleared == frozenset()


def test_it_lists_required_questions_left_blank() -> None:
    answers = adult_farmer() | {"employment.form": None, "health.family_doctor": " "}
    cleaned = clean_answers(person_form(), answers, derived())

    assert cleaned.missing_required == ("employment.form", "health.family_doctor")


def test_it_normalises_text_and_code_lists() -> None:
    answers = adult_farmer() | {
        "basic.name": "  王建国 ",
        "health.rehab_received": (1, 2, 2),
        "basic.phone": "   ",
    }
    cleaned = clean_answers(person_form(), answers, derived())

    assert cleaned.values["basic.name"] == "王建国"
    assert cleaned.values["health.rehab_received"] == frozenset({1, 2})
    assert cleaned.values["basic.phone"] is None
