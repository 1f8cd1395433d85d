"""Named records for the skip-logic tests.

``adult_farmer`` is a 30-year-old with an agricultural hukou who lives at
home and answered the questions an ordinary respondent of working age gets.
Tests start from a persona and change only what the case is about.
"""

from __future__ import annotations

from datetime import date

from dtgx.questionnaires.definitions import Questionnaire, load_questionnaire

NORMAL = 6
YES, NO = 1, 2
FARM, TOWN = 1, 2


def person_form() -> Questionnaire:
    return load_questionnaire("person", "2018")


def community_form() -> Questionnaire:
    return load_questionnaire("community", "2018")


def derived(
    age: int | None = 30, category: int | None = 4, grade: int | None = 3
) -> dict[str, object]:
    """Derived inputs of a person; the defaults describe the adult farmer."""
    return {"age": age, "category": category, "grade": grade, "sex": 1, "hukou": 1}


def adult_farmer() -> dict[str, object]:
    return {
        "header.region_code": "110101001001",
        "header.survey_method": 1,
        "header.person_status": NORMAL,
        "basic.name": "王建国",
        "basic.certificate_number": "11010119940101001X43",
        "basic.hukou_type": FARM,
        "basic.marital_status": 2,
        "basic.phone": "13800000000",
        "basic.lives_in_institution": NO,
        "economy.poverty_status": 3,
        "economy.rural_housing": 1,
        "education.literate": YES,
        "education.level": 4,
        "employment.is_employed": YES,
        "employment.form": 6,
        "employment.help_received": [3],
        "employment.help_needed": [6],
        "social_security.employee_insurance": [4],
        "social_security.resident_pension": YES,
        "social_security.pension_subsidy": NO,
        "social_security.resident_medical": YES,
        "social_security.medical_subsidy": NO,
        "social_security.assistance": [6],
        "social_security.welfare_allowances": [4],
        "health.family_doctor": YES,
        "health.other_illness": NO,
        "health.rehab_received": [3],
        "health.rehab_needed": [8],
        "accessibility.home_modified": NO,
        "accessibility.modification_needs": [7],
        "culture.takes_part": YES,
        "footer.householder_name": "王建国",
        "footer.respondent": "王建国",
        "footer.collector": "李采集",
        "footer.fill_date": date(2018, 7, 15),
    }


def village() -> dict[str, object]:
    """A village with a liaison, a clinic and no day care."""
    return {
        "header.region_code": "110101201001",
        "header.region_name": "前进村",
        "header.urban_rural_class": 220,
        "population.registered": 1200,
        "population.resident": 950,
        "population.certified_total": 40,
        "population.certified_visual": 5,
        "population.certified_hearing": 6,
        "population.certified_speech": 1,
        "population.certified_physical": 18,
        "population.certified_intellectual": 4,
        "population.certified_mental": 4,
        "population.certified_multiple": 2,
        "organisation.has_association": YES,
        "organisation.has_liaison": YES,
        "organisation.liaison_count": 1,
        "organisation.liaison_disabled_count": 1,
        "organisation.liaison_subsidised": YES,
        "services.has_rehab_station": NO,
        "services.rehab_coordinators": 0,
        "services.has_day_care": NO,
        "services.has_device_point": NO,
        "accessibility.facilities": [1, 4],
        "culture.has_venue": YES,
        "culture.activity_count": 3,
        "culture.participants": 25,
        "support.has_clinic": YES,
        "support.family_doctor_service": YES,
        "support.has_employment_base": NO,
        "support.has_volunteer_service": YES,
        "support.has_legal_aid": NO,
        "footer.reporter": "赵填表",
        "footer.phone": "010-12345678",
        "footer.fill_date": date(2018, 7, 20),
        "footer.township_reviewer": "钱审核",
    }
