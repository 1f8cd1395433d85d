"""The spreadsheet layout of a form: one column per item, in printed order.

The Excel template, the import and the record-list export share it, so
that an exported list can be filled in, corrected and imported again. A
column's header is the item's printed number and label
(``R17 残疾人就业形式``); a multi-select item is one column holding its
codes separated by commas (``1,3``). Export-only columns (record number,
status, version, village name) follow the items; imports ignore them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from dtgx.exports import Column, ColumnKind
from dtgx.identity import mask_id_number
from dtgx.questionnaires.definitions import Item, ItemType, Questionnaire
from dtgx.questionnaires.expressions import Value
from dtgx.survey.answers import PUBLIC_IDENTIFIERS

MULTI_SEPARATOR = ","

_KINDS = {
    ItemType.CODE: ColumnKind.INTEGER,
    ItemType.MULTI: ColumnKind.TEXT,
    ItemType.INTEGER: ColumnKind.INTEGER,
    ItemType.DECIMAL: ColumnKind.DECIMAL,
    ItemType.TEXT: ColumnKind.TEXT,
    ItemType.DATE: ColumnKind.DATE,
    ItemType.IDENTIFIER: ColumnKind.IDENTIFIER,
}


@dataclass(frozen=True)
class ItemColumn:
    """The column of one item."""

    item: Item
    header: str

    @property
    def column(self) -> Column:
        return Column(self.header, _KINDS[self.item.type])


def item_header(item: Item) -> str:
    return f"{item.number} {item.label}"


def item_columns(form: Questionnaire) -> tuple[ItemColumn, ...]:
    """One column per item, in printed order."""
    return tuple(ItemColumn(item, item_header(item)) for item in form.items)


def export_only_headers() -> tuple[str, ...]:
    """Headers an export adds after the items; an import skips them."""
    return (_("记录号"), _("村(社区)"), _("状态"), _("版本"))


def cell_value(item: Item, value: Value, *, reveal_ids: bool) -> object:
    """A stored value as its cell: codes and numbers as numbers, a
    multi-select answer as ``1,3``, identifiers as text, masked unless
    ``reveal_ids`` (place codes never are)."""
    if value is None:
        return None
    if item.type == ItemType.MULTI and isinstance(value, frozenset):
        return MULTI_SEPARATOR.join(str(code) for code in sorted(value))
    if item.type == ItemType.IDENTIFIER and isinstance(value, str):
        if reveal_ids or item.id in PUBLIC_IDENTIFIERS:
            return value
        return mask_id_number(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | Decimal | date | str):
        return value
    return str(value)


def row_cells(
    columns: Sequence[ItemColumn],
    values: dict[str, Value],
    *,
    reveal_ids: bool,
) -> list[object]:
    return [
        cell_value(column.item, values.get(column.item.id), reveal_ids=reveal_ids)
        for column in columns
    ]


def code_choices(item: Item) -> Iterable[str]:
    """A code list as the drop-down shows it: ``1 是``."""
    options = item.codes.options if item.codes else ()
    return (f"{option.code} {option.label}" for option in options)
