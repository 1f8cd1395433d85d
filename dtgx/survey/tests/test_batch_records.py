"""The batch services of imports (``create_person_records`` and friends)
store what entering the same forms one by one stores: the same records,
audit events and findings, and the same refusals with the same messages,
for good rows, bad ones, and rows of a locked or foreign region."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dtgx.accounts.models import AuditEvent, User
from dtgx.conftest import World
from dtgx.demo.answers import AnswerGenerator, MistakeRates
from dtgx.regions.codes import Level
from dtgx.regions.models import Region
from dtgx.registry.models import Person
from dtgx.survey import services
from dtgx.survey.models import (
    CommunityRecord,
    PersonRecord,
    RecordChange,
    RegionLock,
    Round,
)
from dtgx.survey.services import NewCommunityRecord, NewPersonRecord
from dtgx.survey.tests.helpers import store_person, village_answers
from dtgx.validation.models import Finding
from dtgx.validation.services import deferred_audit

SKIPPED_FIELDS = frozenset({"id", "created_at", "updated_at"})


class _Rollback(Exception):
    """Undo the first way of writing, after looking at what it stored."""


def _entries(world: World, round: Round) -> list[NewPersonRecord]:
    """Forms of 40 holders with the usual field mistakes (findings), and
    rows the services refuse: a locked village, another county, no
    residence, a bad identity number, an unknown code, a missing item, a
    survey date of another year, and the same holder twice."""
    second = Region.objects.create(
        code="430821100202",
        name="第二村",
        level=Level.VILLAGE,
        parent=world.lingyang,
    )
    locked = Region.objects.create(
        code="430821100203",
        name="锁定村",
        level=Level.VILLAGE,
        parent=world.lingyang,
    )
    RegionLock.objects.create(round=round, region_code=locked.code, reason="已上报")
    foreign = Region.objects.get(code="430822100201")
    villages = [world.village, second]
    persons = [
        store_person(villages[n % 2], n, birth=date(1940 + n, 1 + n % 12, 1 + n % 28))
        for n in range(1, 41)
    ]
    persons += [store_person(locked, 41), store_person(foreign, 42)]
    homeless = store_person(world.village, 43)
    homeless.residences.all().delete()
    persons.append(homeless)

    rates = MistakeRates(odd_answer=0.05, misspelt_name=0.3, other_hukou=0.3)
    generator = AnswerGenerator(seed=5, rates=rates)
    entries = []
    for person in persons:
        form = generator.person(person, round, "李采集")
        entries.append(
            NewPersonRecord(
                person,
                form.answers,
                survey_method=form.survey_method,
                collector=form.collector,
                survey_date=form.survey_date,
            )
        )
    entries[3] = _changed(entries[3], {"footer.householder_id_number": "123"})
    entries[5] = _changed(entries[5], {"basic.hukou_type": 9})
    entries[7] = _changed(entries[7], {"basic.name": None})
    entries[9] = dataclasses.replace(entries[9], survey_date=date(2024, 7, 1))
    entries.append(entries[11])
    return entries


def _changed(entry: NewPersonRecord, answers: dict[str, object]) -> NewPersonRecord:
    return dataclasses.replace(entry, answers={**entry.answers, **answers})


def _one_by_one(actor: User, round: Round, entries: Sequence[Any]) -> list[Any]:
    """The entry screen's way: one service call per form, each in its own
    savepoint, audited on save."""
    outcomes: list[Any] = []
    for entry in entries:
        try:
            with transaction.atomic():
                if isinstance(entry, NewPersonRecord):
                    services.create_person_record(
                        actor,
                        round,
                        entry.person,
                        entry.answers,
                        survey_method=entry.survey_method,
                        collector=entry.collector,
                        survey_date=entry.survey_date,
                    )
                else:
                    services.create_community_record(
                        actor, round, entry.village, entry.answers
                    )
            outcomes.append("created")
        except (ValidationError, PermissionDenied) as error:
            outcomes.append(_refusal(error))
    return outcomes


def _batch(
    actor: User, round: Round, entries: Sequence[Any], *, deferred: bool
) -> list[Any]:
    """The import's way: one batch call in one transaction, with the logic
    audit deferred to its end (or on save)."""
    create: Callable[..., list[Any]]
    if isinstance(entries[0], NewPersonRecord):
        create = services.create_person_records
    else:
        create = services.create_community_records
    with transaction.atomic():
        if deferred:
            with deferred_audit(actor):
                results = create(actor, round, entries)
        else:
            results = create(actor, round, entries)
    return [_outcome(r) for r in results]


def _outcome(result: object) -> Any:
    if isinstance(result, ValidationError | PermissionDenied):
        return _refusal(result)
    return "created" if result is not None else "left out"


def _refusal(error: ValidationError | PermissionDenied) -> Any:
    if isinstance(error, PermissionDenied):
        return ("denied", str(error))
    if hasattr(error, "error_dict"):
        return ("invalid", sorted(error.message_dict.items()))
    return ("invalid", error.messages)


def _stored() -> dict[str, Any]:
    """What the database holds, keyed by person or village instead of by
    primary keys (which differ between the two ways)."""
    owner: dict[tuple[type[Any], int | None], object] = {}
    for model in (PersonRecord, CommunityRecord):
        for record in model.objects.all():
            key = getattr(record, "person_id", None) or record.village_id
            owner[(model, record.pk)] = key
    records = {
        owner[(type(r), r.pk)]: {
            f.attname: getattr(r, f.attname)
            for f in type(r)._meta.concrete_fields
            if f.attname not in SKIPPED_FIELDS
        }
        for model in (PersonRecord, CommunityRecord)
        for r in model.objects.all()
    }
    kinds = {"person_record": PersonRecord, "community_record": CommunityRecord}
    events = sorted(
        (
            e.action,
            owner[(kinds[e.target_type], int(e.target_id))],
            e.region_code,
            e.actor_id,
            repr(e.before),
            repr(e.after),
            e.reason,
        )
        for e in AuditEvent.objects.filter(target_type__in=kinds)
    )
    findings = sorted(
        (
            owner[(PersonRecord, f.person_record_id)]
            if f.person_record_id
            else owner[(CommunityRecord, f.community_record_id)],
            f.rule_id,
            f.severity,
            f.status,
            f.region_code,
            f.rule_set_version,
        )
        for f in Finding.objects.all()
    )
    return {
        "records": records,
        "events": events,
        "findings": findings,
        "history": RecordChange.objects.count(),
    }


def _compare(
    actor: User, round: Round, entries: Sequence[Any], *, deferred: bool
) -> None:
    try:
        with transaction.atomic():
            expected = _one_by_one(actor, round, entries)
            expected_stored = _stored()
            raise _Rollback
    except _Rollback:
        pass
    assert not PersonRecord.objects.exists()

    outcome = _batch(actor, round, entries, deferred=deferred)

    assert outcome == expected
    stored = _stored()
    assert stored["records"] == expected_stored["records"]
    assert stored["events"] == expected_stored["events"]
    assert stored["findings"] == expected_stored["findings"]
    assert stored["history"] == expected_stored["history"]


@pytest.mark.parametrize("deferred", [True, False], ids=["deferred", "on_save"])
def test_a_batch_of_person_forms_stores_what_entering_them_one_by_one_stores(
    world: World, cili_clerk: User, round: Round, deferred: bool
) -> None:
    entries = _entries(world, round)

    _compare(cili_clerk, round, entries, deferred=deferred)

    created = PersonRecord.objects.count()
    assert created == len(entries) - 8  # the eight rows refused above
    assert Finding.objects.exists()


def test_a_batch_refuses_what_is_entered_already_and_keeps_the_rest(
    world: World, cili_clerk: User, round: Round
) -> None:
    first, second = store_person(world.village, 1), store_person(world.village, 2)
    entries = [
        NewPersonRecord(
            p,
            form.answers,
            survey_method=form.survey_method,
            collector=form.collector,
            survey_date=form.survey_date,
        )
        for p in (first, second)
        for form in [AnswerGenerator(seed=1).person(p, round, "李采集")]
    ]
    services.create_person_records(cili_clerk, round, entries[:1])

    results = services.create_person_records(cili_clerk, round, entries)

    assert isinstance(results[0], ValidationError)
    assert "已经录入" in results[0].messages[0]
    assert isinstance(results[1], PersonRecord)
    assert PersonRecord.objects.count() == 2


def test_a_batch_of_community_forms_stores_what_entering_them_one_by_one_stores(
    world: World, cili_clerk: User, round: Round
) -> None:
    locked = Region.objects.create(
        code="430821100203", name="锁定村", level=Level.VILLAGE, parent=world.lingyang
    )
    RegionLock.objects.create(round=round, region_code=locked.code, reason="已上报")
    second = Region.objects.create(
        code="430821100202", name="第二村", level=Level.VILLAGE, parent=world.lingyang
    )
    foreign = Region.objects.get(code="430822100201")
    entries = [
        NewCommunityRecord(world.village, village_answers()),
        NewCommunityRecord(second, {**village_answers(), "footer.fill_date": None}),
        NewCommunityRecord(locked, village_answers()),
        NewCommunityRecord(foreign, village_answers()),
        NewCommunityRecord(world.lingyang, village_answers()),
    ]

    _compare(cili_clerk, round, entries, deferred=True)

    assert CommunityRecord.objects.count() >= 1


def test_a_closed_round_or_a_wrong_role_refuses_every_entry(
    world: World, round: Round, farmer: Person
) -> None:
    auditor = world.person("auditor", world.cili, *[])
    form = AnswerGenerator(seed=1).person(farmer, round, "李采集")
    entry = NewPersonRecord(
        farmer,
        form.answers,
        survey_method=form.survey_method,
        collector=form.collector,
        survey_date=form.survey_date,
    )

    results = services.create_person_records(auditor, round, [entry, entry])

    assert all(isinstance(r, PermissionDenied) for r in results)
    assert not PersonRecord.objects.exists()
