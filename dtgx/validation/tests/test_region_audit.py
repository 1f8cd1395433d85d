"""The bulk audit of real records agrees with the audit on save, on
generated holders whose answers carry the usual field mistakes."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

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


def enter_generated(world: World, clerk: User, round: Round, count: int) -> None:
    generator = AnswerGenerator(seed=2025, rates=RATES)
    persons = [store_person(world.village, n) for n in range(1, count + 1)]
    load_base_list(world.cili, clerk, persons[:-3])
    survey.create_community_record(clerk, round, world.village, village_answers())
    for person in persons:
        form = generator.person(person, round, "李采集")
        survey.create_person_record(
            clerk,
            round,
            person,
            form.answers,
            survey_method=form.survey_method,
            collector=form.collector,
            survey_date=form.survey_date,
        )


def test_bulk_and_on_save_findings_agree_on_generated_records(
    world: World, cili_clerk: User, cili_auditor: User, round: Round
) -> None:
    enter_generated(world, cili_clerk, round, 40)
    on_save = open_pairs()
    rules = Counter(rule for _record, rule in on_save)
    assert len(rules) >= 5, rules  # a variety of findings, not one kind

    run = audit_region(cili_auditor, round, world.cili.code)

    assert open_pairs() == on_save
    assert (run.raised, run.resolved, run.reopened) == (0, 0, 0)
    assert run.records == 40 + 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer: its audits cannot overlap",
)
def test_overlapping_bulk_audits_wait_for_each_other(
    transactional_db: None,
    world: World,
    cili_clerk: User,
    cili_auditor: User,
    round: Round,
) -> None:
    """Two audits of the same records at once (the button pressed during
    an import) each rewrite the records' inputs and findings: the second
    waits for the first instead of colliding with it."""
    enter_generated(world, cili_clerk, round, 60)
    on_save = open_pairs()
    start = threading.Barrier(3)
    failures: list[BaseException] = []

    def audit(code: str) -> None:
        try:
            start.wait()
            audit_region(cili_auditor, round, code)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=audit, args=(code,))
        for code in (world.cili.code, world.cili.code, world.village.code)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert open_pairs() == on_save


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return str(cursor.fetchone()[0])


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's planner settings"
)
def test_the_audits_planner_settings_end_with_its_queries(
    world: World, cili_clerk: User, cili_auditor: User, round: Round
) -> None:
    """The audit query is compiled by JIT whatever its cost; what the
    transaction does afterwards is not: JIT left on for everything had
    every foreign-key check at COMMIT compiled, a millisecond each (245 s
    of a 200,000-holder county's audit)."""
    enter_generated(world, cili_clerk, round, 5)
    names = ("jit_above_cost", "work_mem", "jit_optimize_above_cost")
    before = {name: _setting(name) for name in names}
    assert before["jit_above_cost"] != "0"

    # The test's transaction encloses the audit's, as an import's does.
    audit_region(cili_auditor, round, world.cili.code)

    assert {name: _setting(name) for name in names} == before


# Plans that read every record, or every open finding, of the round.
_WHOLE_ROUND = (
    "person_record_round_idx (round_id=?)",
    "finding_round_status (round_id=? AND status=?)",
)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query planner")
def test_a_villages_audit_and_inserts_do_not_read_the_whole_round(
    world: World, cili_clerk: User, cili_auditor: User, round: Round
) -> None:
    """Batch work audits village by village; a query that reads the whole
    round there makes each village slower than the one before (an import
    of 100,000 rows took minutes more at its end than at its start)."""
    from django.test.utils import CaptureQueriesContext

    generator = AnswerGenerator(seed=7, rates=RATES)
    batch = []
    for number in (101, 102):
        person = store_person(world.village, number)
        form = generator.person(person, round, "李采集")
        batch.append(
            survey.NewPersonRecord(
                person,
                form.answers,
                survey_method=form.survey_method,
                collector=form.collector,
                survey_date=form.survey_date,
            )
        )
    with CaptureQueriesContext(connection) as captured:
        enter_generated(world, cili_clerk, round, 5)
        created = survey.create_person_records(cili_clerk, round, batch)
        audit_region(cili_auditor, round, world.village.code)
    assert all(not isinstance(r, Exception) for r in created), created
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.startswith(("SELECT", "UPDATE", "DELETE")):
                continue
            if "survey_personrecord" not in sql and "validation_finding" not in sql:
                continue
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plans += [(sql, str(row[3])) for row in cursor.fetchall()]
    assert plans
    whole = [(sql, step) for sql, step in plans if step.endswith(_WHOLE_ROUND)]
    assert whole == []
