"""Correcting saved records (数据更正, 第二十六条): reason and responsible
person, old and new value per changed item, no lost update (FC-28), bulk
corrections with one history row per changed record (FC-31), drafts."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from dtgx.accounts.models import AuditEvent, User
from dtgx.conftest import World
from dtgx.registry.models import Person
from dtgx.survey import services
from dtgx.survey.models import PersonRecord, RecordChange, RecordStatus, Round
from dtgx.survey.services import Correction, VersionConflict
from dtgx.survey.tests.helpers import NO, YES, adult_answers, enter, store_person

REASON = "入户复核，原表填错"


def _change(
    actor: User,
    record: PersonRecord,
    answers: Mapping[str, object],
    *,
    version: int = 1,
    reason: str = REASON,
    responsible: str = "张主任",
) -> RecordChange | None:
    return services.change_person_record(
        actor,
        record,
        answers,
        expected_version=version,
        reason=reason,
        responsible_person=responsible,
    )


# --- reason and responsible person ------------------------------------------


@pytest.mark.parametrize(
    ("reason", "responsible", "missing"),
    [("", "张主任", "更正原因"), ("  ", "张主任", "更正原因"), (REASON, "", "责任人")],
)
def test_a_correction_needs_a_reason_and_a_responsible_person(
    cili_clerk: User,
    record: PersonRecord,
    reason: str,
    responsible: str,
    missing: str,
) -> None:
    answers = {"health.family_doctor": NO}

    with pytest.raises(ValidationError, match=f"请填写{missing}"):
        _change(cili_clerk, record, answers, reason=reason, responsible=responsible)

    record.refresh_from_db()
    assert (record.version, record.health_family_doctor) == (1, YES)
    assert not RecordChange.objects.exists()


# --- what the history keeps ----------------------------------------------------


def test_it_keeps_old_and_new_values_of_the_changed_items_only(
    cili_clerk: User, record: PersonRecord
) -> None:
    answers = {
        "health.family_doctor": NO,
        "employment.help_needed": [1, 2],
        "education.level": 4,  # unchanged
    }

    change = _change(cili_clerk, record, answers)

    assert change is not None
    assert change.items == [
        {"item": "employment.help_needed", "old": [6], "new": [1, 2]},
        {"item": "health.family_doctor", "old": YES, "new": NO},
    ]
    assert (change.version, change.reason, change.responsible_person) == (
        2,
        REASON,
        "张主任",
    )
    assert change.changed_by == cili_clerk
    assert change.batch_id is None
    assert (record.version, record.health_family_doctor) == (2, NO)
    assert (record.employment_help_needed_1, record.employment_help_needed_6) == (
        True,
        False,
    )


def test_skip_logic_runs_again_and_cleared_items_are_history_too(
    cili_clerk: User, record: PersonRecord
) -> None:
    unemployed = {"employment.is_employed": NO}

    with pytest.raises(ValidationError) as refused:
        _change(cili_clerk, record, unemployed)
    change = _change(
        cili_clerk,
        record,
        {
            **unemployed,
            "employment.livelihood_source": 4,
            "employment.not_employed_reason": 5,
        },
    )

    assert set(refused.value.message_dict) == {
        "employment.livelihood_source",
        "employment.not_employed_reason",
    }
    assert change is not None
    changed = {entry["item"]: (entry["old"], entry["new"]) for entry in change.items}
    assert changed["employment.form"] == (6, None)
    assert changed["employment.help_received"] == ([3], None)
    assert record.employment_form is None
    assert record.employment_help_received_3 is None


def test_saving_the_same_values_changes_nothing(
    cili_clerk: User, record: PersonRecord, farmer: Person
) -> None:
    change = _change(cili_clerk, record, adult_answers(farmer))

    assert change is None
    record.refresh_from_db()
    assert record.version == 1
    assert not RecordChange.objects.exists()
    assert not AuditEvent.objects.filter(action="survey.person_record.change").exists()


def test_it_writes_an_audit_event_with_item_ids_and_reason(
    cili_clerk: User, record: PersonRecord
) -> None:
    _change(cili_clerk, record, {"health.family_doctor": NO})

    event = AuditEvent.objects.get(action="survey.person_record.change")
    assert event.reason == REASON
    assert event.before == {"version": 1, "status": "saved"}
    assert event.after == {
        "version": 2,
        "status": "saved",
        "items": ["health.family_doctor"],
    }


def test_the_history_cannot_be_rewritten(
    cili_clerk: User, record: PersonRecord
) -> None:
    change = _change(cili_clerk, record, {"health.family_doctor": NO})
    assert change is not None

    with pytest.raises(PermissionError):
        change.save()
    with pytest.raises(PermissionError):
        RecordChange.objects.filter(pk=change.pk).update(reason="x")
    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        transaction.get_connection().cursor() as cursor,
    ):
        cursor.execute("UPDATE survey_recordchange SET reason = 'x'")


def test_the_village_of_a_record_is_not_an_answer_to_correct(
    cili_clerk: User, record: PersonRecord
) -> None:
    with pytest.raises(ValidationError) as refused:
        _change(cili_clerk, record, {"header.region_code": "430821100202"})

    assert "header.region_code" in refused.value.message_dict


def test_a_change_of_h2_moves_the_survey_method_column_too(
    cili_clerk: User, record: PersonRecord
) -> None:
    _change(cili_clerk, record, {"header.survey_method": 3})

    assert record.survey_method == 3 == record.header_survey_method


# --- no lost update (FC-28) ----------------------------------------------------


def test_the_second_of_two_saves_from_the_same_version_is_refused(
    cili_clerk: User, cili_auditor: User, record: PersonRecord
) -> None:
    clerk_copy = PersonRecord.objects.get(pk=record.pk)
    auditor_copy = PersonRecord.objects.get(pk=record.pk)
    first = {"health.family_doctor": NO}
    second = {"accessibility.home_modified": YES}

    _change(cili_clerk, clerk_copy, first, version=clerk_copy.version)
    with pytest.raises(VersionConflict) as refused:
        _change(cili_auditor, auditor_copy, second, version=auditor_copy.version)

    message = refused.value.messages[0]
    assert "cili_clerk" in message
    assert "第2版" in message
    assert "第1版" in message
    assert "请重新打开记录" in message
    stored = PersonRecord.objects.get(pk=record.pk)
    assert (stored.version, stored.health_family_doctor) == (2, NO)
    assert stored.accessibility_home_modified == NO
    assert RecordChange.objects.count() == 1


def test_a_reloaded_copy_saves_after_a_conflict(
    cili_clerk: User, cili_auditor: User, record: PersonRecord
) -> None:
    _change(cili_clerk, record, {"health.family_doctor": NO})

    reloaded = PersonRecord.objects.get(pk=record.pk)
    change = _change(
        cili_auditor,
        reloaded,
        {"accessibility.home_modified": YES},
        version=reloaded.version,
    )

    assert change is not None
    assert change.version == 3


# --- roles, scope, drafts -------------------------------------------------------


def test_a_collector_enters_but_does_not_correct(
    lingyang_collector: User, record: PersonRecord
) -> None:
    with pytest.raises(PermissionDenied):
        _change(lingyang_collector, record, {"health.family_doctor": NO})


def test_another_county_may_not_correct(
    sangzhi_clerk: User, record: PersonRecord
) -> None:
    with pytest.raises(PermissionDenied):
        _change(sangzhi_clerk, record, {"health.family_doctor": NO})


def test_a_draft_is_completed_without_a_reason_then_corrected_with_one(
    cili_clerk: User, world: World, round: Round
) -> None:
    person = store_person(world.village, 20)
    answers = adult_answers(person, health__family_doctor=None)
    draft = services.create_person_record(
        cili_clerk,
        round,
        person,
        answers,
        survey_method=1,
        collector="李采集",
        survey_date=round.campaign_start,
        draft=True,
    )

    with pytest.raises(ValidationError, match="还是草稿"):
        _change(cili_clerk, draft, {"health.family_doctor": YES})
    with pytest.raises(ValidationError, match="此项必须填写"):
        services.save_person_draft(
            cili_clerk, draft, {}, expected_version=1, finish=True
        )
    services.save_person_draft(
        cili_clerk,
        draft,
        {"health.family_doctor": YES},
        expected_version=1,
        finish=True,
    )

    assert (draft.status, draft.version) == (RecordStatus.SAVED, 2)
    assert not RecordChange.objects.exists()
    with pytest.raises(ValidationError, match="已经保存"):
        services.save_person_draft(cili_clerk, draft, {}, expected_version=2)


# --- bulk corrections (FC-31) ------------------------------------------------


def test_a_bulk_correction_writes_one_row_per_changed_record_only(
    cili_clerk: User, world: World, round: Round
) -> None:
    persons = [store_person(world.village, n) for n in (31, 32, 33)]
    records = [enter(cili_clerk, p, round) for p in persons[:2]]
    records.append(enter(cili_clerk, persons[2], round, health__family_doctor=NO))
    corrections = [
        Correction(r, {"health.family_doctor": NO}, r.version) for r in records
    ]

    changes = services.correct_person_records(
        cili_clerk,
        corrections,
        reason="批量核对家庭医生签约",
        responsible_person="张主任",
    )

    assert len(changes) == 2 == RecordChange.objects.count()
    assert {c.person_record_id for c in changes} == {r.pk for r in records[:2]}
    only_the_doctor = [{"item": "health.family_doctor", "old": YES, "new": NO}]
    assert [c.items for c in changes] == [only_the_doctor, only_the_doctor]
    assert len({c.batch_id for c in changes}) == 1
    assert changes[0].batch_id
    events = AuditEvent.objects.filter(action="survey.person_record.change")
    assert events.count() == 2
    assert [r.version for r in records] == [2, 2, 1]


def test_a_bulk_correction_is_all_or_nothing(
    cili_clerk: User, world: World, round: Round
) -> None:
    records = [
        enter(cili_clerk, store_person(world.village, n), round) for n in (41, 42)
    ]
    corrections = [
        Correction(records[0], {"health.family_doctor": NO}, 1),
        Correction(records[1], {"health.family_doctor": NO}, 7),  # stale
    ]

    with pytest.raises(ValidationError) as refused:
        services.correct_person_records(
            cili_clerk, corrections, reason="批量核对", responsible_person="张主任"
        )

    assert f"记录#{records[1].pk}" in refused.value.messages[0]
    assert not RecordChange.objects.exists()
    assert PersonRecord.objects.get(pk=records[0].pk).version == 1
