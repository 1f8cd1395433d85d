"""The derived inputs: their tables match the rule sets, and each is
computed as the rule set file explains it."""

from __future__ import annotations

from datetime import date

import pytest

from dtgx.questionnaires.definitions import load_questionnaire
from dtgx.registry.models import Status
from dtgx.validation.inputs import Holder, RecordFacts, RoundFacts, person_inputs
from dtgx.validation.models import CommunityInputs, PersonInputs
from dtgx.validation.rules import RULESETS_DIR, load_rule_set
from dtgx.validation.sql import derived_shapes

PROVINCE_FILES = sorted((RULESETS_DIR / "provinces").glob("*.yaml"))


def columns(model: type[PersonInputs] | type[CommunityInputs]) -> set[str]:
    return {field.name for field in model._meta.fields if field.name != "record"}


@pytest.mark.parametrize("province", [None, *PROVINCE_FILES])
def test_the_inputs_tables_have_a_column_per_input_of_every_rule_set(
    province: object,
) -> None:
    rule_set = load_rule_set("national-2018", province)  # type: ignore[arg-type]
    person = derived_shapes(rule_set, load_questionnaire("person", "2018"))
    community = derived_shapes(rule_set, load_questionnaire("community", "2018"))
    assert columns(PersonInputs) == set(person)
    assert columns(CommunityInputs) == set(community)


class _Round:
    year = 2025
    reference_date = date(2025, 6, 30)
    campaign_start = date(2025, 7, 1)
    campaign_end = date(2025, 10, 31)


HOLDER = Holder(
    name="王建国",
    sex=1,
    birth_date=date(1995, 1, 1),
    category=4,
    grade=3,
    hukou_type=1,
    status=Status.NORMAL,
)
GOOD_ID = "43082119950101001X"  # check character X is right for these 17


def inputs(**changes: object) -> dict[str, object]:
    facts = {
        "name": "王建国",
        "certificate_number": GOOD_ID + "43",
        "region_code": "430821100201",
        "householder_id": None,
        "holder": HOLDER,
    } | changes
    context = RoundFacts(
        _Round(),  # type: ignore[arg-type]
        date(2025, 8, 1),
        in_base_list=True,
        duplicate_in_round=False,
        region_code_valid=True,
    )
    return person_inputs(RecordFacts(**facts), context)  # type: ignore[arg-type]


def test_a_good_record_has_good_inputs() -> None:
    got = inputs()
    assert got["age"] == 30
    assert got["certificate_checksum_ok"] is True
    assert got["certificate_birth_date_ok"] is True
    assert got["certificate_province_ok"] is True
    assert got["name_matches_registry"] is True
    assert got["id_county_matches_village"] is True
    assert got["registry_status"] == 1
    assert got["householder_id_valid"] is None  # F2 not filled: missing
    assert got["in_subsistence_registry"] is None  # not shared: missing
    assert got["campaign_start"] == date(2025, 7, 1)
    assert got["audit_date"] == date(2025, 8, 1)


@pytest.mark.parametrize(
    ("changes", "name", "expected"),
    [
        (
            {"certificate_number": "430821199501010011" + "43"},
            "certificate_checksum_ok",
            False,
        ),
        ({"certificate_number": "4308211995X"}, "certificate_checksum_ok", None),
        (
            {"certificate_number": "43082119950231001X43"},
            "certificate_birth_date_ok",
            False,
        ),
        (
            {"certificate_number": "43082120260101001X43"},
            "certificate_birth_date_ok",
            False,
        ),
        (
            {"certificate_number": "99082119950101001X43"},
            "certificate_province_ok",
            False,
        ),
        ({"certificate_number": None}, "certificate_province_ok", None),
        ({"name": "王 建国"}, "name_matches_registry", True),
        ({"name": "王建军"}, "name_matches_registry", False),
        ({"name": None}, "name_matches_registry", None),
        ({"region_code": "430822100201"}, "id_county_matches_village", False),
        ({"householder_id": GOOD_ID}, "householder_id_valid", True),
        ({"householder_id": "430821199501010011"}, "householder_id_valid", False),
    ],
)
def test_each_input_follows_its_explanation(
    changes: dict[str, object], name: str, expected: object
) -> None:
    assert inputs(**changes)[name] is expected


def test_registry_statuses_map_to_the_rule_set_codes() -> None:
    from dataclasses import replace

    for status, code in [
        (Status.NORMAL, 1),
        (Status.CANCELLED, 2),
        (Status.DECEASED, 3),
        (Status.MOVED_OUT, 4),
    ]:
        assert inputs(holder=replace(HOLDER, status=status))["registry_status"] == code
