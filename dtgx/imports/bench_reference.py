"""The benchmark's reference: the same person file through
django-import-export (dev dependency only), with a bare ``ModelResource``.

It maps each template column to its record column and fills the
bookkeeping columns, and nothing else: no scope, lock, skip-logic,
identifier or required-item checks, no change history and no audit. It
exists to put the import's figures in proportion, never to load data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dtgx.questionnaires.definitions import ItemType


def import_with_django_import_export(path: Path, clerk_name: str) -> str:
    import tablib
    from import_export import fields, resources, widgets

    from dtgx.accounts.models import User
    from dtgx.registry.models import Person
    from dtgx.survey.models import PersonRecord, Round
    from dtgx.survey.sheets import item_columns

    form = PersonRecord.questionnaire()
    columns = item_columns(form)
    clerk = User.objects.get(username=clerk_name)
    round = Round.objects.get(year=2025)
    multi = [c for c in columns if c.item.type == ItemType.MULTI]
    declared: dict[str, Any] = {
        "person": fields.Field(
            attribute="person",
            column_name=_header(columns, "basic.certificate_number"),
            widget=widgets.ForeignKeyWidget(Person, "certificate_number"),
        )
    }
    for column in columns:
        if column.item.type == ItemType.MULTI:
            continue
        declared[column.item.column] = fields.Field(
            attribute=column.item.column,
            column_name=column.header,
            widget=_widget(column.item.type, widgets),
        )

    def before_save_instance(self: Any, instance: Any, row: Any, **kwargs: Any) -> None:
        village = instance.person.region_code
        instance.round = round
        instance.village_id = village
        instance.region_code = village
        instance.header_region_code = village
        instance.entered_by = clerk
        instance.updated_by = clerk
        instance.survey_method = instance.header_survey_method
        instance.collector = instance.footer_collector
        instance.survey_date = instance.footer_fill_date
        for column in multi:
            text = row.get(column.header)
            codes = {int(p) for p in str(text).split(",") if p} if text else None
            options = column.item.codes.options if column.item.codes else ()
            for option in options:
                ticked = None if codes is None else option.code in codes
                setattr(instance, column.item.option_column(option.code), ticked)

    meta = type(
        "Meta",
        (),
        {
            "model": PersonRecord,
            "import_id_fields": ("person",),
            "fields": tuple(declared),
            "use_bulk": False,
        },
    )
    resource_class = type(
        "PersonResource",
        (resources.ModelResource,),
        {**declared, "Meta": meta, "before_save_instance": before_save_instance},
    )
    dataset = tablib.Dataset().load(path.read_bytes(), format="xlsx")
    result = resource_class().import_data(dataset, dry_run=False)
    totals: dict[str, int] = dict(result.totals)
    errors: int = len(result.row_errors())
    invalid: int = len(result.invalid_rows)
    summary: str = (
        f"new {totals.get('new', 0):,}, update {totals.get('update', 0):,}, "
        f"errors {errors:,}, invalid {invalid:,}"
    )
    return summary


def _header(columns: Any, item_id: str) -> str:
    return str(next(c.header for c in columns if c.item.id == item_id))


def _widget(kind: ItemType, widgets: Any) -> Any:
    if kind in (ItemType.CODE, ItemType.INTEGER):
        return widgets.IntegerWidget()
    if kind == ItemType.DECIMAL:
        return widgets.DecimalWidget()
    if kind == ItemType.DATE:
        return widgets.DateWidget()
    return widgets.CharWidget()
