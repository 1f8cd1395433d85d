"""Plausible answers for the demo's holders and villages.

Each holder's answers are drawn from distributions that depend on the
holder's disability category and grade, age, sex and hukou, so that the
summary tables come out near the published national figures for
certificate holders (below). With a small chance each answer is drawn at
random among the item's codes instead, and a few holders' names are
misspelt or their hukou type differs from the registry: the kinds of
field mistakes the national rule set catches (queries and errors), at
roughly the rates the audit finds in practice. The drawn answers keep to
the rule set's own consistency checks (低保 with 困难残疾人生活补贴, 医保缴费
资助 with 医疗救助, 职工保险 instead of 居民保险, …), and skip logic is applied
with the holder's own derived values, so the answers are complete and
storable through the survey services.

Reference figures (orders of magnitude; about 38 million certificate
holders nationally, 2021-2025) and the shares aimed at here:

=============================  ================================  ==========
figure                         published                         generated
=============================  ================================  ==========
employed, holders 16-59        905.5万 employed (end 2022) [1]   ~45 %
                               of roughly 18-20 million
employment forms (employed)    种养加 45 %, 灵活 31 %, 按比例    same mix,
                               11 %, 个体 7 %, 集中 2 %, 公益性  by hukou
                               2 %, 辅助性 2 % [2]
basic medical insurance        参保率 97.05 % (2021) [1], >95 %  ~99 %
                               [2]
resident pension insurance     2,733万 insured, 979万 with       ~94 % of
                               subsidised contributions (2021)   those asked
                               [1]; 2,774万 (2025) [2]
subsistence allowance (低保)   about 1,100-1,150万 holders,      ~30 %
                               ~30 % (CDPF bulletins 2020-2023)  (rural
                                                                 higher)
two allowances                 生活补贴 ~1,200万, 护理补贴       ~35 %,
                               ~1,550万 (CDPF bulletins)         grade 1-2
basic rehabilitation services  850.8万 (2021) [1], 795.9万       ~35-40 %
                               (2025) [2]; devices 149-243万     (R35 also
                               a year [2][3]                     counts
                                                                 drugs)
care services (托养)           165万人次 in institutions and     ~5 % of
                               670万人次 at home, 2013-2021 [1]  those asked
home accessibility works       ~20万 households a year (十四五   ~2 %
                               target 110万)
school enrolment, ages 6-14    入学率 ~97 % (MoE; [4] S31)       ~96 %
family doctor contract         签约率 ~80 % (CDPF targets)       ~80 %
=============================  ================================  ==========

[1] 《中国残疾人事业研究报告(2023)》 (blue book), as reported at
    http://vvvcd.com/view-165279-1.html
[2] a dashboard citing the 2025 bulletin (shared/reference S19; third
    party, unverified)
[3] 中国残疾人事业统计年鉴 3-1 (2016-2020),
    https://qp2358.com/zznz2020zh/7507622c2e774b3dadacb7dc8f9f3bc2.html
[4] shared/reference/forms-and-rules.md (S19, S31)
Figures marked only "CDPF bulletins" are from memory of the annual
中国残疾人事业发展统计公报 and are rounded.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

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

# Fallback answers: every item that a random (odd) answer can bring into
# play has one, so that a form is never left incomplete. The holder's own
# answers (``AnswerGenerator._plausible``) replace them.
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
    "education.not_enrolled_reason": 6,
    "employment.is_employed": 2,
    "employment.unemployment_registered": 2,
    "employment.form": 7,
    "employment.livelihood_source": 4,
    "employment.not_employed_reason": 5,
    "employment.help_received": frozenset({6}),
    "employment.help_needed": frozenset({6}),
    "social_security.employee_insurance": frozenset({4}),
    "social_security.resident_pension": 1,
    "social_security.pension_subsidy": 2,
    "social_security.resident_medical": 1,
    "social_security.medical_subsidy": 2,
    "social_security.assistance": frozenset({6}),
    "social_security.subsistence_type": 1,
    "social_security.urban_subsistence_amount": 2,
    "social_security.welfare_allowances": frozenset({4}),
    "social_security.receives_care_service": 2,
    "social_security.care_service_type": 3,
    "social_security.care_service_need": 5,
    "health.family_doctor": 1,
    "health.other_illness": 2,
    "health.treated": 1,
    "health.untreated_reasons": frozenset({3}),
    "health.rehab_received": frozenset({8}),
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
OUT_OF_SCHOOL_REMARK = "初中毕业后未继续升学，在家帮助家里干农活。"

VISUAL, HEARING, SPEECH, PHYSICAL, INTELLECTUAL, MENTAL, MULTIPLE = range(1, 8)
RURAL, URBAN = 1, 2
YES, NO = 1, 2

# --- employment (R16-R21) ----------------------------------------------------

# Chance of work by grade, scaled by category, age and sex.
EMPLOYED_BY_GRADE = {1: 0.24, 2: 0.42, 3: 0.70, 4: 0.80}
EMPLOYED_BY_CATEGORY = {1: 0.95, 2: 1.1, 3: 1.0, 4: 1.0, 5: 0.75, 6: 0.6, 7: 0.5}
# Employment forms (R17): 按比例 集中 个体 公益性 辅助性 种养加 灵活.
FORMS_RURAL = {1: 6, 2: 2, 3: 6, 4: 2, 5: 0.5, 6: 53, 7: 30}
FORMS_URBAN = {1: 30, 2: 6, 3: 14, 4: 7, 5: 1, 7: 42}
# Main reason for not working (R19), for the severely disabled and others:
# 无就业意愿 无就业技能 丧失劳动能力 农用土地被征用 其他 (退休 and 在校学习
# are decided from age, hukou and schooling).
NOT_WORKING_SEVERE = {3: 7, 4: 8, 5: 64, 6: 2, 7: 13}
NOT_WORKING_OTHER = {3: 13, 4: 24, 5: 30, 6: 5, 7: 22}
HELP_RECEIVED = {1: 0.08, 2: 0.04, 3: 0.12, 4: 0.05, 5: 0.07}
HELP_NEEDED = {1: 0.22, 2: 0.12, 3: 0.16, 4: 0.18, 5: 0.05}

# --- rehabilitation (R35-R37) ------------------------------------------------

# Chance of having received any service in the year, by category.
REHAB_RECEIVED = {1: 0.30, 2: 0.28, 3: 0.30, 4: 0.36, 5: 0.38, 6: 0.62, 7: 0.45}
# Kinds of service by category: 医疗 康复训练 辅助器具 护理 心理疏导 知识普及 其他.
REHAB_KINDS: Mapping[int, Mapping[int, float]] = {
    VISUAL: {1: 0.30, 2: 0.15, 3: 0.40, 6: 0.30, 7: 0.03},
    HEARING: {1: 0.15, 2: 0.20, 3: 0.50, 6: 0.30, 7: 0.03},
    SPEECH: {1: 0.10, 2: 0.60, 6: 0.30, 7: 0.03},
    PHYSICAL: {1: 0.35, 2: 0.45, 3: 0.25, 4: 0.10, 6: 0.25, 7: 0.03},
    INTELLECTUAL: {1: 0.10, 2: 0.55, 4: 0.08, 5: 0.12, 6: 0.30, 7: 0.03},
    MENTAL: {1: 0.85, 2: 0.10, 4: 0.05, 5: 0.25, 6: 0.25, 7: 0.02},
    MULTIPLE: {1: 0.35, 2: 0.40, 3: 0.25, 4: 0.20, 5: 0.05, 6: 0.20, 7: 0.03},
}
NO_REHAB_REASONS = {2: 0.35, 3: 0.35, 4: 0.25, 5: 0.20, 6: 0.10}

# --- home accessibility (R38, R39) -------------------------------------------

# 坡化 扶手 厨卫 低位 信息无障碍 其他, by category.
MODIFICATIONS: Mapping[int, Mapping[int, float]] = {
    VISUAL: {1: 0.30, 2: 0.40, 3: 0.15, 6: 0.30},
    HEARING: {5: 0.80, 6: 0.20},
    SPEECH: {5: 0.50, 6: 0.50},
    PHYSICAL: {1: 0.50, 2: 0.50, 3: 0.35, 4: 0.15, 6: 0.05},
    INTELLECTUAL: {1: 0.20, 2: 0.40, 3: 0.30, 6: 0.30},
    MENTAL: {2: 0.30, 3: 0.30, 6: 0.50},
    MULTIPLE: {1: 0.40, 2: 0.45, 3: 0.35, 4: 0.15, 5: 0.15, 6: 0.10},
}
NEEDS_MODIFICATION = {1: 0.10, 2: 0.08, 3: 0.05, 4: 0.14, 5: 0.05, 6: 0.04, 7: 0.15}

# --- education (R12-R15) -----------------------------------------------------

# Highest level (R13) of literate adults out of school, by age.
LEVELS_BY_AGE: Sequence[tuple[int, Mapping[int, float]]] = (
    (29, {3: 12, 4: 40, 5: 28, 6: 12, 7: 8}),
    (44, {3: 22, 4: 45, 5: 22, 6: 7, 7: 4}),
    (59, {3: 38, 4: 42, 5: 15, 6: 3, 7: 2}),
    (200, {1: 5, 3: 55, 4: 28, 5: 10, 6: 2}),
)
# Why a child of compulsory-school age is not in school (R15), when the
# disability is not severe (2, 残疾程度重, is for grades 1 and 2 only).
NOT_ENROLLED = {1: 15, 3: 10, 4: 20, 5: 25, 6: 30}

MARRIAGE_BY_AGE: Sequence[tuple[int, Mapping[int, float]]] = (
    (29, {1: 62, 2: 35, 3: 3}),
    (44, {1: 28, 2: 60, 3: 9, 4: 3}),
    (59, {1: 14, 2: 72, 3: 7, 4: 7}),
    (200, {1: 6, 2: 58, 3: 4, 4: 32}),
)


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
        # The holder's true answers come from the holder's own stream, so
        # that any generator (the clean one that corrects forms too) and any
        # round give the same person the same answers; only the mistakes,
        # the survey method and the bookkeeping come from ``seed``.
        truth = random.Random(f"dtgx-demo-holder:{person.id_number}")
        plausible = _Holder(truth, person, age).answers()
        remarks = plausible.pop("footer.remarks", None)
        answers = {
            item.id: self._answer(item, plausible.get(item.id))
            for item in self.person_form.items
            if item.id not in FIXED_ITEMS
        }
        if method is None:
            weights = list(METHOD_WEIGHTS.values())
            method = rng.choices(list(METHOD_WEIGHTS), weights)[0]
        if method == PHONE and person.category in (2, 3):
            method = VISIT  # hearing and speech: not by telephone
        if method == LOST and rng.random() > rates.odd_answer:
            answers["header.person_status"] = LOST_STATUS
            remarks = LOST_REMARK if rng.random() > rates.odd_answer else None
        adult = age >= 18
        name = person.name
        if rng.random() < rates.misspelt_name:
            name = name[:-1] + rng.choice("明华军芳")
        hukou = person.hukou_type or RURAL
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
        # Most villages hold a few activities a year; one in eight none.
        activities = rng.choice([0, 2, 2, 4, 4, 6, 6, 8])
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

    def _answer(self, item: Item, value: object) -> object:
        """The holder's answer (or the typical one); with a small chance a
        code drawn at random instead."""
        if value is None:
            value = TYPICAL.get(item.id)
        codes = item.codes.codes if item.codes else None
        if not codes or self.rng.random() >= self.rates.odd_answer:
            return value
        code = self.rng.choice(sorted(codes))
        return frozenset({code}) if item.type == ItemType.MULTI else code


class _Holder:
    """The true answers of one holder, drawn section by section: what is
    decided first (schooling, work, low income) conditions what follows."""

    def __init__(self, rng: random.Random, person: Person, age: int) -> None:
        self.rng = rng
        self.age = age
        self.category = person.category if person.category in REHAB_KINDS else None
        self.grade = person.grade
        self.severe = person.grade in (1, 2)
        self.female = person.sex == 2
        self.hukou = person.hukou_type or RURAL
        self.rural = self.hukou == RURAL
        # Only holders of a 20-digit certificate receive the two allowances.
        self.certified = len(person.certificate_number or "") == 20
        self.a: dict[str, object] = {}

    def answers(self) -> dict[str, object]:
        self.a["basic.marital_status"] = self._marital_status()
        in_institution = self._in_institution()
        self.a["basic.lives_in_institution"] = YES if in_institution else NO
        student = self._education()
        employed = (
            False
            if in_institution or not 16 <= self.age <= 59
            else self._employment(student)
        )
        self._social_security(in_institution, employed)
        self._health()
        self._accessibility()
        self._culture()
        return self.a

    # --- helpers

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, weights: Mapping[int, float]) -> int:
        codes = list(weights)
        cum = list(accumulate(weights.values()))
        return codes[self.rng.choices(range(len(codes)), cum_weights=cum)[0]]

    def some(self, chances: Mapping[int, float], none: int) -> frozenset[int]:
        """Each code with its own chance; ``none`` when no code is drawn."""
        got = frozenset(c for c, p in chances.items() if self.chance(p))
        return got or frozenset({none})

    def at_least_one(self, chances: Mapping[int, float]) -> frozenset[int]:
        """Each code with its own chance, but at least the likeliest one."""
        got = frozenset(c for c, p in chances.items() if self.chance(p))
        return got or frozenset({max(chances, key=chances.__getitem__)})

    # --- sections

    def _marital_status(self) -> int:
        if (self.age < 22 and not self.female) or self.age < 20:
            return 1  # below the legal age of marriage
        weights = next(w for top, w in MARRIAGE_BY_AGE if self.age <= top)
        if self.category in (INTELLECTUAL, MENTAL, MULTIPLE) and self.chance(0.35):
            return 1
        return self.pick(weights)

    def _in_institution(self) -> bool:
        """Living in a 敬老院 or 福利院: mostly old people on their own."""
        alone = self.a["basic.marital_status"] in (1, 4)
        if self.age >= 60 and alone:
            return self.chance(0.06)
        return self.age >= 18 and self.severe and self.chance(0.006)

    def _education(self) -> bool:
        """Literacy, level and school (R12-R15); whether a student."""
        a, age = self.a, self.age
        slow = self.category in (INTELLECTUAL, MULTIPLE)
        special = slow or self.severe
        if age < 3:
            return False
        if age <= 5:
            if self.chance(0.6):
                a["education.level"] = 2
                a["education.current_school"] = 7 if special and self.chance(0.2) else 1
            else:
                a["education.level"] = 1
            return False
        if age <= 14:
            enrolled = 0.88 if special and self.severe else 0.98
            if self.chance(enrolled):
                middle = age >= 12
                a["education.level"] = 4 if middle else 3
                if self.chance(0.55 if special else 0.2):
                    home = self.severe and self.chance(0.25)
                    a["education.current_school"] = 12 if home else (9 if middle else 8)
                else:
                    a["education.current_school"] = 3 if middle else 2
            else:
                a["education.level"] = 3 if age >= 10 and self.chance(0.3) else 1
                if self.severe and self.chance(0.6):
                    a["education.not_enrolled_reason"] = 2
                else:
                    a["education.not_enrolled_reason"] = self.pick(NOT_ENROLLED)
            return False
        student = (
            self.chance(0.97 if age == 15 else 0.8 if special else 0.85)
            if age <= 17
            else age <= 22 and self.chance(0.06 if special else 0.16)
        )
        if student:
            a["education.literate"] = 1
            if (age <= 15 and self.chance(0.5)) or (age == 16 and self.chance(0.15)):
                level, school = 4, 9 if slow else 3  # 初中
            elif age <= 18 or self.chance(0.3):
                level, school = 5, 10 if slow else 4  # 高中、中专
            else:
                level, school = 6 if self.chance(0.6) else 7, 11 if slow else 5
            a["education.level"] = level
            a["education.current_school"] = school
            return True
        if age == 15:  # Hunan asks why a 15-year-old is out of school
            a["footer.remarks"] = OUT_OF_SCHOOL_REMARK
        literate = self._literate()
        a["education.literate"] = YES if literate else NO
        if not literate:
            a["education.level"] = 1 if self.chance(0.7) else 3
        elif age <= 17:
            a["education.level"] = 4 if self.chance(0.8) else 3
        elif slow:
            a["education.level"] = self.pick({3: 60, 4: 35, 5: 5})
        else:
            levels = next(w for top, w in LEVELS_BY_AGE if age <= top)
            a["education.level"] = self.pick(levels)
        return False

    def _literate(self) -> bool:
        age = self.age
        if self.category == INTELLECTUAL:
            p = 0.4
        elif self.category == MULTIPLE:
            p = 0.45
        else:
            p = 0.93 if age < 30 else 0.86 if age < 60 else 0.66 if age < 75 else 0.45
            p -= 0.1 if self.female and age >= 60 else 0
        return self.chance(p - (0.08 if self.severe else 0))

    def _employment(self, student: bool) -> bool:
        """Section D for a working-age holder at home; whether employed."""
        a, age = self.a, self.age
        if student:
            a["employment.is_employed"] = NO
            a["employment.not_employed_reason"] = 1
            a["employment.livelihood_source"] = 4
            return False
        p = EMPLOYED_BY_GRADE.get(self.grade, 0.5)
        p *= EMPLOYED_BY_CATEGORY.get(self.category or PHYSICAL, 1.0)
        p *= 0.7 if age < 20 else 0.85 if age < 25 else 0.8 if age >= 55 else 1.0
        p *= 0.88 if self.female else 1.0
        if self.chance(p):
            a["employment.is_employed"] = YES
            forms = dict(FORMS_RURAL if self.rural else FORMS_URBAN)
            if self.category not in (INTELLECTUAL, MENTAL, MULTIPLE):
                forms[5] = 0.2 * forms.get(5, 0)  # 辅助性就业 is mostly for them
            a["employment.form"] = self.pick(forms)
            self._help()
            return True
        a["employment.is_employed"] = NO
        retired = age >= 45 and self.chance(
            0.02 if self.rural else 0.12 if self.severe else 0.18
        )
        if retired:
            reason = 2
        else:
            reason = self.pick(NOT_WORKING_SEVERE if self.severe else NOT_WORKING_OTHER)
            if reason == 6 and not self.rural:
                reason = 7  # land requisitioned: rural families only
        a["employment.not_employed_reason"] = reason
        if not self.rural:
            looking = reason in (4, 7) and self.chance(0.25)
            a["employment.unemployment_registered"] = YES if looking else NO
        if reason in (4, 6, 7):
            self._help()
        return False

    def _help(self) -> None:
        received, needed = dict(HELP_RECEIVED), dict(HELP_NEEDED)
        if not self.rural:  # 农村实用技术培训 is for rural holders
            received.pop(3)
            needed.pop(3)
        self.a["employment.help_received"] = self.some(received, 6)
        self.a["employment.help_needed"] = self.some(needed, 6)

    def _social_security(self, in_institution: bool, employed: bool) -> None:
        """Sections B and E: income and housing, insurance, assistance,
        allowances and care."""
        a, age, rural = self.a, self.age, self.rural
        form = a.get("employment.form") if employed else None
        reason = a.get("employment.not_employed_reason")
        # Subsistence allowance (低保) or destitute support (特困).
        p = 0.34 if rural else 0.25
        p += 0.10 if self.severe else -0.05
        p += 0.06 if self.category in (INTELLECTUAL, MENTAL, MULTIPLE) else 0
        p *= 0.6 if employed else 1.0
        destitute = (
            self.chance(0.85)
            if in_institution
            else self.chance(0.06 if self.severe else 0.025)
        )
        dibao = not destitute and not in_institution and self.chance(p)
        poor = dibao or destitute
        # Economy (B): both kinds are drawn; R3 decides which are asked.
        low_income = not poor and self.chance(0.18)
        a["economy.urban_income_status"] = 1 if dibao else 2 if low_income else 3
        housing = self.pick({1: 70, 2: 25 if poor else 10, 3: 14, 4: 4})
        a["economy.urban_housing"] = housing
        if housing == 2:
            a["economy.housing_support_types"] = self.pick_one(
                {1: 55, 2: 8, 3: 20, 4: 14, 5: 3}
            )
        if poor:
            a["economy.poverty_status"] = 1 if self.chance(0.6) else 2
        else:
            a["economy.poverty_status"] = self.pick({1: 20, 2: 6, 3: 74})
        renovated = rural and self.chance(0.012)
        rural_housing = 1 if renovated else self.pick({1: 68, 2: 27, 3: 4, 4: 1})
        if rural_housing == 4 and a["economy.poverty_status"] == 1:
            rural_housing = 3  # 建档立卡 families are not left in unsafe houses
        a["economy.rural_housing"] = rural_housing
        # Livelihood of those not working (R18).
        if reason == 2:
            a["employment.livelihood_source"] = 1
        elif reason is not None and reason != 1:
            a["employment.livelihood_source"] = (
                self.pick({3: 60, 4: 35, 5: 5})
                if poor
                else self.pick({2: 2, 3: 5, 4: 85, 5: 8})
            )
        # Employees' insurance (R22) instead of the residents' (R23, R25).
        if form in (1, 2):
            staff = True
        elif form == 4:
            staff = self.chance(0.7)
        elif form in (3, 7):
            staff = self.chance(0.05 if rural else 0.3)
        elif reason == 2:
            staff = not rural
        elif age >= 60:
            staff = self.chance(0.03 if rural else 0.35)
        else:
            staff = age >= 16 and reason != 1 and not rural and self.chance(0.05)
        if staff:
            a["social_security.employee_insurance"] = (
                frozenset({1, 2, 3})
                if employed and self.chance(0.65)
                else frozenset({1, 2})
            )
            a["social_security.resident_pension"] = NO
            a["social_security.resident_medical"] = NO
        else:
            a["social_security.employee_insurance"] = frozenset({4})
            insured = reason == 2 or self.chance(0.96 if age >= 60 else 0.93)
            a["social_security.resident_pension"] = YES if insured else NO
            a["social_security.resident_medical"] = YES if self.chance(0.997) else NO
        subsidised = poor or self.severe
        a["social_security.pension_subsidy"] = (
            YES if self.chance(0.92 if subsidised else 0.25) else NO
        )
        aided = self.chance(0.9 if poor else 0.08 if self.severe else 0.02)
        a["social_security.medical_subsidy"] = YES if aided else NO
        if a["social_security.resident_medical"] == NO:
            aided = self.chance(0.06 if poor else 0.02)  # 医疗救助 for bills
        # Assistance (R27): 医保缴费资助 counts as 医疗救助.
        assistance = {1} if dibao else {2} if destitute else set()
        if aided or self.chance(0.02):
            assistance.add(3)
        if self.chance(0.05):
            assistance.add(4)
        if renovated:
            assistance.add(5)
        a["social_security.assistance"] = frozenset(assistance or {6})
        a["social_security.subsistence_type"] = self.hukou
        a["social_security.urban_subsistence_amount"] = 1 if self.chance(0.3) else 2
        # The two allowances (R28), for holders of a certificate.
        hardship = (
            a["economy.poverty_status"] in (1, 2) if rural else low_income
        ) and not in_institution
        allowances = set()
        if self.certified and (
            dibao
            or (destitute and self.chance(0.7))
            or (hardship and self.chance(0.08))
        ):
            allowances.add(1)
        if self.certified and self.severe:
            allowances.add(2)
        if self.chance(0.06):
            allowances.add(3)
        a["social_security.welfare_allowances"] = frozenset(allowances or {4})
        # Care services (R29, R30) for those the form asks.
        if self.chance(0.05):
            a["social_security.receives_care_service"] = YES
            a["social_security.care_service_type"] = self.pick({1: 15, 2: 25, 3: 60})
        else:
            a["social_security.receives_care_service"] = NO
            need = 0.45 if self.severe else 0.25
            a["social_security.care_service_need"] = (
                self.pick({1: 50, 2: 28, 3: 15, 4: 7}) if self.chance(need) else 5
            )

    def pick_one(self, weights: Mapping[int, float]) -> frozenset[int]:
        return frozenset({self.pick(weights)})

    def _health(self) -> None:
        """Section F: family doctor, illness, rehabilitation."""
        a, age, category = self.a, self.age, self.category or PHYSICAL
        doctor = 0.76 + (0.08 if self.severe else 0) + (0.06 if age >= 60 else 0)
        a["health.family_doctor"] = YES if self.chance(doctor) else NO
        if self.chance(0.22 if age >= 60 else 0.12):
            a["health.other_illness"] = YES
            if self.chance(0.82):
                a["health.treated"] = YES
            else:
                a["health.treated"] = NO
                hard = 0.4 if self.severe else 0.2
                a["health.untreated_reasons"] = self.some(
                    {1: 0.3, 2: hard, 3: 0.45, 4: 0.1}, 5
                )
        else:
            a["health.other_illness"] = NO
        p = REHAB_RECEIVED[category]
        p += (0.06 if self.severe else 0) + (0.25 if age < 15 else 0)
        p -= 0.05 if age >= 60 else 0
        kinds = dict(REHAB_KINDS[category])
        if self.severe:
            kinds[4] = kinds.get(4, 0) + 0.1  # nursing care
        if self.chance(p):
            a["health.rehab_received"] = self.at_least_one(kinds)
            need = 0.7
        else:
            a["health.rehab_received"] = frozenset({8})
            no_need = 0.4 if self.severe else 0.6 if age >= 60 else 0.55
            if self.chance(no_need):
                a["health.no_rehab_reasons"] = frozenset({1})
                a["health.rehab_needed"] = frozenset({8})
                return
            reasons = dict(NO_REHAB_REASONS)
            reasons[5] += 0.2 if self.severe else 0
            a["health.no_rehab_reasons"] = self.some(reasons, 6)
            need = 0.9
        a["health.rehab_needed"] = (
            self.at_least_one(kinds) if self.chance(need) else frozenset({8})
        )

    def _accessibility(self) -> None:
        category = self.category or PHYSICAL
        mobility = self.severe and category in (VISUAL, PHYSICAL, MULTIPLE)
        modified = self.chance(0.045 if mobility else 0.01)
        self.a["accessibility.home_modified"] = YES if modified else NO
        p = NEEDS_MODIFICATION[category] + (0.15 if mobility else 0)
        self.a["accessibility.modification_needs"] = (
            self.at_least_one(MODIFICATIONS[category])
            if self.chance(p * (0.5 if modified else 1))
            else frozenset({7})
        )

    def _culture(self) -> None:
        age = self.age
        p = 0.14 + (0.06 if age < 18 else 0) - (0.06 if self.severe else 0)
        p -= 0.05 if age >= 70 else 0
        if self.chance(p):
            self.a["culture.takes_part"] = YES
            return
        self.a["culture.takes_part"] = NO
        body = 0.75 if self.severe else 0.4
        body += 0.15 if age >= 65 else 0
        # "没有适合的场所" is rare: the villages' own forms report a venue.
        self.a["culture.not_taking_part_reasons"] = self.some(
            {1: body, 2: 0.003, 3: 0.3, 4: 0.2}, 4
        )


def _guardian(person: Person) -> str:
    """A parent's name for a child: the same surname."""
    return f"{person.name[0]}大山"
