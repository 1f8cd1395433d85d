"""A record's answers and history as the pages show them: labels and code
labels from the form definition, identifiers masked unless revealed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dtgx.questionnaires.definitions import Questionnaire
from dtgx.questionnaires.expressions import Value
from dtgx.survey.answers import display_value
from dtgx.survey.models import RecordChange


@dataclass(frozen=True)
class ShownItem:
    number: str
    label: str
    text: str


@dataclass(frozen=True)
class ShownSection:
    letter: str
    title: str
    items: tuple[ShownItem, ...]


@dataclass(frozen=True)
class ShownItemChange:
    number: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ShownChange:
    change: RecordChange
    items: tuple[ShownItemChange, ...]


def build_sections(
    form: Questionnaire, values: Mapping[str, Value], *, reveal_ids: bool
) -> tuple[ShownSection, ...]:
    """Every section with every item, in printed order; an item without a
    value (not applicable or unanswered) has empty text."""
    return tuple(
        ShownSection(
            letter=section.letter or "",
            title=section.title,
            items=tuple(
                ShownItem(
                    item.number,
                    item.label,
                    display_value(item, values.get(item.id), reveal_ids=reveal_ids),
                )
                for item in section.items
            ),
        )
        for section in form.sections
    )


def build_history(
    form: Questionnaire, changes: Iterable[RecordChange], *, reveal_ids: bool
) -> tuple[ShownChange, ...]:
    """Each change with its items as ``number label: old → new``. An item
    id the form no longer knows is shown as the id itself."""
    return tuple(
        ShownChange(change, tuple(_item_changes(form, change.items, reveal_ids)))
        for change in changes
    )


def _item_changes(
    form: Questionnaire, entries: object, reveal_ids: bool
) -> Iterable[ShownItemChange]:
    for entry in entries if isinstance(entries, list) else []:
        item_id = str(entry.get("item", ""))
        if item_id not in form.item_ids:
            old, new = (entry.get(k) for k in ("old", "new"))
            yield ShownItemChange("", item_id, _text(old), _text(new))
            continue
        item = form.item(item_id)
        yield ShownItemChange(
            item.number,
            item.label,
            display_value(item, entry.get("old"), reveal_ids=reveal_ids),
            display_value(item, entry.get("new"), reveal_ids=reveal_ids),
        )


def _text(value: object) -> str:
    return "" if value is None else str(value)
