"""A trigger that refuses changes to the record change history, so that not
even code bypassing the ORM can rewrite it (第二十六条: the history is the
evidence of every correction).

PostgreSQL refuses UPDATE and DELETE; it reuses the function that the
accounts migration 0002 created. SQLite refuses UPDATE only, because the
test teardown empties tables with DELETE there; the model refuses deletes.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TABLE = "survey_recordchange"


def create_trigger(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE "
            f"ON {TABLE} FOR EACH ROW EXECUTE FUNCTION dtgx_refuse_change()"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END"
        )


def drop_trigger(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only")


class Migration(migrations.Migration):
    dependencies = [
        ("survey", "0001_initial"),
        ("accounts", "0002_append_only_triggers"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
