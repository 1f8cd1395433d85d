"""Plain record tables for bulk audits, and rows read back as values.

The survey app stores records in generated Django models; tests and the
benchmark need the same typed columns in plain tables they create and drop
themselves. ``record_table_sql`` writes the ``CREATE TABLE`` of a form
version's columns (``column_specs``), optionally with one column per
derived input (named by the input id). ``values_from_row`` and
``derived_from_row`` read a row back into what the per-record evaluator
takes, the way ``dtgx.survey.answers.values_of`` reads a stored record: a
multi-select item is the set of options whose column is TRUE, missing when
none is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from dtgx.questionnaires.definitions import (
    ColumnKind,
    ColumnSpec,
    ItemType,
    Questionnaire,
    column_specs,
)
from dtgx.questionnaires.expressions import Value, ValueKind
from dtgx.validation.rules import RuleSet
from dtgx.validation.sql import DerivedShape, Dialect, derived_shapes


@dataclass(frozen=True)
class TableColumn:
    name: str
    sql_type: str


_POSTGRESQL_TYPES = {
    ColumnKind.SMALLINT: "SMALLINT",
    ColumnKind.INTEGER: "INTEGER",
    ColumnKind.TEXT: "TEXT",
    ColumnKind.DATE: "DATE",
    ColumnKind.BOOL: "BOOLEAN",
}
_SQLITE_TYPES = {
    ColumnKind.SMALLINT: "INTEGER",
    ColumnKind.INTEGER: "INTEGER",
    ColumnKind.DECIMAL: "NUMERIC",
    ColumnKind.TEXT: "TEXT",
    ColumnKind.DATE: "DATE",
    ColumnKind.BOOL: "BOOLEAN",
}
_DERIVED_KINDS = {
    ValueKind.BOOLEAN: ColumnKind.BOOL,
    ValueKind.CODE: ColumnKind.SMALLINT,
    ValueKind.NUMBER: ColumnKind.INTEGER,
    ValueKind.TEXT: ColumnKind.TEXT,
    ValueKind.DATE: ColumnKind.DATE,
}


def item_columns(form: Questionnaire, dialect: Dialect) -> list[TableColumn]:
    """The typed columns of the form's items, in printed order."""
    return [
        TableColumn(spec.name, _sql_type(spec, dialect)) for spec in column_specs(form)
    ]


def derived_columns(
    rule_set: RuleSet | None, form: Questionnaire, dialect: Dialect
) -> list[TableColumn]:
    """One column per derived input of the form (and of the rule set)."""
    return [
        TableColumn(name, _derived_type(shape, dialect))
        for name, shape in derived_shapes(rule_set, form).items()
    ]


def record_table_sql(
    table: str,
    columns: Sequence[TableColumn],
    dialect: Dialect,
    *,
    keys: Sequence[TableColumn] = (),
) -> str:
    """``CREATE TABLE table (id <key>, keys..., columns...)``."""
    key = (
        "BIGINT PRIMARY KEY" if dialect is Dialect.POSTGRESQL else "INTEGER PRIMARY KEY"
    )
    parts = [f'"id" {key}', *(f'"{c.name}" {c.sql_type}' for c in (*keys, *columns))]
    return f'CREATE TABLE "{table}" (\n  ' + ",\n  ".join(parts) + "\n)"


def _sql_type(spec: ColumnSpec, dialect: Dialect) -> str:
    if spec.kind == ColumnKind.DECIMAL and dialect is Dialect.POSTGRESQL:
        return f"NUMERIC({spec.max_digits}, {spec.decimal_places})"
    types = _POSTGRESQL_TYPES if dialect is Dialect.POSTGRESQL else _SQLITE_TYPES
    return types[spec.kind]


def _derived_type(shape: DerivedShape, dialect: Dialect) -> str:
    if shape.decimal:
        return "NUMERIC"
    types = _POSTGRESQL_TYPES if dialect is Dialect.POSTGRESQL else _SQLITE_TYPES
    return types[_DERIVED_KINDS[shape.kind]]


# --- Values <-> columns ---------------------------------------------------------


def columns_of(form: Questionnaire, values: Mapping[str, object]) -> dict[str, object]:
    """The column values that store item ``values`` (absent items: NULL;
    a multi-select answer: TRUE/FALSE per option, NULL when unanswered)."""
    columns: dict[str, object] = {}
    for item in form.items:
        value = values.get(item.id)
        if item.type != ItemType.MULTI:
            columns[item.column] = value
            continue
        ticked = (
            frozenset(value)
            if isinstance(value, list | tuple | set | frozenset)
            else None
        )
        for code in sorted(item.codes.codes if item.codes else ()):
            columns[item.option_column(code)] = None if not ticked else code in ticked
    return columns


def values_from_row(form: Questionnaire, row: Mapping[str, object]) -> dict[str, Value]:
    """Item id -> value of a row keyed by column name (either database)."""
    values: dict[str, Value] = {}
    for item in form.items:
        if item.type == ItemType.MULTI:
            codes = sorted(item.codes.codes) if item.codes else []
            flags = (row.get(item.option_column(code)) for code in codes)
            ticked = frozenset(c for c, f in zip(codes, flags, strict=True) if f)
            values[item.id] = ticked or None
        else:
            values[item.id] = _typed(row.get(item.column), item.name_type.kind)
    return values


def derived_from_row(
    rule_set: RuleSet | None, form: Questionnaire, row: Mapping[str, object]
) -> dict[str, Value]:
    """Derived input id -> value of a row holding the derived columns."""
    return {
        name: _typed(row.get(name), shape.kind)
        for name, shape in derived_shapes(rule_set, form).items()
    }


def _typed(value: object, kind: ValueKind) -> Value:
    """A column value as the evaluator takes it: SQLite's 0/1 booleans and
    ISO date text are turned back into ``bool`` and ``date``."""
    if value is None:
        return None
    if kind == ValueKind.BOOLEAN:
        return bool(value)
    if kind == ValueKind.DATE and isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, bool | int | Decimal | str | date):
        return value
    raise TypeError(f"unexpected column value {value!r}")


def sqlite_value(value: object) -> object:
    """A value as the ``sqlite3`` module stores it without adapters."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
