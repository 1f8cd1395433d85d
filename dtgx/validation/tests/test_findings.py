"""Findings: raised on save, resolved by corrections, verified with an
explanation, and kept in step by the bulk audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dtgx.accounts.models import AuditEvent, User
from dtgx.conftest import World
from dtgx.registry.models import Person
from dtgx.survey import services as survey
from dtgx.survey.models import PersonRecord, Round
from dtgx.survey.tests.helpers import (
    enter,
    load_base_list,
    store_person,
    village_answers,
)
from dtgx.validation.models import AuditRun, Finding, FindingStatus
from dtgx.validation.services import audit_region, verify_finding

# The farmer's record before the base list and the community form exist:
# not in the base list (ID09), and no community form in the village (ST04).
FRESH_RULES = {"ID09", "ST04"}


def rules(record: PersonRecord, status: str = FindingStatus.OPEN) -> set[str]:
    return set(
        Finding.objects.filter(person_record=record, status=status).values_list(
            "rule_id", flat=True
        )
    )


def finding(record: PersonRecord, rule_id: str) -> Finding:
    return Finding.objects.get(person_record=record, rule_id=rule_id)


def correct(clerk: User, record: PersonRecord, **answers: object) -> None:
    survey.change_person_record(
        clerk,
        record,
        {key.replace("__", "."): value for key, value in answers.items()},
        expected_version=record.version,
        reason="核对原始表后更正",
        responsible_person="李四",
    )


def test_saving_a_record_raises_its_findings(record: PersonRecord) -> None:
    assert rules(record) == FRESH_RULES
    stored = finding(record, "ID09")
    assert stored.severity == "error"
    assert stored.region_code == record.region_code
    assert stored.rule_set_version.startswith("national-2018 2018.1")


def test_a_draft_has_no_findings(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    draft = survey.create_person_record(
        cili_clerk,
        round,
        farmer,
        {"basic.name": farmer.name},
        survey_method=1,
        collector="李采集",
        survey_date=round.campaign_start,
        draft=True,
    )
    assert not Finding.objects.filter(person_record=draft).exists()


def test_a_correction_that_makes_the_rule_pass_resolves_the_finding(
    world: World, cili_clerk: User, record: PersonRecord
) -> None:
    survey.create_community_record(
        cili_clerk, record.round, world.village, village_answers()
    )
    # The community form re-audits the village's person records.
    assert rules(record) == {"ID09"}
    resolved = finding(record, "ST04")
    assert resolved.status == FindingStatus.RESOLVED
    assert resolved.resolved_by == cili_clerk
    assert resolved.resolved_at is not None


def test_a_failing_rule_opens_a_resolved_finding_again(
    cili_clerk: User, record: PersonRecord
) -> None:
    correct(cili_clerk, record, basic__name="王建军")
    assert "ID10" in rules(record)
    correct(cili_clerk, record, basic__name="王 建国")  # spaces do not count
    assert finding(record, "ID10").status == FindingStatus.RESOLVED
    correct(cili_clerk, record, basic__name="王建民")
    assert "ID10" in rules(record)
    assert Finding.objects.filter(person_record=record, rule_id="ID10").count() == 1


def test_an_auditor_verifies_a_query_with_an_explanation(
    cili_clerk: User, cili_auditor: User, record: PersonRecord
) -> None:
    correct(cili_clerk, record, basic__name="王建军")
    query = Finding.objects.filter(
        person_record=record, severity="query", status="open"
    ).first()
    assert query is not None, rules(record)

    verify_finding(cili_auditor, query, "  已入户核实，  证上姓名为曾用名。 ")

    query.refresh_from_db()
    assert query.status == FindingStatus.VERIFIED
    assert query.explanation == "已入户核实， 证上姓名为曾用名。"
    assert query.verified_by == cili_auditor
    assert AuditEvent.objects.filter(
        action="validation.finding.verify", target_id=str(query.pk)
    ).exists()


def test_verification_is_refused_without_explanation_for_errors_and_twice(
    cili_clerk: User, cili_auditor: User, record: PersonRecord
) -> None:
    error = finding(record, "ID09")
    with pytest.raises(ValidationError, match="只能更正"):
        verify_finding(cili_auditor, error, "已核实，情况属实")
    correct(cili_clerk, record, basic__name="王建军")
    query = Finding.objects.filter(person_record=record, severity="query").first()
    assert query is not None
    with pytest.raises(ValidationError, match="请写明核实情况"):
        verify_finding(cili_auditor, query, "  好 ")
    verify_finding(cili_auditor, query, "已入户核实，情况属实")
    with pytest.raises(ValidationError, match="无需再核实"):
        verify_finding(cili_auditor, query, "已入户核实，情况属实")


def test_verification_needs_an_auditor_of_the_region(
    world: World, cili_clerk: User, record: PersonRecord
) -> None:
    from dtgx.accounts.roles import Role

    sangzhi_auditor = world.person("sangzhi_auditor", world.sangzhi, Role.AUDITOR)
    correct(cili_clerk, record, basic__name="王建军")
    query = Finding.objects.filter(person_record=record, severity="query").first()
    assert query is not None
    with pytest.raises(PermissionDenied):
        verify_finding(cili_clerk, query, "已入户核实，情况属实")
    with pytest.raises(PermissionDenied):
        verify_finding(sangzhi_auditor, query, "已入户核实，情况属实")


def test_a_correction_of_an_item_the_rule_reads_reopens_a_verified_query(
    cili_clerk: User, cili_auditor: User, record: PersonRecord
) -> None:
    correct(cili_clerk, record, basic__name="王建军")
    query = Finding.objects.filter(person_record=record, severity="query").first()
    assert query is not None
    verify_finding(cili_auditor, query, "已入户核实，情况属实")

    correct(cili_clerk, record, footer__respondent="张三")  # not read by it
    query.refresh_from_db()
    assert query.status == FindingStatus.VERIFIED

    correct(cili_clerk, record, basic__name="王建民")  # read by it, still fails
    query.refresh_from_db()
    assert query.status == FindingStatus.OPEN
    assert query.explanation == ""
    assert AuditEvent.objects.filter(
        action="validation.finding.reopen", target_id=str(query.pk)
    ).exists()


def test_the_bulk_audit_agrees_with_the_audit_on_save(
    world: World, cili_clerk: User, cili_auditor: User, round: Round
) -> None:
    persons = [store_person(world.village, n) for n in range(1, 6)]
    records = [enter(cili_clerk, p, round) for p in persons]
    correct(cili_clerk, records[1], basic__name="别人")
    on_save = set(
        Finding.objects.filter(status="open").values_list("person_record", "rule_id")
    )

    run = audit_region(cili_auditor, round, world.cili.code)

    assert run.records == 5
    assert run.raised == run.resolved == run.reopened == 0
    assert run.failures == len(on_save)
    after = set(
        Finding.objects.filter(status="open").values_list("person_record", "rule_id")
    )
    assert after == on_save


def test_the_bulk_audit_resolves_and_reopens_findings(
    world: World, cili_clerk: User, cili_auditor: User, round: Round
) -> None:
    persons = [store_person(world.village, n) for n in range(1, 4)]
    records = [enter(cili_clerk, p, round) for p in persons]
    assert all(rules(r) == FRESH_RULES for r in records)

    base_list = load_base_list(world.cili, cili_clerk, persons)
    run = audit_region(cili_auditor, round, world.cili.code)
    assert (run.raised, run.resolved, run.reopened) == (0, 3, 0)
    assert all(rules(r) == {"ST04"} for r in records)
    assert all(finding(r, "ID09").resolved_by == cili_auditor for r in records)

    base_list.entries.filter(person=persons[0]).delete()
    run = audit_region(cili_auditor, round, world.cili.code)
    assert (run.raised, run.resolved, run.reopened) == (0, 0, 1)
    assert rules(records[0]) == FRESH_RULES
    assert AuditRun.objects.count() == 2
    assert AuditEvent.objects.filter(action="validation.audit.run").count() == 2


def test_the_bulk_audit_is_for_auditors_of_the_region(
    world: World, cili_clerk: User, cili_auditor: User, round: Round
) -> None:
    with pytest.raises(PermissionDenied):
        audit_region(cili_clerk, round, world.cili.code)
    with pytest.raises(PermissionDenied):
        audit_region(cili_auditor, round, world.sangzhi.code)


def test_a_round_must_name_an_existing_rule_set(national_director: User) -> None:
    from datetime import date

    with pytest.raises(ValidationError, match="national-2018"):
        survey.create_round(
            national_director,
            year=2026,
            form_version="2018",
            rule_set_version="2018-1",
            reference_date=date(2026, 6, 30),
            campaign_start=date(2026, 7, 1),
            campaign_end=date(2026, 10, 31),
        )


def test_a_deferred_batch_finds_what_single_saves_find(
    world: World, cili_clerk: User, cili_auditor: User, round: Round
) -> None:
    from django.db import transaction

    from dtgx.validation.services import deferred_audit

    single = [enter(cili_clerk, store_person(world.village, n), round) for n in (1, 2)]
    with transaction.atomic(), deferred_audit(cili_clerk):
        batch = [
            enter(cili_clerk, store_person(world.village, n), round) for n in (3, 4)
        ]
        assert not Finding.objects.filter(person_record__in=batch).exists()
    assert all(rules(r) == FRESH_RULES for r in single + batch)

    correct(cili_clerk, single[0], basic__name="王建军")
    query = finding(single[0], "ID10")
    verify_finding(cili_auditor, query, "已入户核实，情况属实")
    with transaction.atomic(), deferred_audit(cili_clerk):
        correct(cili_clerk, single[0], basic__name="王建民")
    query.refresh_from_db()
    assert query.status == FindingStatus.OPEN
