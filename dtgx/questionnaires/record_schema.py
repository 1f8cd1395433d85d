"""JSON Schema (draft 2020-12) of one record of a form version.

A record is a JSON object keyed by item id. Every item may be ``null`` (not
applicable or not answered); a multi-select answer is an array of distinct
codes. Only required items whose relevance is unconditional are listed as
``required``: the rest depend on the skip logic, which the schema carries as
the ``x-relevant`` annotation but cannot enforce.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from dtgx.questionnaires.definitions import Item, ItemType, Questionnaire
from dtgx.questionnaires.expressions import Value

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def json_schema(questionnaire: Questionnaire) -> dict[str, Any]:
    """The JSON Schema that a complete record of ``questionnaire`` satisfies."""
    items = questionnaire.items
    required = [
        item.id
        for item in items
        if item.required and not questionnaire.conditions_of(item.id)
    ]
    return {
        "$schema": DRAFT_2020_12,
        "$id": f"urn:dtgx:questionnaire:{questionnaire.kind}:{questionnaire.version}",
        "title": questionnaire.title,
        "description": questionnaire.description,
        "type": "object",
        "properties": {item.id: _item_schema(questionnaire, item) for item in items},
        "required": required,
        "additionalProperties": False,
    }


def _item_schema(questionnaire: Questionnaire, item: Item) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "description": f"{item.number} {item.label}",
        "x-explanation": item.explanation,
    }
    conditions = questionnaire.conditions_of(item.id)
    if conditions:
        schema["x-relevant"] = " and ".join(f"({c.text})" for c in conditions)
    return schema | _value_schema(item)


def _value_schema(item: Item) -> dict[str, Any]:
    codes = sorted(item.codes.codes) if item.codes else []
    match item.type:
        case ItemType.CODE:
            return {"type": ["integer", "null"], "enum": [*codes, None]}
        case ItemType.MULTI:
            return _multi_schema(item, codes)
        case ItemType.INTEGER:
            return {"type": ["integer", "null"], **_bounds(item)}
        case ItemType.DECIMAL:
            return {"type": ["number", "null"], **_bounds(item)}
        case ItemType.DATE:
            return {"type": ["string", "null"], "format": "date"}
        case ItemType.TEXT | ItemType.IDENTIFIER:
            return _text_schema(item)


def _multi_schema(item: Item, codes: list[int]) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": ["array", "null"],
        "items": {"type": "integer", "enum": codes},
        "uniqueItems": True,
        "minItems": 1,
    }
    exclusive = sorted(item.codes.exclusive_codes) if item.codes else []
    if exclusive:
        # An exclusive option ("无") may only be ticked alone.
        ticked_with_others = [
            {"type": "array"},
            {"contains": {"enum": exclusive}},
            {"minItems": 2},
        ]
        schema["not"] = {"allOf": ticked_with_others}
    return schema


def _bounds(item: Item) -> dict[str, Any]:
    bounds = {"minimum": item.minimum, "maximum": item.maximum}
    return {key: _json_number(v) for key, v in bounds.items() if v is not None}


def _text_schema(item: Item) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ["string", "null"], "minLength": 1}
    if item.max_length is not None:
        schema["maxLength"] = item.max_length
    if item.pattern is not None:
        schema["pattern"] = item.pattern
    return schema


def _json_number(value: int | Decimal) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def json_record(
    questionnaire: Questionnaire, values: Mapping[str, Value]
) -> dict[str, Any]:
    """A record's stored values as JSON data matching ``json_schema``: every
    item present, multi-select answers as sorted code lists, dates as ISO
    text, decimals as numbers."""
    return {item.id: _json_value(values.get(item.id)) for item in questionnaire.items}


def _json_value(value: Value) -> Any:
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _json_number(value)
    return value
