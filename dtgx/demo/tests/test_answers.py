"""The demo's answer generator: reproducible, storable answers whose
distributions come out near the national figures for certificate holders,
and that keep to the rule set unless a field mistake is drawn.

The holders are built in memory from the demo's base-list generator; no
database is needed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date

import pytest

from dtgx.demo.answers import AnswerGenerator, MistakeRates, PersonForm
from dtgx.demo.persons import generate_rows
from dtgx.questionnaires.relevance import clean_answers
from dtgx.registry.models import Person
from dtgx.survey.models import PersonRecord, Round
from dtgx.survey.services import person_derived
from dtgx.validation.evaluate import evaluate_record
from dtgx.validation.rules import RULESETS_DIR, Severity, load_rule_set

CLEAN = MistakeRates(0, 0, 0, 0)
ROUND = Round(year=2025, reference_date=date(2025, 6, 30))
VILLAGES = ["430821101201", "430821102202", "430821001003"]
# The village form the rules compare against: day care, activities.
VILLAGE = {
    "header.region_code": VILLAGES[0],
    "header.urban_rural_class": 220,
    "services.has_day_care": 1,
    "culture.activity_count": 4,
    "culture.has_venue": 1,
    "support.has_employment_base": 1,
}
# Queries the true answers may raise: a holder without any medical
# insurance, and the cross-form ones whose village answers this test fixes.
GENUINE_QUERIES = {"SK30", "XF06"}

Answers = Mapping[str, object]


def holders(count: int, seed: int = 1) -> list[Person]:
    persons = []
    for certificate, name, village, _status, hukou in generate_rows(
        "430821", VILLAGES, count, seed=seed
    ):
        born = certificate[6:14]
        persons.append(
            Person(
                id_number=certificate[:18],
                certificate_number=certificate,
                name=name,
                sex=1 if int(certificate[16]) % 2 else 2,
                birth_date=date(int(born[:4]), int(born[4:6]), int(born[6:])),
                category=int(certificate[18]),
                grade=int(certificate[19]),
                hukou_type=int(hukou),
                region_code=village,
            )
        )
    return persons


@pytest.fixture(scope="module")
def population() -> list[tuple[Person, PersonForm]]:
    generator = AnswerGenerator(seed=2025, rates=CLEAN)
    return [(p, generator.person(p, ROUND, "李采集")) for p in holders(2500)]


def share(
    forms: list[tuple[Person, PersonForm]],
    yes: Callable[[Answers], bool],
    among: Callable[[Person, Answers], bool] = lambda _p, _a: True,
) -> float:
    asked = [f.answers for p, f in forms if among(p, f.answers)]
    assert asked
    return sum(1 for a in asked if yes(a)) / len(asked)


def ticked(item: str, code: int) -> Callable[[Answers], bool]:
    return lambda a: code in a.get(item, ())  # type: ignore[operator]


def normal(_p: Person, a: Answers) -> bool:
    return a.get("header.person_status") == 6


def test_it_is_reproducible_from_the_seed() -> None:
    persons = holders(50)

    first = [AnswerGenerator(seed=9).person(p, ROUND, "李采集") for p in persons]
    again = [AnswerGenerator(seed=9).person(p, ROUND, "李采集") for p in persons]

    assert first == again


def test_a_holder_gives_the_same_true_answers_to_every_clean_generator() -> None:
    """The clean generator that corrects a form reproduces the paper."""
    for person in holders(30):
        one = AnswerGenerator(seed=1, rates=CLEAN).person(person, ROUND, "李", method=1)
        two = AnswerGenerator(seed=2, rates=CLEAN).person(person, ROUND, "李", method=1)
        phone = "basic.phone"
        assert {**one.answers, phone: None} == {**two.answers, phone: None}


def test_the_answers_follow_the_skip_logic(
    population: list[tuple[Person, PersonForm]],
) -> None:
    form = PersonRecord.questionnaire()
    for person, generated in population:
        answers = dict(generated.answers)
        answers["header.survey_method"] = generated.survey_method
        answers["header.region_code"] = VILLAGES[0]
        answers["footer.collector"] = generated.collector
        answers["footer.fill_date"] = generated.survey_date
        cleaned = clean_answers(form, answers, person_derived(person, ROUND))
        assert not cleaned.problems, (person.certificate_number, cleaned.problems)
        assert not cleaned.missing_required, person.certificate_number
        assert not cleaned.cleared, (person.certificate_number, cleaned.cleared)


def test_the_true_answers_raise_no_error_and_few_queries(
    population: list[tuple[Person, PersonForm]],
) -> None:
    rules = load_rule_set(province=RULESETS_DIR / "provinces" / "43-hunan-2018.yaml")
    raised: Counter[str] = Counter()
    for person, generated in population:
        values = dict(generated.answers) | {
            "header.survey_method": generated.survey_method,
            "header.region_code": VILLAGES[0],
            "footer.collector": generated.collector,
            "footer.fill_date": generated.survey_date,
        }
        derived = person_derived(person, ROUND) | _registry_inputs(person)
        for result in evaluate_record(rules, values, derived, community=VILLAGE):
            assert result.severity == Severity.QUERY, (result.rule_id, values)
            raised[result.rule_id] += 1
    assert set(raised) <= GENUINE_QUERIES, raised
    assert sum(raised.values()) < 0.01 * len(population)


def test_working_age_holders_work_about_as_often_as_nationally(
    population: list[tuple[Person, PersonForm]],
) -> None:
    def working_age(_p: Person, a: Answers) -> bool:
        return "employment.is_employed" in a

    def severe(p: Person, a: Answers) -> bool:
        return working_age(p, a) and p.grade in (1, 2)

    def mild(p: Person, a: Answers) -> bool:
        return working_age(p, a) and p.grade in (3, 4)

    def employed(a: Answers) -> bool:
        return a["employment.is_employed"] == 1

    assert 0.38 <= share(population, employed, working_age) <= 0.55
    assert share(population, employed, severe) < share(population, employed, mild)
    forms = Counter(f.answers.get("employment.form") for _p, f in population)
    forms.pop(None)
    assert len(forms) >= 6  # a mix of employment forms
    assert forms.most_common(1)[0][0] == 6  # 农村种养加 in a rural county
    reasons = Counter(
        f.answers.get("employment.not_employed_reason") for _p, f in population
    )
    reasons.pop(None)
    assert len(reasons) == 7
    assert reasons[5] / reasons.total() < 0.7  # 丧失劳动能力, not everyone


def test_social_security_is_near_the_national_figures(
    population: list[tuple[Person, PersonForm]],
) -> None:
    dibao = ticked("social_security.assistance", 1)

    def rural(p: Person, a: Answers) -> bool:
        return normal(p, a) and a.get("basic.hukou_type") == 1

    def urban(p: Person, a: Answers) -> bool:
        return normal(p, a) and a.get("basic.hukou_type") == 2

    def insured(a: Answers) -> bool:
        staff = a.get("social_security.employee_insurance", ())
        return a.get("social_security.resident_medical") == 1 or 2 in staff  # type: ignore[operator]

    assert 0.22 <= share(population, dibao, normal) <= 0.38
    assert share(population, dibao, rural) > share(population, dibao, urban)
    assert share(population, insured, normal) >= 0.95
    care_subsidy = ticked("social_security.welfare_allowances", 2)
    severe = lambda p, a: normal(p, a) and p.grade in (1, 2)  # noqa: E731
    assert share(population, care_subsidy, severe) > 0.95


def test_services_and_needs_are_spread(
    population: list[tuple[Person, PersonForm]],
) -> None:
    received = share(population, lambda a: 8 not in a["health.rehab_received"], normal)  # type: ignore[operator]
    no_need = share(population, ticked("health.rehab_needed", 8), normal)
    takes_part = share(
        population,
        lambda a: a["culture.takes_part"] == 1,
        lambda p, a: "culture.takes_part" in a,
    )

    def school_age(p: Person, a: Answers) -> bool:
        return normal(p, a) and "education.level" in a and 6 <= _age(p) <= 14

    in_school = share(population, lambda a: "education.current_school" in a, school_age)

    assert 0.25 <= received <= 0.5
    assert 0.3 <= no_need <= 0.6
    assert 0.05 <= takes_part <= 0.25
    assert in_school >= 0.9
    for item, codes in (
        ("health.rehab_received", range(1, 8)),
        ("health.rehab_needed", range(1, 8)),
        ("accessibility.modification_needs", range(1, 7)),
        ("culture.not_taking_part_reasons", (1, 3, 4)),
    ):
        for code in codes:
            assert share(population, ticked(item, code), normal) > 0, (item, code)


def _age(person: Person) -> int:
    age = person_derived(person, ROUND)["age"]
    assert isinstance(age, int)
    return age


def _registry_inputs(person: Person) -> dict[str, object]:
    """What the registry tells the rules about a holder in the base list."""
    return {
        "in_base_list": True,
        "registry_status": 1,
        "registry_category": person.category,
        "registry_grade": person.grade,
        "registry_sex": person.sex,
        "name_matches_registry": True,
        "id_county_matches_village": True,
        "region_code_valid": True,
        "householder_id_valid": True,
        "certificate_checksum_ok": True,
        "certificate_birth_date_ok": True,
        "certificate_province_ok": True,
        "campaign_start": date(2025, 7, 1),
        "campaign_end": date(2025, 12, 31),
        "audit_date": date(2025, 8, 31),
    }
