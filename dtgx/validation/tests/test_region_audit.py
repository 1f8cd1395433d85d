"""The bulk audit of real records agrees with the audit on save, on
generated holders whose answers carry the usual field mistakes."""

from __future__ import annotations

from collections import Counter

from dtgx.accounts.models import User
from dtgx.conftest import World
from dtgx.demo.answers import AnswerGenerator, MistakeRates
from dtgx.survey import services as survey
from dtgx.survey.models import Round
from dtgx.survey.tests.helpers import load_base_list, store_person, village_answers
from dtgx.validation.models import Finding
from dtgx.validation.services import audit_region

# Mistakes far more often than in the field, so every kind shows up.
RATES = MistakeRates(odd_answer=0.08, misspelt_name=0.2, other_hukou=0.2)


def open_pairs() -> set[tuple[int | None, str]]:
    return set(
        Finding.objects.exclude(status="resolved").values_list(
            "person_record", "rule_id"
        )
    )


def test_bulk_and_on_save_findings_agree_on_generated_records(
    world: World, cili_clerk: User, cili_auditor: User, round: Round
) -> None:
    generator = AnswerGenerator(seed=2025, rates=RATES)
    persons = [store_person(world.village, n) for n in range(1, 41)]
    load_base_list(world.cili, cili_clerk, persons[:-3])
    survey.create_community_record(cili_clerk, round, world.village, village_answers())
    for person in persons:
        form = generator.person(person, round, "李采集")
        survey.create_person_record(
            cili_clerk,
            round,
            person,
            form.answers,
            survey_method=form.survey_method,
            collector=form.collector,
            survey_date=form.survey_date,
        )
    on_save = open_pairs()
    rules = Counter(rule for _record, rule in on_save)
    assert len(rules) >= 5, rules  # a variety of findings, not one kind

    run = audit_region(cili_auditor, round, world.cili.code)

    assert open_pairs() == on_save
    assert (run.raised, run.resolved, run.reopened) == (0, 0, 0)
    assert run.records == len(persons) + 1
