"""Entering a person form: skip logic, derived values, refusals, scope,
survey dates in Shanghai's calendar year (FC-23, FC-24)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from dtgx.accounts.models import AuditEvent, User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.registry.models import Person
from dtgx.survey import access, services
from dtgx.survey.models import (
    PersonRecord,
    RecordStatus,
    Round,
    RoundStatus,
    SurveyMethod,
)
from dtgx.survey.tests.helpers import (
    NO,
    SURVEY_DATE,
    YES,
    adult_answers,
    enter,
    make_round,
    store_person,
)


def _create(
    actor: User,
    person: Person,
    round: Round,
    answers: dict[str, object] | None = None,
    *,
    survey_date: date = SURVEY_DATE,
    draft: bool = False,
) -> PersonRecord:
    return services.create_person_record(
        actor,
        round,
        person,
        adult_answers(person) if answers is None else answers,
        survey_method=SurveyMethod.PHONE,
        collector="李采集",
        survey_date=survey_date,
        draft=draft,
    )


# --- what is stored ----------------------------------------------------------


def test_it_stores_one_typed_row_with_the_bookkeeping(
    cili_clerk: User, farmer: Person, round: Round, world: World
) -> None:
    record = _create(cili_clerk, farmer, round)

    record.refresh_from_db()
    assert record.village == world.village
    assert record.region_code == world.village.code
    assert (record.status, record.version) == (RecordStatus.SAVED, 1)
    assert record.survey_method == SurveyMethod.PHONE == record.header_survey_method
    assert record.collector == "李采集" == record.footer_collector
    assert record.survey_date == SURVEY_DATE == record.footer_fill_date
    assert record.header_region_code == world.village.code
    assert record.education_level == 4
    assert record.entered_by == cili_clerk


def test_a_thirty_year_old_gets_no_compulsory_education_answers(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    answers = adult_answers(
        farmer, education__current_school=None, education__not_enrolled_reason=2
    )

    record = _create(cili_clerk, farmer, round, answers)

    # R15 applies from 6 to 14 only: the answer given is not stored.
    record.refresh_from_db()
    assert record.education_not_enrolled_reason is None


def test_a_child_of_compulsory_school_age_keeps_the_answer(
    cili_clerk: User, world: World, round: Round
) -> None:
    child = store_person(world.village, 2, birth=date(2015, 3, 1))
    answers = adult_answers(
        child, education__current_school=None, education__not_enrolled_reason=2
    )

    record = _create(cili_clerk, child, round, answers, draft=True)

    record.refresh_from_db()
    assert record.education_not_enrolled_reason == 2
    assert record.basic_marital_status is None  # asked from 20
    assert record.employment_is_employed is None  # working age is 16-59


@pytest.mark.parametrize(
    ("birth", "asked"),
    [(date(2005, 7, 1), False), (date(2005, 6, 30), True)],
)
def test_the_age_is_taken_on_the_reference_date(
    cili_clerk: User, world: World, round: Round, birth: date, asked: bool
) -> None:
    person = store_person(world.village, 3, birth=birth)

    record = _create(cili_clerk, person, round)

    # 20 on 30 June 2025 or not: R4 marital status is asked from 20.
    record.refresh_from_db()
    assert (record.basic_marital_status is not None) is asked


def test_multi_select_answers_are_one_boolean_per_option(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    record = _create(cili_clerk, farmer, round)

    record.refresh_from_db()
    ticked = [record.employment_help_received_3, record.employment_help_received_1]
    assert ticked == [True, False]
    # R9.1 does not apply to a rural household: every option column is NULL.
    assert record.economy_housing_support_types_1 is None
    assert record.economy_housing_support_types_5 is None


# --- refusals ----------------------------------------------------------------


def test_it_refuses_none_ticked_with_other_options(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    answers = adult_answers(farmer, employment__help_needed=[1, 6])

    with pytest.raises(ValidationError) as refused:
        _create(cili_clerk, farmer, round, answers)

    messages = refused.value.message_dict["employment.help_needed"]
    assert "R21" in messages[0]
    assert "不能与其他选项同时选择" in messages[0]
    assert not PersonRecord.objects.exists()


def test_it_refuses_unanswered_required_items_unless_a_draft(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    answers = adult_answers(farmer, health__family_doctor=None)

    with pytest.raises(ValidationError) as refused:
        _create(cili_clerk, farmer, round, answers)
    draft = _create(cili_clerk, farmer, round, answers, draft=True)

    assert "此项必须填写" in refused.value.message_dict["health.family_doctor"][0]
    assert draft.status == RecordStatus.DRAFT


def test_it_refuses_an_answer_that_contradicts_the_survey_method(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    answers = adult_answers(farmer, header__survey_method=SurveyMethod.VISIT)

    with pytest.raises(ValidationError) as refused:
        _create(cili_clerk, farmer, round, answers)

    assert "header.survey_method" in refused.value.message_dict


def test_it_refuses_a_second_record_for_the_same_person(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    _create(cili_clerk, farmer, round)

    with pytest.raises(ValidationError, match="已经录入"):
        _create(cili_clerk, farmer, round)

    assert PersonRecord.objects.count() == 1


@pytest.mark.parametrize("status", [RoundStatus.PREPARING, RoundStatus.CLOSED])
def test_it_refuses_entry_outside_an_open_round(
    cili_clerk: User, farmer: Person, status: RoundStatus
) -> None:
    round = make_round(status=status)

    with pytest.raises(ValidationError, match="现在不能录入"):
        _create(cili_clerk, farmer, round)


def test_it_refuses_a_person_without_a_residence_on_the_reference_date(
    cili_clerk: User, world: World, round: Round
) -> None:
    newcomer = store_person(world.village, 4, since=date(2025, 8, 1))

    with pytest.raises(ValidationError, match="没有居住地记录"):
        _create(cili_clerk, newcomer, round)


def test_it_writes_an_audit_event_without_answers(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    record = _create(cili_clerk, farmer, round)

    event = AuditEvent.objects.get(action="survey.person_record.create")
    assert event.target_id == str(record.pk)
    assert event.after == {"version": 1, "status": "saved"}
    assert farmer.name not in str(event.before) + str(event.after)


# --- scope and roles ------------------------------------------------------


def test_another_county_can_neither_enter_nor_see_the_record(
    cili_clerk: User, sangzhi_clerk: User, farmer: Person, round: Round
) -> None:
    record = _create(cili_clerk, farmer, round)

    with pytest.raises(PermissionDenied):
        _create(sangzhi_clerk, store_person(farmer.village, 5), round)
    assert not access.person_records_visible_to(sangzhi_clerk, round).exists()
    with pytest.raises(Http404):
        access.get_person_record_or_404(sangzhi_clerk, record.pk)


def test_the_residence_on_the_reference_date_decides_the_scope(
    cili_clerk: User, sangzhi_clerk: User, world: World, round: Round
) -> None:
    # Lived in Sangzhi on 30 June, moved to Cili in August.
    sangzhi_village = world.sangzhi.children.get().children.get()
    person = store_person(sangzhi_village, 6, since=date(2020, 1, 1))
    person.residences.update(valid_to=date(2025, 8, 1))
    person.residences.create(village=world.village, valid_from=date(2025, 8, 1))

    with pytest.raises(PermissionDenied):
        _create(cili_clerk, person, round)
    record = _create(sangzhi_clerk, person, round)

    assert record.region_code == sangzhi_village.code


def test_a_chairman_may_not_enter_records(
    world: World, farmer: Person, round: Round
) -> None:
    chairman = world.person("chair", world.cili, Role.FEDERATION_CHAIRMAN)

    with pytest.raises(PermissionDenied):
        _create(chairman, farmer, round)


# --- survey dates (FC-23, FC-24) -------------------------------------------


def test_a_survey_date_is_a_date_of_shanghai_not_of_utc(
    cili_clerk: User, farmer: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 00:30 on 1 January 2025 in Shanghai is still 31 December in UTC.
    moment = datetime(2024, 12, 31, 16, 30, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    round = make_round(2025)

    record = _create(cili_clerk, farmer, round, survey_date=date(2025, 1, 1))
    tomorrow = date(2025, 1, 2)
    with pytest.raises(ValidationError, match="晚于今天"):
        _create(cili_clerk, farmer, round, survey_date=tomorrow)

    record.refresh_from_db()
    assert record.survey_date == date(2025, 1, 1)
    field = PersonRecord._meta.get_field("survey_date")
    assert field.get_internal_type() == "DateField"
    assert PersonRecord.objects.filter(survey_date__year=2025).count() == 1


def test_the_annual_period_is_the_calendar_year_not_the_iso_year(
    cili_clerk: User, world: World, round: Round
) -> None:
    new_years_eve = date(2025, 12, 31)  # ISO week 1 of 2026
    last_year = date(2024, 12, 30)  # ISO week 1 of 2025

    with pytest.raises(ValidationError, match="不在2025年内"):
        _create(
            cili_clerk, store_person(world.village, 9), round, survey_date=last_year
        )
    record = _create(
        cili_clerk, store_person(world.village, 8), round, survey_date=new_years_eve
    )

    assert new_years_eve.isocalendar().year == 2026
    assert last_year.isocalendar().year == 2025
    assert record.round.year == 2025


def test_the_prepared_round_is_entered_once_open(
    cili_clerk: User, farmer: Person, national_director: User
) -> None:
    round = make_round(status=RoundStatus.PREPARING)
    services.open_round(national_director, round)

    record = enter(cili_clerk, farmer, round, health__family_doctor=NO)

    assert record.health_family_doctor == NO != YES
