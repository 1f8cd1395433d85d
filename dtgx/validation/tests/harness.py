"""A real database holding person, community and last-round rows, audited
both ways: the bulk SQL query, and the per-record evaluator on the rows as
read back from the same tables.

``Audit`` works on any DB-API connection: an in-memory ``sqlite3`` one (the
default in tests) or Django's connection when it is PostgreSQL.
"""

# SQL text is built here from table and column names that come from code
# and form definitions, never from users; constants are quoted by
# sql._text_literal. Hence no S608 (string-built SQL) warnings.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dtgx.questionnaires.definitions import FormKey, Questionnaire, load_questionnaire
from dtgx.validation.evaluate import failing_rule_ids, record_scope
from dtgx.validation.rules import RuleSet
from dtgx.validation.sql import (
    AuditSource,
    Dialect,
    Link,
    Strategy,
    audit_query,
    dialect_of,
)
from dtgx.validation.tables import (
    TableColumn,
    columns_of,
    derived_columns,
    derived_from_row,
    item_columns,
    record_table_sql,
    sqlite_value,
    values_from_row,
)

PERSON = FormKey("person", "2018")
COMMUNITY = FormKey("community", "2018")
Row = dict[str, object]


@dataclass
class Tables:
    person: str = "audit_person"
    community: str = "audit_community"
    last: str = "audit_last"


@dataclass
class Audit:
    """The three tables in one database, and both evaluators over them."""

    connection: Any
    rule_set: RuleSet
    tables: Tables = field(default_factory=Tables)

    def __post_init__(self) -> None:
        self.dialect = dialect_of(self.connection)
        self.person = load_questionnaire(*PERSON)
        self.community = load_questionnaire(*COMMUNITY)
        self._queries: dict[tuple[FormKey, Strategy], str] = {}

    # --- set-up

    def create(self) -> None:
        d, rs = self.dialect, self.rule_set
        person = item_columns(self.person, d) + derived_columns(rs, self.person, d)
        community = item_columns(self.community, d)
        community += derived_columns(rs, self.community, d)
        person_id = [TableColumn("person_id", "INTEGER")]
        self._execute(record_table_sql(self.tables.person, person, d))
        self._execute(record_table_sql(self.tables.community, community, d))
        last = item_columns(self.person, d)
        self._execute(record_table_sql(self.tables.last, last, d, keys=person_id))

    def clear(self) -> None:
        for table in (self.tables.person, self.tables.community, self.tables.last):
            self._execute(f'DELETE FROM "{table}"')

    def insert(self, table: str, rows: Iterable[Mapping[str, object]]) -> None:
        for row in rows:
            names = list(row)
            columns = ", ".join(f'"{n}"' for n in names)
            mark = "?" if isinstance(self.connection, sqlite3.Connection) else "%s"
            marks = ", ".join([mark] * len(names))
            values = [self._value(row[n]) for n in names]
            sql = f'INSERT INTO "{table}" ({columns}) VALUES ({marks})'
            self._execute(sql, values)

    def load_example(self, form: FormKey, values: Mapping[str, object]) -> int:
        """Replace the tables' rows by one record made of a rule example
        (names as conditions use them); returns its id."""
        self.clear()
        if form == COMMUNITY:
            self.insert(self.tables.community, [self._row(self.community, values, 1)])
            return 1
        own = {k: v for k, v in values.items() if _is_item(k)}
        row = self._row(self.person, own, 1)
        village = _prefixed(values, "community.")
        last = _prefixed(values, "last.")
        if village:
            village.setdefault("header.region_code", "430821100201")
            if row["header_region_code"] is None:
                row["header_region_code"] = village["header.region_code"]
            self.insert(self.tables.community, [self._row(self.community, village, 1)])
        if last:
            last_row = self._row(self.person, last, 1) | {"person_id": 1}
            self.insert(self.tables.last, [last_row])
        self.insert(self.tables.person, [row])
        return 1

    def _row(
        self, form: Questionnaire, values: Mapping[str, object], record_id: int
    ) -> Row:
        items = {k: v for k, v in values.items() if k in form.item_ids}
        derived = {k: v for k, v in values.items() if k not in form.item_ids}
        return {"id": record_id, **columns_of(form, items), **derived}

    # --- the two evaluators

    def source(self, form: FormKey) -> AuditSource:
        if form == COMMUNITY:
            return AuditSource(self.tables.community)
        region = (("header_region_code", "header_region_code"),)
        links = {
            "community": Link(self.tables.community, "c", region),
            "last": Link(self.tables.last, "l", (("id", "person_id"),)),
        }
        return AuditSource(self.tables.person, links=links)

    def bulk(
        self, form: FormKey = PERSON, strategy: Strategy = Strategy.WIDE
    ) -> set[tuple[int, str]]:
        key = (form, strategy)
        if key not in self._queries:
            source = self.source(form)
            self._queries[key] = audit_query(
                self.rule_set, form, source, self.dialect, strategy=strategy
            )
        rows = self._fetch(self._queries[key])
        return {(int(row[0]), str(row[1])) for row in rows}

    def bulk_of(self, source: AuditSource) -> set[tuple[int, str]]:
        """The bulk findings of the person records of ``source``."""
        query = audit_query(self.rule_set, PERSON, source, self.dialect)
        return {(int(row[0]), str(row[1])) for row in self._fetch(query)}

    def per_record(self, form: FormKey = PERSON) -> set[tuple[int, str]]:
        questionnaire = self.person if form == PERSON else self.community
        table = self.tables.person if form == PERSON else self.tables.community
        linked = self._linked() if form == PERSON else {}
        found = set()
        for row in self._rows(table):
            scope = self._scope(questionnaire, row, linked)
            ids = failing_rule_ids(self.rule_set, form, scope)
            found |= {(int(str(row["id"])), rule_id) for rule_id in ids}
        return found

    def _scope(
        self,
        form: Questionnaire,
        row: Row,
        linked: Mapping[str, Mapping[object, Row]],
    ) -> dict[str, object]:
        values = values_from_row(form, row)
        derived = derived_from_row(self.rule_set, form, row)
        records: dict[str, Mapping[str, object] | None] = {}
        if linked:
            village = linked["community"].get(row["header_region_code"])
            last = linked["last"].get(row["id"])
            records["community"] = self._linked_values(self.community, village)
            records["last"] = self._linked_values(self.person, last)
        return record_scope(values, derived, records)

    def _linked_values(
        self, form: Questionnaire, row: Row | None
    ) -> dict[str, object] | None:
        if row is None:
            return None
        return {**values_from_row(form, row), **derived_from_row(None, form, row)}

    def _linked(self) -> dict[str, dict[object, Row]]:
        villages = {
            row["header_region_code"]: row
            for row in self._rows(self.tables.community)
            if row["header_region_code"] is not None
        }
        last = {row["person_id"]: row for row in self._rows(self.tables.last)}
        return {"community": villages, "last": last}

    # --- database access

    @property
    def _is_sqlite(self) -> bool:
        return self.dialect is Dialect.SQLITE

    def _value(self, value: object) -> object:
        return sqlite_value(value) if self._is_sqlite else value

    def _execute(self, sql: str, params: list[object] | None = None) -> None:
        cursor = self.connection.cursor()
        try:
            if params is None:
                cursor.execute(sql)
            else:
                cursor.execute(sql, params)
        finally:
            cursor.close()

    def _fetch(self, sql: str) -> list[tuple[Any, ...]]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def _rows(self, table: str) -> list[Row]:
        cursor = self.connection.cursor()
        try:
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY "id"')
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.close()


def _is_item(name: str) -> bool:
    return not name.startswith(("community.", "last."))


def _prefixed(values: Mapping[str, object], prefix: str) -> dict[str, object]:
    return {k[len(prefix) :]: v for k, v in values.items() if k.startswith(prefix)}


def sqlite_audit(rule_set: RuleSet) -> Audit:
    """An ``Audit`` over fresh tables in an in-memory SQLite database."""
    audit = Audit(sqlite3.connect(":memory:"), rule_set)
    audit.create()
    return audit
