"""A trigger that refuses changes to the record change history, so that not
even code bypassing the ORM can rewrite it (第二十六条: the history is the
evidence of every correction). See ``dtgx.accounts.append_only``."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from dtgx.accounts.append_only import (
    create_append_only_trigger,
    drop_append_only_trigger,
)

TABLE = "survey_recordchange"


def create_trigger(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    create_append_only_trigger(schema_editor, TABLE)


def drop_trigger(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    drop_append_only_trigger(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("survey", "0001_initial"),
        ("accounts", "0002_append_only_triggers"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
