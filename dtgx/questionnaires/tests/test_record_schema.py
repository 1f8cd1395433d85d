"""The JSON Schema of a record, checked with the ``jsonschema`` library."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from dtgx.questionnaires.definitions import Questionnaire
from dtgx.questionnaires.record_schema import json_record, json_schema
from dtgx.questionnaires.relevance import clean_answers
from dtgx.questionnaires.tests.personas import (
    adult_farmer,
    community_form,
    derived,
    person_form,
    village,
)


def validator(form: Questionnaire) -> Any:
    return Draft202012Validator(
        json_schema(form), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def person_record(**changes: object) -> dict[str, Any]:
    cleaned = clean_answers(person_form(), adult_farmer(), derived())
    record = json_record(person_form(), cleaned.values)
    return record | {key.replace("__", "."): v for key, v in changes.items()}


@pytest.mark.parametrize("form", [person_form(), community_form()])
def test_it_writes_a_valid_draft_2020_12_schema(form: Questionnaire) -> None:
    Draft202012Validator.check_schema(json_schema(form))


def test_it_accepts_the_records_of_the_personas() -> None:
    village_values = clean_answers(community_form(), village(), {}).values

    assert list(validator(person_form()).iter_errors(person_record())) == []
    village_record = json_record(community_form(), village_values)
    assert list(validator(community_form()).iter_errors(village_record)) == []


def test_it_describes_items_with_their_number_label_and_codes() -> None:
    schema = json_schema(person_form())["properties"]

    assert schema["basic.hukou_type"]["description"] == "R3 户口性质"
    assert schema["basic.hukou_type"]["enum"] == [1, 2, None]
    assert schema["employment.is_employed"]["x-relevant"].startswith("(header.")
    assert schema["employment.help_received"]["uniqueItems"] is True


def test_it_requires_only_the_items_that_always_apply() -> None:
    required = json_schema(person_form())["required"]

    assert "basic.name" in required
    assert "basic.phone" not in required
    assert "employment.is_employed" not in required


@pytest.mark.parametrize(
    "changes",
    [
        {"basic__hukou_type": 3},
        {"basic__hukou_type": "1"},
        {"social_security__assistance": [1, 6]},
        {"social_security__assistance": [1, 1]},
        {"social_security__assistance": []},
        {"basic__name": ""},
        {"basic__certificate_number": "1101011994010100"},
        {"footer__fill_date": "2018-13-01"},
        {"employment__salary": 3000},
    ],
    ids=str,
)
def test_it_rejects_records_that_break_the_definition(changes: dict[str, Any]) -> None:
    record = person_record(**changes)

    assert list(validator(person_form()).iter_errors(record))


def test_it_rejects_counts_outside_their_range() -> None:
    values = clean_answers(community_form(), village(), {}).values
    record = json_record(community_form(), values) | {"population.resident": -1}

    assert list(validator(community_form()).iter_errors(record))
