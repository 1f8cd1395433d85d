"""Skip logic of the 2018 community (village) form."""

from __future__ import annotations

from collections.abc import Mapping

from dtgx.questionnaires.relevance import ProblemKind, clean_answers, relevant_items
from dtgx.questionnaires.tests.personas import NO, YES, community_form, village


def applies(changes: Mapping[str, object]) -> set[str]:
    return relevant_items(community_form(), {**village(), **changes}, {})


def test_it_asks_about_liaisons_only_where_there_are_some() -> None:
    liaison_items = {
        "organisation.liaison_count",
        "organisation.liaison_disabled_count",
        "organisation.liaison_subsidised",
    }

    assert liaison_items <= applies({"organisation.has_liaison": YES})
    assert not liaison_items & applies({"organisation.has_liaison": NO})


def test_it_asks_for_day_care_places_only_with_day_care() -> None:
    assert "services.day_care_places" in applies({"services.has_day_care": YES})
    assert "services.day_care_places" not in applies({"services.has_day_care": NO})


def test_it_asks_for_participants_only_after_some_activity() -> None:
    assert "culture.participants" in applies({"culture.activity_count": 1})
    assert "culture.participants" not in applies({"culture.activity_count": 0})
    assert "culture.participants" not in applies({"culture.activity_count": None})


def test_it_asks_about_family_doctors_only_with_a_clinic() -> None:
    assert "support.family_doctor_service" in applies({"support.has_clinic": YES})
    assert "support.family_doctor_service" not in applies({"support.has_clinic": NO})


def test_it_asks_every_village_the_unconditional_items() -> None:
    unconditional = {
        item.id
        for item in community_form().items
        if not community_form().conditions_of(item.id)
    }

    assert unconditional <= applies({})
    assert len(unconditional) == 30


def test_it_reports_no_facilities_ticked_with_a_facility() -> None:
    answers = village() | {"accessibility.facilities": [2, 6]}
    cleaned = clean_answers(community_form(), answers, {})

    assert [p.kind for p in cleaned.problems] == [ProblemKind.EXCLUSIVE_OPTION]


def test_it_reports_counts_outside_their_range() -> None:
    answers = village() | {"organisation.liaison_count": 0}
    cleaned = clean_answers(community_form(), answers, {})

    assert [p.kind for p in cleaned.problems] == [ProblemKind.OUT_OF_RANGE]


def test_it_accepts_the_village_as_complete_and_clean() -> None:
    cleaned = clean_answers(community_form(), village(), {})

    assert cleaned.is_clean
    assert cleaned.missing_required == ()
