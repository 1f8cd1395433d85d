"""Item values of a stored record, and the other forms they take.

Services and views speak in item values keyed by item id (``basic.name``,
a multi-select answer as a set of codes), as ``dtgx.questionnaires`` does;
a record row holds typed columns (``column_specs``). This module converts
between the two, compares two sets of values item by item, and turns a
value into JSON (for the change history) and into display text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeAlias

from django.db import models

from dtgx.identity import mask_id_number
from dtgx.questionnaires.definitions import Item, ItemType, Questionnaire
from dtgx.questionnaires.expressions import Value

JsonValue: TypeAlias = int | str | list[int] | None

# Identifier items that name a place, not a person, and are never masked.
# Every other identifier (certificate and identity numbers, whatever a
# future form version adds) is masked unless the user may see it whole.
PUBLIC_IDENTIFIERS = frozenset({"header.region_code"})


@dataclass(frozen=True)
class ItemChange:
    """One item whose stored value changed."""

    item_id: str
    old: Value
    new: Value


def values_of(questionnaire: Questionnaire, row: models.Model) -> dict[str, Value]:
    """Every item's stored value; ``None`` where the column is NULL (a
    multi-select item: where all its option columns are NULL)."""
    values: dict[str, Value] = {}
    for item in questionnaire.items:
        if item.type == ItemType.MULTI:
            values[item.id] = _ticked(item, row)
        else:
            values[item.id] = getattr(row, item.column)
    return values


def _ticked(item: Item, row: models.Model) -> frozenset[int] | None:
    options = item.codes.options if item.codes else ()
    flags = {o.code: getattr(row, item.option_column(o.code)) for o in options}
    if all(flag is None for flag in flags.values()):
        return None
    return frozenset(code for code, flag in flags.items() if flag) or None


def columns_of(
    questionnaire: Questionnaire, values: Mapping[str, Value]
) -> dict[str, object]:
    """The column values that store ``values`` (absent items are NULL)."""
    columns: dict[str, object] = {}
    for item in questionnaire.items:
        value = values.get(item.id)
        if item.type != ItemType.MULTI:
            columns[item.column] = value
            continue
        options = item.codes.options if item.codes else ()
        for option in options:
            ticked = None if not isinstance(value, frozenset) else option.code in value
            columns[item.option_column(option.code)] = ticked
    return columns


def changed_items(
    questionnaire: Questionnaire,
    old: Mapping[str, Value],
    new: Mapping[str, Value],
) -> tuple[ItemChange, ...]:
    """The items whose value differs, in printed order. Values compare as
    stored: ``Decimal('1.0')`` equals ``Decimal('1.00')``, and an item
    absent from a mapping is ``None``."""
    return tuple(
        ItemChange(item.id, old.get(item.id), new.get(item.id))
        for item in questionnaire.items
        if old.get(item.id) != new.get(item.id)
    )


def to_json(value: Value) -> JsonValue:
    """A value as JSON data: codes and integers as numbers, decimals and
    dates as text (exact), a multi-select answer as a sorted code list."""
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool):
        return int(value)
    return value


def display_value(item: Item, value: object, *, reveal_ids: bool) -> str:
    """A stored or JSON value as text for a page: a code with its label
    (``2 否``), the labels of ticked options joined by ``、``, a date in ISO
    form; identity-like identifiers masked unless ``reveal_ids``; ``""``
    when missing."""
    if value is None:
        return ""
    if item.type == ItemType.CODE and isinstance(value, int) and item.codes:
        return f"{value} {item.codes.label_of(value) or ''}".rstrip()
    if item.type == ItemType.MULTI and isinstance(value, list | frozenset | set):
        return "、".join(_option_text(item, code) for code in sorted(value))
    if item.type == ItemType.IDENTIFIER and not reveal_ids:
        return str(value) if item.id in PUBLIC_IDENTIFIERS else mask_id_number(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _option_text(item: Item, code: object) -> str:
    label = item.codes.label_of(code) if item.codes and isinstance(code, int) else None
    return f"{code} {label}" if label else str(code)
