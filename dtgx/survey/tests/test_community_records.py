"""The community form: one per village a round, corrected like a person
form, its village code fixed by the service."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from dtgx.accounts.models import User
from dtgx.conftest import World
from dtgx.survey import access, services
from dtgx.survey.models import CommunityRecord, RecordChange, Round
from dtgx.survey.services import VersionConflict, community_derived
from dtgx.survey.tests.helpers import NO, YES, village_answers


@pytest.fixture
def community(cili_clerk: User, world: World, round: Round) -> CommunityRecord:
    return services.create_community_record(
        cili_clerk, round, world.village, village_answers()
    )


def test_it_stores_the_village_form_with_its_code(
    community: CommunityRecord, world: World
) -> None:
    community.refresh_from_db()

    assert community.header_region_code == world.village.code == community.region_code
    assert community.population_registered == 1200
    assert community.accessibility_facilities_1 is True
    assert community.accessibility_facilities_6 is False
    assert community.services_day_care_places is None  # C7.1: no day care


def test_a_village_has_one_community_form_a_round(
    community: CommunityRecord, cili_clerk: User, world: World
) -> None:
    with pytest.raises(ValidationError, match="已经录入"):
        services.create_community_record(
            cili_clerk, community.round, world.village, village_answers()
        )


def test_a_township_is_not_a_village(
    cili_clerk: User, world: World, round: Round
) -> None:
    with pytest.raises(ValidationError, match="请选择村级区划"):
        services.create_community_record(
            cili_clerk, round, world.lingyang, village_answers()
        )


def test_the_fill_date_belongs_to_the_round_year(
    cili_clerk: User, world: World, round: Round
) -> None:
    answers = {**village_answers(), "footer.fill_date": date(2024, 12, 31)}

    with pytest.raises(ValidationError, match="不在2025年内"):
        services.create_community_record(cili_clerk, round, world.village, answers)


def test_a_correction_keeps_old_and_new_and_refuses_stale_versions(
    community: CommunityRecord, cili_clerk: User, cili_auditor: User
) -> None:
    stale = CommunityRecord.objects.get(pk=community.pk)

    change = services.change_community_record(
        cili_clerk,
        community,
        {"services.has_day_care": YES, "services.day_care_places": 12},
        expected_version=1,
        reason="乡镇审核发现漏填日间照料机构",
        responsible_person="钱审核",
    )
    with pytest.raises(VersionConflict):
        services.change_community_record(
            cili_auditor,
            stale,
            {"support.has_legal_aid": YES},
            expected_version=1,
            reason="复核",
            responsible_person="钱审核",
        )

    assert change is not None
    assert change.community_record == community
    assert change.items == [
        {"item": "services.has_day_care", "old": NO, "new": YES},
        {"item": "services.day_care_places", "old": None, "new": 12},
    ]
    assert RecordChange.objects.count() == 1


def test_another_county_can_neither_enter_nor_see_it(
    community: CommunityRecord, sangzhi_clerk: User, world: World
) -> None:
    with pytest.raises(PermissionDenied):
        services.create_community_record(
            sangzhi_clerk, community.round, world.village, village_answers()
        )
    with pytest.raises(Http404):
        access.get_community_record_or_404(sangzhi_clerk, community.pk)
    assert not access.community_records_visible_to(
        sangzhi_clerk, community.round
    ).exists()


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("430821100001", 1),
        ("430821100199", 1),
        ("430821100201", 2),
        ("430821100450", 1),
        ("430821100599", 2),
        ("430821100700", None),
    ],
)
def test_the_committee_type_comes_from_the_village_number(
    code: str, kind: int | None
) -> None:
    assert community_derived(code) == {"committee_type": kind}
