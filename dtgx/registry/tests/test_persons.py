"""Persons, their residence history and the services that change them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from dtgx.accounts.models import AuditEvent, User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.regions.models import Region
from dtgx.registry.models import Person, Status
from dtgx.registry.services import move_person, set_status
from dtgx.registry.tests.helpers import (
    CILI_VILLAGE,
    CILI_VILLAGE_2,
    make_id,
    store_person,
)

pytestmark = pytest.mark.django_db

JUNE_30 = date(2025, 6, 30)
SEPTEMBER = date(2025, 9, 15)


def test_it_knows_the_village_of_residence_at_any_reference_date(
    world: World, cili_clerk: User, second_village: Region
) -> None:
    """A person moving in September lived, on 30 June, in the old village."""
    person = store_person(world.village, 1, since=date(2024, 6, 30))

    move_person(cili_clerk, person, second_village, on=SEPTEMBER, reason="投亲")

    assert person.residence_on(JUNE_30).village_id == CILI_VILLAGE  # type: ignore[union-attr]
    assert person.residence_on(SEPTEMBER).village_id == CILI_VILLAGE_2  # type: ignore[union-attr]
    assert person.residence_on(date(2024, 1, 1)) is None
    on_june_30 = Person.objects.resident_on(JUNE_30, CILI_VILLAGE)
    assert list(on_june_30) == [person]
    assert not Person.objects.resident_on(JUNE_30, CILI_VILLAGE_2).exists()
    assert list(Person.objects.within(CILI_VILLAGE_2)) == [person]
    assert Person.objects.resident_on(JUNE_30, world.cili.code).count() == 1


def test_a_move_closes_the_old_residence_and_is_audited(
    world: World, cili_clerk: User, second_village: Region
) -> None:
    person = store_person(world.village, 1, since=date(2024, 6, 30))

    residence = move_person(
        cili_clerk, person, second_village, on=SEPTEMBER, reason=" 投亲  靠友 "
    )

    assert (person.village_id, person.region_code) == (CILI_VILLAGE_2,) * 2
    assert (residence.valid_from, residence.valid_to) == (SEPTEMBER, None)
    assert residence.recorded_by == cili_clerk
    old = person.residences.get(village_id=CILI_VILLAGE)
    assert old.valid_to == SEPTEMBER
    event = AuditEvent.objects.get(action="registry.person.move")
    assert (event.actor, event.target_id) == (cili_clerk, str(person.pk))
    assert event.before == {"village": CILI_VILLAGE}
    assert event.after == {"village": CILI_VILLAGE_2, "on": "2025-09-15"}
    assert event.reason == "投亲 靠友"


@pytest.mark.parametrize(
    ("on", "reason", "message"),
    [
        (date(2024, 6, 30), "搬家", "迁移日期须晚于现居住地的起始日期"),
        (SEPTEMBER, "  ", "请填写原因"),
    ],
)
def test_it_refuses_a_move_on_a_wrong_date_or_without_reason(
    world: World,
    cili_clerk: User,
    second_village: Region,
    on: date,
    reason: str,
    message: str,
) -> None:
    person = store_person(world.village, 1, since=date(2024, 6, 30))

    with pytest.raises(ValidationError, match=message):
        move_person(cili_clerk, person, second_village, on=on, reason=reason)
    assert person.residences.count() == 1


def test_it_refuses_a_move_in_the_future_or_to_the_same_village(
    world: World, cili_clerk: User
) -> None:
    person = store_person(world.village, 1, since=date(2024, 6, 30))
    tomorrow = timezone.localdate() + timedelta(days=1)

    with pytest.raises(ValidationError, match="不能晚于今天"):
        move_person(cili_clerk, person, world.village, on=tomorrow, reason="搬家")
    with pytest.raises(ValidationError, match="无需登记迁移"):
        move_person(cili_clerk, person, world.village, on=SEPTEMBER, reason="搬家")


def test_it_refuses_a_move_outside_the_actors_scope_or_by_the_wrong_role(
    world: World, cili_clerk: User, sangzhi_village: Region, second_village: Region
) -> None:
    person = store_person(world.village, 1, since=date(2024, 6, 30))
    collector = world.person("lingyang_collector", world.lingyang, Role.COLLECTOR)
    sangzhi_clerk = world.person("sangzhi_clerk", world.sangzhi, Role.ENTRY_CLERK)

    with pytest.raises(PermissionDenied):
        move_person(cili_clerk, person, sangzhi_village, on=SEPTEMBER, reason="x")
    with pytest.raises(PermissionDenied):
        move_person(sangzhi_clerk, person, sangzhi_village, on=SEPTEMBER, reason="x")
    with pytest.raises(PermissionDenied):
        move_person(collector, person, second_village, on=SEPTEMBER, reason="x")
    with pytest.raises(ValidationError, match="村\\(社区\\)级"):
        move_person(cili_clerk, person, world.lingyang, on=SEPTEMBER, reason="x")


def test_only_a_person_of_normal_status_moves(
    world: World, cili_clerk: User, second_village: Region
) -> None:
    person = store_person(world.village, 1, status=Status.DECEASED)

    with pytest.raises(ValidationError, match="只有状态正常的人可以登记迁移"):
        move_person(cili_clerk, person, second_village, on=SEPTEMBER, reason="x")


def test_a_status_change_follows_the_allowed_transitions_and_is_audited(
    world: World, cili_clerk: User
) -> None:
    person = store_person(world.village, 1)

    set_status(cili_clerk, person, Status.DECEASED, on=SEPTEMBER, reason="病故")

    assert (person.status, person.status_date) == (Status.DECEASED, SEPTEMBER)
    event = AuditEvent.objects.get(action="registry.person.status")
    assert event.before == {"status": "normal", "status_date": None}
    assert event.after == {"status": "deceased", "status_date": "2025-09-15"}
    with pytest.raises(ValidationError, match="不能从“死亡”改为“证件注销”"):
        set_status(cili_clerk, person, Status.CANCELLED, on=SEPTEMBER, reason="x")
    with pytest.raises(ValidationError, match="不能早于当前状态的日期"):
        set_status(cili_clerk, person, Status.NORMAL, on=JUNE_30, reason="误登")


def test_the_database_keeps_certificate_and_identity_numbers_together(
    world: World,
) -> None:
    person = store_person(world.village, 1)
    person.certificate_number = make_id(2) + "42"

    with pytest.raises(IntegrityError), transaction.atomic():
        person.save()


def test_the_database_refuses_two_current_residences(world: World) -> None:
    person = store_person(world.village, 1)

    with pytest.raises(IntegrityError), transaction.atomic():
        person.residences.create(village=world.village, valid_from=JUNE_30)


def test_a_person_prints_without_personal_data(world: World) -> None:
    person = store_person(world.village, 1, name="张三")

    assert str(person) == f"持证残疾人#{person.pk}"
