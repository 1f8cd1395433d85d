"""Triggers that refuse changes to the access log and the audit trail, so
that not even code bypassing the ORM can rewrite them (see
``dtgx.accounts.append_only`` for what each database refuses)."""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from dtgx.accounts.append_only import (
    create_append_only_trigger,
    drop_append_only_trigger,
)

TABLES = ["accounts_accesslog", "accounts_auditevent"]


def create_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table in TABLES:
        create_append_only_trigger(schema_editor, table)


def drop_triggers(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for table in TABLES:
        drop_append_only_trigger(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
