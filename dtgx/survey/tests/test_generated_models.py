"""The record tables follow the form definitions: one typed, nullable
column per item and one boolean column per multi-select option, and the
generated module and the migrations are up to date."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.core.management import call_command
from django.db import models

from dtgx.questionnaires.definitions import ColumnKind, column_specs
from dtgx.survey.codegen import FORM_MODELS_PATH, model_name, render_form_models
from dtgx.survey.models import CommunityRecord, PersonRecord, SurveyRecord

FIELD_TYPES: dict[ColumnKind, type[models.Field[object, object]]] = {
    ColumnKind.SMALLINT: models.SmallIntegerField,
    ColumnKind.INTEGER: models.IntegerField,
    ColumnKind.DECIMAL: models.DecimalField,
    ColumnKind.TEXT: models.CharField,
    ColumnKind.DATE: models.DateField,
    ColumnKind.BOOL: models.BooleanField,
}


def test_the_generated_module_is_up_to_date_with_the_definitions() -> None:
    on_disk = FORM_MODELS_PATH.read_text(encoding="utf-8")

    assert on_disk == render_form_models(), (
        "dtgx/survey/form_models.py is out of date with the form definitions: "
        "run `manage.py generate_form_models`, then `manage.py makemigrations survey`."
    )


@pytest.mark.django_db
def test_the_migrations_are_up_to_date_with_the_models() -> None:
    out = StringIO()
    try:
        call_command("makemigrations", "survey", check=True, dry_run=True, stdout=out)
    except SystemExit:
        pytest.fail(
            "survey migrations are out of date: run `manage.py makemigrations "
            f"survey`.\n{out.getvalue()}"
        )


def test_the_check_command_agrees() -> None:
    out = StringIO()

    call_command("generate_form_models", check=True, stdout=out)

    assert "up to date" in out.getvalue()


@pytest.mark.parametrize("model", [PersonRecord, CommunityRecord])
def test_every_item_has_its_own_typed_nullable_column(
    model: type[SurveyRecord],
) -> None:
    form = model.questionnaire()
    specs = column_specs(form)

    for spec in specs:
        field = model._meta.get_field(spec.name)
        assert type(field) is FIELD_TYPES[spec.kind], spec.name
        assert field.null, spec.name
        if spec.kind == ColumnKind.TEXT:
            assert isinstance(field, models.CharField)
            assert field.max_length == spec.max_length
    assert model_name(form.key) in {base.__name__ for base in model.__mro__}


def test_a_multi_select_item_has_one_boolean_column_per_option() -> None:
    form = PersonRecord.questionnaire()
    item = form.item("employment.help_received")
    codes = [option.code for option in item.codes.options] if item.codes else []

    columns = [f"employment_help_received_{code}" for code in codes]

    assert codes == [1, 2, 3, 4, 5, 6]
    for column in columns:
        assert isinstance(PersonRecord._meta.get_field(column), models.BooleanField)
    whole_item: str = "employment_help_received"
    with pytest.raises(FieldDoesNotExist):
        PersonRecord._meta.get_field(whole_item)


def test_the_2018_tables_have_a_column_per_item_and_option() -> None:
    person = column_specs(PersonRecord.questionnaire())
    community = column_specs(CommunityRecord.questionnaire())

    assert (len(person), len(community)) == (112, 41)
