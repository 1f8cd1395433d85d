"""Named records for the validation tests.

``farmer`` is Wang Jianguo, 30, with an agricultural hukou and a grade-3
physical disability, living at home, working the land; every item the
skip logic asks of him is answered, every derived input is known, and his
village's community form and his record of last year exist. His record
raises no finding. Tests start from him and change only what the case is
about.
"""

from __future__ import annotations

from datetime import date

NORMAL = 6
YES, NO = 1, 2
FARM, TOWN = 1, 2
VILLAGE = "430821100201"


def farmer() -> dict[str, object]:
    return {
        "header.region_code": VILLAGE,
        "header.survey_method": 1,
        "header.person_status": NORMAL,
        "basic.name": "王建国",
        "basic.certificate_number": "43082119940101001X43",
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
        "health.rehab_received": [2],
        "health.rehab_needed": [3],
        "accessibility.home_modified": NO,
        "accessibility.modification_needs": [7],
        "culture.takes_part": YES,
        "footer.householder_name": "王建国",
        "footer.householder_id_number": "43082119940101001X",
        "footer.respondent": "王建国",
        "footer.collector": "李梅",
        "footer.fill_date": date(2018, 7, 15),
    }


def farmer_derived() -> dict[str, object]:
    return {
        "age": 30,
        "sex": 1,
        "category": 4,
        "grade": 3,
        "hukou": FARM,
        "certificate_checksum_ok": True,
        "certificate_birth_date_ok": True,
        "certificate_province_ok": True,
        "duplicate_in_round": False,
        "in_base_list": True,
        "registry_status": 1,
        "registry_category": 4,
        "registry_grade": 3,
        "registry_sex": 1,
        "name_matches_registry": True,
        "id_county_matches_village": True,
        "region_code_valid": True,
        "householder_id_valid": True,
        "in_subsistence_registry": False,
        "in_poverty_registry": False,
        "care_allowance_paid": False,
        "campaign_start": date(2018, 7, 1),
        "campaign_end": date(2018, 12, 31),
        "audit_date": date(2018, 8, 1),
    }


def village() -> dict[str, object]:
    return {
        "header.region_code": VILLAGE,
        "header.region_name": "示例村",
        "header.urban_rural_class": 220,
        "population.registered": 1200,
        "population.resident": 1000,
        "population.certified_total": 7,
        "population.certified_visual": 1,
        "population.certified_hearing": 1,
        "population.certified_speech": 1,
        "population.certified_physical": 1,
        "population.certified_intellectual": 1,
        "population.certified_mental": 1,
        "population.certified_multiple": 1,
        "organisation.has_association": YES,
        "organisation.has_liaison": YES,
        "organisation.liaison_count": 1,
        "organisation.liaison_disabled_count": 1,
        "organisation.liaison_subsidised": YES,
        "services.has_rehab_station": YES,
        "services.rehab_coordinators": 1,
        "services.has_day_care": NO,
        "services.has_device_point": NO,
        "accessibility.facilities": [1, 2],
        "culture.has_venue": YES,
        "culture.activity_count": 4,
        "culture.participants": 20,
        "support.has_clinic": YES,
        "support.family_doctor_service": YES,
        "support.has_employment_base": NO,
        "support.has_volunteer_service": YES,
        "support.has_legal_aid": NO,
        "footer.reporter": "赵红",
        "footer.phone": "07445000000",
        "footer.fill_date": date(2018, 7, 20),
        "footer.township_reviewer": "钱明",
        "committee_type": 2,
    }


def last_year() -> dict[str, object]:
    return farmer() | {"footer.fill_date": date(2017, 7, 20)}
