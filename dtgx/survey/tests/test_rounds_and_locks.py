"""Rounds move only through their services; a locked region refuses every
write path the same way (FC-26); prefill offers last year's answers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dtgx.accounts.models import AuditEvent, User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.registry.models import Person
from dtgx.survey import services
from dtgx.survey.models import PersonRecord, RegionLock, Round, RoundStatus
from dtgx.survey.services import RegionLocked, check_region_unlocked
from dtgx.survey.tests.helpers import (
    NO,
    enter,
    load_base_list,
    make_round,
)

NEW_ROUND: dict[str, Any] = {
    "year": 2026,
    "form_version": "2018",
    "rule_set_version": "national-2018",
    "reference_date": date(2026, 6, 30),
    "campaign_start": date(2026, 7, 1),
    "campaign_end": date(2026, 11, 30),
}


# --- rounds ----------------------------------------------------------------


def test_the_national_office_director_prepares_opens_and_closes_a_round(
    national_director: User,
) -> None:
    round = services.create_round(national_director, **NEW_ROUND)
    assert round.status == RoundStatus.PREPARING

    services.open_round(national_director, round)
    assert round.status == RoundStatus.OPEN
    assert round.opened_at is not None
    services.close_round(national_director, round)

    assert round.status == RoundStatus.CLOSED
    assert round.closed_at is not None
    actions = AuditEvent.objects.order_by("id").values_list("action", flat=True)
    assert list(actions) == [
        "survey.round.create",
        "survey.round.open",
        "survey.round.close",
    ]


def test_a_county_director_may_not_create_rounds(world: World) -> None:
    director = world.person("cili_director", world.cili, Role.OFFICE_DIRECTOR)

    with pytest.raises(PermissionDenied):
        services.create_round(director, **NEW_ROUND)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reference_date": date(2025, 6, 30)}, "必须在2026年内"),
        ({"campaign_end": date(2027, 1, 31)}, "必须在2026年内"),
        ({"campaign_end": date(2026, 6, 1)}, "早于开始日期"),
        ({"form_version": "2025"}, "还没有对应的数据表"),
        ({"rule_set_version": " "}, "请填写审核规则版本"),
    ],
)
def test_it_refuses_a_round_that_does_not_fit(
    national_director: User, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        services.create_round(national_director, **{**NEW_ROUND, **changes})

    assert not Round.objects.exists()


def test_a_year_has_one_round(national_director: User) -> None:
    services.create_round(national_director, **NEW_ROUND)

    with pytest.raises(ValidationError, match="已经建立"):
        services.create_round(national_director, **NEW_ROUND)


def test_opening_twice_opens_once(national_director: User) -> None:
    round = services.create_round(national_director, **NEW_ROUND)
    stale = Round.objects.get(pk=round.pk)
    services.open_round(national_director, round)

    with pytest.raises(ValidationError, match="进行中"):
        services.open_round(national_director, stale)

    assert AuditEvent.objects.filter(action="survey.round.open").count() == 1


def test_a_closed_round_refuses_corrections(
    cili_clerk: User, record: PersonRecord, national_director: User
) -> None:
    services.close_round(national_director, record.round)

    with pytest.raises(ValidationError, match="已结束"):
        services.change_person_record(
            cili_clerk,
            record,
            {"health.family_doctor": NO},
            expected_version=1,
            reason="复核",
            responsible_person="张主任",
        )


def test_a_round_covers_the_base_lists_of_its_year(
    round: Round, world: World, cili_clerk: User
) -> None:
    this_year = load_base_list(world.cili, cili_clerk, [])
    load_base_list(world.sangzhi, cili_clerk, [], year=2024)

    assert list(round.base_lists()) == [this_year]


# --- locks (FC-26) -----------------------------------------------------------


def _lock(round: Round, code: str) -> RegionLock:
    return RegionLock.objects.create(round=round, region_code=code, reason="已上报市级")


def test_an_unlocked_region_passes(round: Round, world: World) -> None:
    _lock(round, world.sangzhi.code)
    _lock(make_round(2024), world.cili.code)

    check_region_unlocked(round, world.village.code)


def test_a_locked_county_refuses_new_records_in_its_villages(
    cili_clerk: User, farmer: Person, round: Round, world: World
) -> None:
    _lock(round, world.cili.code)

    with pytest.raises(RegionLocked) as refused:
        enter(cili_clerk, farmer, round)

    message = refused.value.messages[0]
    assert "慈利县的2025年度数据已锁定（已上报市级）" in message
    assert "请联系" in message
    assert not PersonRecord.objects.exists()


def test_a_locked_village_refuses_corrections_and_drafts(
    cili_clerk: User, record: PersonRecord, world: World
) -> None:
    _lock(record.round, world.village.code)

    with pytest.raises(RegionLocked):
        services.change_person_record(
            cili_clerk,
            record,
            {"health.family_doctor": NO},
            expected_version=1,
            reason="复核",
            responsible_person="张主任",
        )
    with pytest.raises(RegionLocked):
        services.save_person_draft(cili_clerk, record, {}, expected_version=1)
    with pytest.raises(RegionLocked):
        services.create_community_record(cili_clerk, record.round, world.village, {})


# --- prefill -----------------------------------------------------------------


def test_prefill_offers_last_years_answers_without_the_visit(
    cili_clerk: User, farmer: Person
) -> None:
    enter(cili_clerk, farmer, make_round(2024), health__family_doctor=NO)
    this_year = make_round(2025)

    prefill = services.prefill_from_last_round(farmer, this_year)

    assert prefill is not None
    assert prefill.year == 2024
    assert prefill.answers["health.family_doctor"] == NO
    assert prefill.answers["employment.help_received"] == frozenset({3})
    assert "footer.fill_date" not in prefill.answers
    assert "header.survey_method" not in prefill.items
    assert list(prefill.items) == list(prefill.answers)


def test_there_is_no_prefill_for_a_first_record(farmer: Person, round: Round) -> None:
    assert services.prefill_from_last_round(farmer, round) is None
