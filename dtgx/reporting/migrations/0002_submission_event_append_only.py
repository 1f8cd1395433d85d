"""A trigger that refuses changes to the submission history: every cycle of
submission, return and acceptance stays as it happened. See
``dtgx.accounts.append_only``."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from dtgx.accounts.append_only import (
    create_append_only_trigger,
    drop_append_only_trigger,
)

TABLE = "reporting_submissionevent"


def create_trigger(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    create_append_only_trigger(schema_editor, TABLE)


def drop_trigger(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    drop_append_only_trigger(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("accounts", "0002_append_only_triggers"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
