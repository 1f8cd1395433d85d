"""``insert_all``: new rows with their keys, as ``bulk_create`` writes them."""

from __future__ import annotations

import pytest

from dtgx import bulk
from dtgx.accounts.models import AuditEvent
from dtgx.bulk import insert_all
from dtgx.conftest import World
from dtgx.regions.codes import Level
from dtgx.regions.models import Region


def _events(count: int, region: str) -> list[AuditEvent]:
    return [
        AuditEvent(
            actor=None,
            action="test.bulk",
            target_type="row",
            target_id=str(number),
            region_code=region,
            after={"number": number, "名称": f"第{number}行", "list": [1, None]},
            reason="" if number % 2 else "原因",
        )
        for number in range(count)
    ]


def test_every_object_gets_the_key_of_its_own_row(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Several statements of 7 rows and a shorter last one.
    monkeypatch.setattr(bulk, "MAX_ROWS", 7)
    events = insert_all(_events(25, world.cili.code))
    assert len(events) == 25
    assert len({event.pk for event in events}) == len(events)
    stored = AuditEvent.objects.in_bulk([event.pk for event in events])
    for number, event in enumerate(events):
        row = stored[event.pk]
        assert row.target_id == str(number)
        assert row.after == {
            "number": number,
            "名称": f"第{number}行",
            "list": [1, None],
        }
        assert row.reason == ("" if number % 2 else "原因")
        assert row.at is not None  # auto_now_add filled on insert
        assert event.at == row.at
        assert not event._state.adding


def test_a_key_that_is_not_automatic_is_written(world: World) -> None:
    villages = insert_all(
        [
            Region(
                code=f"43082110020{n}",
                name=f"村{n}",
                level=Level.VILLAGE,
                parent=world.lingyang,
            )
            for n in (2, 3)
        ]
    )
    assert [v.pk for v in villages] == ["430821100202", "430821100203"]
    assert Region.objects.get(code="430821100203").parent_id == world.lingyang.code


def test_objects_already_keyed_are_refused(world: World) -> None:
    event = _events(1, world.cili.code)[0]
    event.pk = 10**9
    with pytest.raises(ValueError, match="primary key"):
        insert_all([event])
    assert not AuditEvent.objects.filter(action="test.bulk").exists()


def test_nothing_to_insert() -> None:
    assert insert_all([]) == []


def test_values_of_another_type_are_converted_as_django_converts_them(
    world: World,
) -> None:
    event = _events(1, world.cili.code)[0]
    event.target_id = 42  # an int for a CharField
    insert_all([event])
    assert AuditEvent.objects.get(pk=event.pk).target_id == "42"
