"""Database triggers that make a table append-only, for migrations.

PostgreSQL refuses UPDATE and DELETE. SQLite refuses UPDATE only: Django's
test teardown empties tables with DELETE there (PostgreSQL uses TRUNCATE,
which row triggers do not see); deletes are refused by the models.
"""

from __future__ import annotations

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION dtgx_refuse_change() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; "
    "END; $$ LANGUAGE plpgsql"
)


def create_append_only_trigger(
    schema_editor: BaseDatabaseSchemaEditor, table: str
) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(_PG_FUNCTION)
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION dtgx_refuse_change()"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def drop_append_only_trigger(
    schema_editor: BaseDatabaseSchemaEditor, table: str
) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only")
