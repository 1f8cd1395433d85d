"""Plausible answers for the demo's holders and villages.

Most answers are the common ones of a rural county (``TYPICAL``); with a
small chance each answer is drawn at random among the item's codes
instead, and a few holders' names are misspelt or their hukou type
differs from the registry: the kinds of field mistakes the national rule
set catches (queries and errors), at roughly the rates the audit finds in
practice. Skip logic is applied with the holder's own derived values, so
the answers are complete and storable through the survey services.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from dtgx.questionnaires.definitions import Item, ItemType, Questionnaire
from dtgx.questionnaires.relevance import clean_answers
from dtgx.registry.models import Person
from dtgx.survey.models import CommunityRecord, PersonRecord, Round
from dtgx.survey.services import person_derived

# Items the survey services fill from their keyword arguments.
FIXED_ITEMS = frozenset(
    {
        "header.region_code",
        "header.survey_method",
        "footer.collector",
        "footer.fill_date",
    }
)

TYPICAL: Mapping[str, object] = {
    "header.person_status": 6,
    "basic.marital_status": 2,
    "basic.lives_in_institution": 2,
    "economy.urban_income_status": 3,
    "economy.urban_housing": 1,
    "economy.housing_support_types": frozenset({5}),
    "economy.poverty_status": 3,
    "economy.rural_housing": 1,
    "education.literate": 1,
    "education.level": 3,
    "education.not_enrolled_reason": 1,
    "employment.is_employed": 1,
    "employment.unemployment_registered": 2,
    "employment.form": 6,
    "employment.livelihood_source": 4,
    "employment.not_employed_reason": 5,
    "employment.help_received": frozenset({6}),
    "employment.help_needed": frozenset({6}),
    "social_security.employee_insurance": frozenset({4}),
    "social_security.resident_pension": 1,
    "social_security.pension_subsidy": 1,
    "social_security.resident_medical": 1,
    "social_security.medical_subsidy": 2,
    "social_security.assistance": frozenset({6}),
    "social_security.subsistence_type": 2,
    "social_security.urban_subsistence_amount": 1,
    "social_security.welfare_allowances": frozenset({4}),
    "social_security.receives_care_service": 2,
    "social_security.care_service_type": 1,
    "social_security.care_service_need": 5,
    "health.family_doctor": 1,
    "health.other_illness": 2,
    "health.treated": 1,
    "health.untreated_reasons": frozenset({1}),
    "health.rehab_received": frozenset({2}),
    "health.no_rehab_reasons": frozenset({1}),
    "health.rehab_needed": frozenset({8}),
    "accessibility.home_modified": 2,
    "accessibility.modification_needs": frozenset({7}),
    "culture.takes_part": 2,
    "culture.not_taking_part_reasons": frozenset({1}),
}

# Survey methods (H2) and their shares: most holders are visited at home.
METHOD_WEIGHTS = {1: 70, 2: 20, 3: 9, 4: 1}
VISIT, PHONE, LOST = 1, 3, 4  # 入户, 电话, 失访 (H2)
LOST_REMARK = "三次入户未见到本人，村委会称外出务工，去向不明。"
LOST_STATUS = 3  # 失访 (H3)


@dataclass(frozen=True)
class MistakeRates:
    """Chances of the field mistakes the generator makes."""

    odd_answer: float = 0.004  # an answer drawn at random
    misspelt_name: float = 0.01  # R1 differs from the registry's name
    other_hukou: float = 0.01  # R3 differs from the registry's hukou type
    miscounted_village: float = 0.05  # a community form's total is off by one


@dataclass(frozen=True)
class PersonForm:
    """Generated answers of one holder and the bookkeeping items."""

    answers: dict[str, object]
    survey_method: int
    collector: str
    survey_date: date


class AnswerGenerator:
    """Answers for holders and villages, reproducible from ``seed``."""

    def __init__(self, seed: int, rates: MistakeRates | None = None) -> None:
        self.rng = random.Random(seed)
        self.rates = rates or MistakeRates()
        self.person_form: Questionnaire = PersonRecord.questionnaire()
        self.community_form: Questionnaire = CommunityRecord.questionnaire()

    def person(
        self,
        person: Person,
        round: Round,
        collector: str,
        *,
        method: int | None = None,
    ) -> PersonForm:
        """``person``'s form: the answers without the fixed items. The
        survey method is drawn unless ``method`` is given."""
        rng, rates = self.rng, self.rates
        derived = person_derived(person, round)
        age = derived["age"] if isinstance(derived["age"], int) else 40
        answers = {
            item.id: self._answer(item)
            for item in self.person_form.items
            if item.id not in FIXED_ITEMS
        }
        for item_id, value in _by_age(age, person.hukou_type or 1).items():
            if rng.random() > rates.odd_answer:
                answers[item_id] = value
        if person.grade in (1, 2) and rng.random() > rates.odd_answer:
            # Severe disability: the care subsidy (护理补贴) is paid.
            answers["social_security.welfare_allowances"] = frozenset({2})
        if method is None:
            weights = list(METHOD_WEIGHTS.values())
            method = rng.choices(list(METHOD_WEIGHTS), weights)[0]
        if method == PHONE and person.category in (2, 3):
            method = VISIT  # hearing and speech: not by telephone
        remarks = None
        if method == LOST and rng.random() > rates.odd_answer:
            answers["header.person_status"] = LOST_STATUS
            remarks = LOST_REMARK if rng.random() > rates.odd_answer else None
        if age < 20:
            answers["basic.marital_status"] = 1
        adult = age >= 18
        name = person.name
        if rng.random() < rates.misspelt_name:
            name = name[:-1] + rng.choice("明华军芳")
        hukou = person.hukou_type or 1
        if rng.random() < rates.other_hukou:
            hukou = 3 - hukou
        answers |= {
            "basic.name": name,
            "basic.certificate_number": person.certificate_number,
            "basic.hukou_type": hukou,
            "basic.contact_name": person.name if adult else _guardian(person),
            "basic.phone": f"13{rng.randrange(10**9):09d}",
            "footer.householder_name": person.name if adult else _guardian(person),
            "footer.householder_id_number": person.id_number if adult else None,
            "footer.respondent": person.name if adult else _guardian(person),
            "footer.remarks": remarks,
        }
        cleaned = clean_answers(
            self.person_form, answers | {"header.survey_method": method}, derived
        )
        values: dict[str, object] = {
            key: value
            for key, value in cleaned.values.items()
            if value is not None and key not in FIXED_ITEMS
        }
        day = date(round.year, 7, 1 + rng.randrange(28))
        return PersonForm(values, method, collector, day)

    def village(
        self, name: str, holders: Counter[int], round: Round
    ) -> dict[str, object]:
        """A village's community form without H1, counting ``holders`` (by
        category) as its certificate holders."""
        rng = self.rng
        total = sum(holders.values())
        if rng.random() < self.rates.miscounted_village:
            total += 1
        day_care = rng.choice([1, 2, 2])
        activities = rng.choice([0, 2, 4, 6])
        participants = min(30, activities * max(total, 1))
        answers: dict[str, object] = {
            "header.region_name": name,
            "header.urban_rural_class": 220,
            "population.registered": 1000 + rng.randrange(2000),
            "population.resident": 800 + rng.randrange(1000),
            "population.certified_total": total,
            "population.certified_visual": holders[1],
            "population.certified_hearing": holders[2],
            "population.certified_speech": holders[3],
            "population.certified_physical": holders[4],
            "population.certified_intellectual": holders[5],
            "population.certified_mental": holders[6],
            "population.certified_multiple": holders[7],
            "organisation.has_association": 1,
            "organisation.has_liaison": 1,
            "organisation.liaison_count": 1,
            "organisation.liaison_disabled_count": rng.choice([0, 1]),
            "organisation.liaison_subsidised": 1,
            "services.has_rehab_station": rng.choice([1, 2]),
            "services.rehab_coordinators": 1,
            "services.has_day_care": day_care,
            "services.day_care_places": 10 if day_care == 1 else None,
            "services.has_device_point": 2,
            "accessibility.facilities": frozenset({1}),
            "culture.has_venue": 1,
            "culture.activity_count": activities,
            "culture.participants": participants if activities else None,
            "support.has_clinic": 1,
            "support.family_doctor_service": 1,
            "support.has_employment_base": 2,
            "support.has_volunteer_service": 1,
            "support.has_legal_aid": 2,
            "footer.reporter": "赵红",
            "footer.phone": "07445000000",
            "footer.fill_date": date(round.year, 7, 10),
            "footer.township_reviewer": "钱明",
        }
        return {key: value for key, value in answers.items() if value is not None}

    def _answer(self, item: Item) -> object:
        """The typical answer; with a small chance a code drawn at random
        (an item without a typical answer is left blank unless required)."""
        typical = TYPICAL.get(item.id)
        codes = sorted(item.codes.codes) if item.codes else []
        odd = self.rng.random() < self.rates.odd_answer
        if not codes or (not odd and (typical is not None or not item.required)):
            return typical
        code = self.rng.choice(codes)
        return frozenset({code}) if item.type == ItemType.MULTI else code


def _by_age(age: int, hukou: int) -> dict[str, object]:
    """Answers that depend on age and hukou: schooling of children, and
    farming for rural workers, flexible jobs for urban ones."""
    answers: dict[str, object] = {"employment.form": 6 if hukou == 1 else 7}
    if age <= 5:
        answers["education.level"] = 2 if age >= 3 else 1
        answers["education.current_school"] = 1 if age >= 3 else None
    elif age <= 14:
        answers["education.level"] = 3 if age < 12 else 4
        answers["education.current_school"] = 2 if age < 12 else 3
    elif age <= 17:
        answers["education.level"] = 4
        answers["education.current_school"] = 4
    return answers


def _guardian(person: Person) -> str:
    """A parent's name for a child: the same surname."""
    return f"{person.name[0]}大山"
