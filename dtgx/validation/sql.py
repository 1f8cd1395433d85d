"""Bulk evaluation: a rule set compiled to one SQL query over typed columns.

Each rule's expression tree becomes a SQL boolean expression over the
record table's typed columns (``column_specs``), and the whole rule set
becomes one query yielding ``(record id, rule id)`` for every finding. It
runs on PostgreSQL and on SQLite (3.38 or later: ``IS NOT TRUE`` needs
3.23, ``json_each`` 3.38).

Agreement with the Python evaluator
-----------------------------------
The expression language has SQL's three-valued logic by design, so most
operators map one to one; the places where SQL differs are handled here:

* Text is read as ``NULLIF(TRIM(col, <white space>), '')`` with exactly the
  characters Python's ``str.strip()`` removes, so ``""`` and ``" "`` are
  missing in both (FC-25). PostgreSQL compares text ``COLLATE "C"``, i.e.
  by code point, as Python does.
* A multi-select item is answered when at least one of its option columns
  is TRUE (as ``dtgx.survey.answers.values_of`` reads it): ``selected(m, c)``
  is ``CASE WHEN m_c THEN TRUE WHEN <some option is TRUE> THEN FALSE END``
  and ``count_selected(m)`` is ``NULLIF(<number of TRUE options>, 0)``, so
  every mix of TRUE, FALSE and NULL option columns agrees.
* ``a / b`` is ``CAST(a AS NUMERIC) / NULLIF(b, 0)`` (SQLite: ``REAL``):
  missing on division by zero, never integer division. Integer arithmetic
  is done in ``BIGINT`` on PostgreSQL so that ``smallint`` codes cannot
  overflow. (Quotients and non-integer constants in arithmetic are exact
  only to the database's precision; the lint refuses rules that use them
  where that could change an outcome.)
* ``between(x, a, b)`` is ``x >= a AND x <= b``; ``not``, ``and``, ``or``,
  ``in`` and ``not in`` (constant lists without NULL) are SQL's own.
* A name of a linked record that the query does not join (no alias given)
  is a typed NULL, as a missing linked record is in Python.

Query strategy, and why
-----------------------
The data live in PostgreSQL, so the rules run there. Measured on this
project's 2-core machine (CPU seconds of the database backend, which, unlike
wall time, do not depend on what else the machine runs):

* ``Strategy.UNION``, a ``UNION ALL`` of one ``SELECT ... WHERE <finding>``
  per rule, scans, deforms and joins the wide rows once per rule: 20.7 s of
  CPU for 100,000 records and 140 rules.
* ``Strategy.WIDE`` (the default) reads each row once and yields the ids of
  the rules that fail on it: 1.8 s for the same records, twelve times less.

Inside the wide query PostgreSQL spends its time evaluating about ten
interpreted steps per rule per row, and it does no common-subexpression
elimination, so the query does it itself:

* the record table is read through subqueries (``OFFSET 0`` keeps
  PostgreSQL from merging them back) that compute once per row the
  *atoms* (each text column's normalised value; each multi-select item's
  "some option ticked" flag and count) and the *gates* (applicability
  conjuncts that several rules share, such as a section's relevance, and
  the length of a text). Only what the query reads more than once becomes
  such a column: a column is computed for every row, an expression read
  once is better left in place, where the ``AND`` or ``CASE`` around it
  often skips it;
* text is normalised by ``BTRIM`` only when its first or last character
  is white space (``BTRIM`` over a set of multibyte characters costs about
  0.2 microseconds a call, a test of both ends a fraction of that);
* rules are nested under their gates, so a gate is tested once per row and
  a gate that does not hold skips every rule below it;
* a completeness rule (``check: answered(x)``) tests "x is missing" first:
  in stored records most items are answered, and that settles the row;
* the ids of the failing rules are joined by ``concat_ws`` (which skips
  NULLs) and split into rows; on SQLite a JSON array text goes through
  ``json_each``.

JIT without LLVM optimisation saves another 5-10 %; with optimisation its
compile time explodes (see ``POSTGRESQL_AUDIT_SETTINGS``). PostgreSQL does not
run the SELECT of an ``INSERT ... SELECT`` in parallel, so a bulk audit is
split into id ranges (``AuditSource.split``) run on one connection per core;
the range is pushed into the join with a table linked by the record id.
"""

# SQL text is built here from table and column names that come from code
# and form definitions, never from users; constants are quoted by
# sql._text_literal. Hence no S608 (string-built SQL) warnings.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, assert_never

from django.utils.translation import gettext as _

from dtgx.questionnaires.definitions import (
    FormKey,
    Item,
    ItemType,
    Questionnaire,
    load_questionnaire,
)
from dtgx.questionnaires.expressions import (
    And,
    Arithmetic,
    Call,
    Compare,
    Constant,
    Expr,
    In,
    Name,
    Negative,
    Not,
    Or,
    Param,
    ParamValue,
    ValueKind,
)
from dtgx.validation.rules import OnMissing, Rule, RuleSet

# Exactly the characters str.strip() removes (a test recomputes them).
WHITE_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003"
    "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


class Dialect(StrEnum):
    POSTGRESQL = "postgresql"
    SQLITE = "sqlite"


class Strategy(StrEnum):
    WIDE = "wide"  # one scan, failing rule ids per row
    UNION = "union"  # one SELECT per rule, UNION ALL


class CompileError(ValueError):
    """An expression that cannot be compiled (a rule the lint rejects)."""


class Shared:
    """Sub-expressions over the record table that the wide query computes
    once per row, in subqueries, for every rule that reads them. PostgreSQL
    evaluates a repeated expression again at each occurrence; this is the
    common-subexpression elimination it does not do.

    Two levels: ``atoms`` (text normalisation, "some option ticked" flags
    and counts of multi-select items) over the table's columns, then
    ``gates`` (applicability conjuncts common to several rules, listed in
    ``conjuncts`` by their unshared SQL, and functions of atoms such as a
    text's length) over the columns and the atoms.

    While the query is built, a shared expression is written as a
    placeholder; ``resolve`` then keeps as a column only what the finished
    query reads more than once and writes the rest in place. A subquery
    column is computed for every row, whereas an expression in place is
    computed only when the ``AND`` or ``CASE`` around it gets that far (a
    count of ticked options, read once behind "the exclusive option is
    ticked", is computed only on the rows where it is).
    """

    def __init__(self, conjuncts: Mapping[str, int] | None = None) -> None:
        self.atoms: dict[str, str] = {}
        self.gates: dict[str, tuple[str, str]] = {}
        self.conjuncts: Mapping[str, int] = conjuncts or {}

    def atom(self, alias: str, sql: str) -> str:
        """A reference to ``sql`` (over the table) computed once per row."""
        return _placeholder(self.atoms.setdefault(sql, f"_a{len(self.atoms)}"))

    def gate(self, alias: str, key: str, sql: str) -> str:
        """A reference to the conjunct ``key``, computed once per row as
        ``sql`` (which may read atoms)."""
        name, _sql = self.gates.setdefault(key, (f"_g{len(self.gates)}", sql))
        return _placeholder(name)

    def resolve(self, alias: str, query: str) -> tuple[str, _Columns, _Columns]:
        """``query`` with its placeholders replaced, and the atoms and gates
        kept as columns (name, SQL), in that order of levels. A gate read
        by another gate is written in place there (both are columns of the
        same SELECT)."""
        gates = dict(self.gates.values())
        kept_gates = [n for n in gates if query.count(_placeholder(n)) > 1]
        query = _substitute(query, gates, set(kept_gates), alias)
        gate_columns = [
            (n, _substitute(gates[n], gates, set(), alias)) for n in kept_gates
        ]
        atoms = {name: sql for sql, name in self.atoms.items()}
        texts = [query, *(sql for _n, sql in gate_columns)]
        kept_atoms = {
            n for n in atoms if sum(t.count(_placeholder(n)) for t in texts) > 1
        }
        query = _substitute(query, atoms, kept_atoms, alias)
        gate_columns = [
            (n, _substitute(sql, atoms, kept_atoms, alias)) for n, sql in gate_columns
        ]
        atom_columns = [(n, sql) for n, sql in atoms.items() if n in kept_atoms]
        return query, atom_columns, gate_columns


_Columns = list[tuple[str, str]]


def _placeholder(name: str) -> str:
    # NUL cannot occur in PostgreSQL text, so it cannot clash with SQL text.
    return f"\x00{name}\x00"


def _substitute(
    text: str, definitions: Mapping[str, str], kept: set[str], alias: str
) -> str:
    """Each placeholder of ``definitions`` in ``text``: a column reference
    when kept, else its SQL in place (repeatedly: it may hold others)."""
    while "\x00" in text:
        before = text
        for name, sql in definitions.items():
            mark = _placeholder(name)
            if mark in text:
                text = text.replace(
                    mark, f'{alias}."{name}"' if name in kept else f"({sql})"
                )
        if text == before:
            break
    return text


@dataclass(frozen=True)
class SqlScope:
    """Where each namespace of names lives in the query: SQL aliases.

    ``record`` holds the items of the audited form, ``derived`` the derived
    inputs (columns named by the input id), ``linked`` maps a linked-record
    namespace (``community``, ``last``) to its alias; a namespace without
    an alias reads as missing.
    """

    record: str = "r"
    derived: str = "r"
    linked: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    """A joined table: ``LEFT JOIN table AS alias ON alias.b = r.a``; the
    table must hold at most one row per key (one community record per
    village, one last-round record per person)."""

    table: str
    alias: str
    on: tuple[tuple[str, str], ...]
    # Extra SQL terms of the join condition over ``alias`` (e.g. the round
    # of the linked records); written by code, never from user input.
    where: str | None = None


@dataclass(frozen=True)
class AuditSource:
    """The tables one audit query reads."""

    table: str
    id_column: str = "id"
    derived_table: str | None = None  # joined on id; None: columns of table
    links: Mapping[str, Link] = field(default_factory=dict)
    where: str | None = None  # an extra filter on ``r``
    id_range: tuple[int, int] | None = None  # first and last record id

    def scope(self) -> SqlScope:
        derived = "d" if self.derived_table else "r"
        linked = {name: link.alias for name, link in self.links.items()}
        return SqlScope(record="r", derived=derived, linked=linked)

    def split(self, parts: int, first: int, last: int) -> list[AuditSource]:
        """The same source cut into ``parts`` id ranges covering ``first``
        to ``last``, for audits run side by side on several connections."""
        size = -(-(last - first + 1) // parts)
        starts = range(first, last + 1, size)
        return [replace(self, id_range=(a, min(a + size - 1, last))) for a in starts]


# --- Compiling expressions ---------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    alias: str | None
    name: str
    kind: ValueKind
    item: Item | None
    sql_type: str
    decimal: bool = False


_NULL_TYPES = {
    ValueKind.BOOLEAN: "BOOLEAN",
    ValueKind.CODE: "INTEGER",
    ValueKind.NUMBER: "NUMERIC",
    ValueKind.TEXT: "TEXT",
    ValueKind.DATE: "DATE",
    ValueKind.MULTI: "BOOLEAN",
}
_OPERATORS = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class Compiler:
    """Compiles conditions of rules on one form to SQL text for a dialect."""

    def __init__(
        self,
        rule_set: RuleSet,
        form: Questionnaire,
        scope: SqlScope,
        dialect: Dialect,
        *,
        shared: Shared | None = None,
    ) -> None:
        self._rule_set = rule_set
        self._form = form
        self._scope = scope
        self._dialect = dialect
        self._shared = shared
        self._params: Mapping[str, ParamValue] = rule_set.params_for(form)
        self._columns = self._name_columns()
        self._aliases: set[str] = set()

    # --- public

    def finding(self, rule: Rule) -> str:
        """A SQL condition that is TRUE exactly when ``rule`` raises a
        finding on the row (FALSE or NULL otherwise)."""
        gates, own = self.finding_parts(rule)
        return "(" + " AND ".join([*gates, own]) + ")"

    def finding_parts(self, rule: Rule) -> tuple[list[str], str]:
        """(gates, rest): the finding is ``gate AND ... AND rest``. With
        ``Shared``, the gates are the applicability conjuncts that several
        rules share, read from the subquery, most common first; without,
        there are none. A rule whose check is ``answered(x)`` gets no gates
        but tests "x is missing" first: in stored records most items are
        answered, so that one test settles most rows. Reordering the
        conjuncts of an ``and`` changes nothing: ``a AND b`` is TRUE exactly
        when both are, and SQL evaluation has no side effects."""
        failed = self._failed(rule)
        gates: list[tuple[int, str]] = []
        own = []
        for expr, raw, record_only in self.conjuncts(rule):
            sql = self.condition(expr)
            count = self._shared.conjuncts.get(raw, 0) if self._shared else 0
            if self._shared and record_only and count > 1:
                gates.append((-count, self._shared.gate(self._scope.record, raw, sql)))
            else:
                own.append(sql)
        ordered = [ref for _count, ref in sorted(gates)]
        if _is_answered_check(rule):
            return [], "(" + " AND ".join([f"({failed})", *ordered, *own]) + ")"
        return ordered, "(" + " AND ".join([*own, f"({failed})"]) + ")"

    def _failed(self, rule: Rule) -> str:
        """SQL that is TRUE when the check fails as the rule counts it."""
        if _is_answered_check(rule) and isinstance(rule.check.expr, Call):
            # answered(x) is never NULL, so it fails exactly when x is
            # missing: one test instead of two.
            return self._presence(rule.check.expr.args[0], present=False)
        check = self.condition(rule.check.expr)
        if rule.on_missing is OnMissing.PASS:
            return f"NOT {check}"
        return f"{check} IS NOT TRUE"

    def conjuncts(self, rule: Rule) -> list[tuple[Expr, str, bool]]:
        """The parts of ``applies_when`` (split at top-level ``and``), each
        with its SQL compiled without sharing (the key by which rules share
        it) and whether it reads the record table alone."""
        if rule.applies_when is None:
            return []
        shared, self._shared = self._shared, None
        parts = []
        try:
            for expr in _conjuncts(rule.applies_when.expr):
                self._aliases = set()
                sql = self.condition(expr)
                parts.append((expr, sql, self._aliases <= {self._scope.record}))
        finally:
            self._shared = shared
        return parts

    def condition(self, expr: Expr) -> str:
        """``expr`` as a parenthesised SQL expression."""
        match expr:
            case Constant(value=value):
                return self._constant(value)
            case Name(id=name):
                return self._scalar(name)
            case Param(name=name):
                return self._constant(self._scalar_param(name))
            case Not(operand=operand):
                return f"(NOT {self.condition(operand)})"
            case Negative(operand=operand):
                return f"(-({self._number(operand)}))"
            case And(operands=operands) | Or(operands=operands):
                word = " AND " if isinstance(expr, And) else " OR "
                return "(" + word.join(map(self.condition, operands)) + ")"
            case Compare(op=op, left=left, right=right):
                return self._compare(op, left, right)
            case In(operand=operand, choices=choices, negated=negated):
                return self._membership(operand, choices, negated=negated)
            case Arithmetic(op=op, left=left, right=right):
                return self._arithmetic(op, left, right)
            case Call():
                return self._call(expr)
        assert_never(expr)

    # --- names

    def _name_columns(self) -> dict[str, _Column]:
        columns: dict[str, _Column] = {}
        scope = self._scope
        for item in self._form.items:
            columns[item.id] = _item_column(scope.record, item)
        for name, shape in derived_shapes(self._rule_set, self._form).items():
            columns[name] = _derived_column(scope.derived, name, shape)
        for link in self._rule_set.linked_for(self._form.kind):
            alias = scope.linked.get(link.namespace)
            linked = link.questionnaire
            for item in linked.items:
                column = _item_column(alias, item)
                columns[f"{link.namespace}.{item.id}"] = column
            for name, shape in derived_shapes(None, linked).items():
                prefixed = f"{link.namespace}.{name}"
                columns[prefixed] = _derived_column(alias, name, shape)
        return columns

    def _column(self, name: str) -> _Column:
        column = self._columns.get(name)
        if column is None:
            raise CompileError(_("未知的名称 %(name)s。") % {"name": name})
        if column.alias is not None:
            self._aliases.add(column.alias)
        return column

    def _share(self, alias: str, sql: str) -> str:
        """``sql`` itself, or a reference to it computed once per row when
        it reads only the record table and sharing is on."""
        if self._shared is None or alias != self._scope.record:
            return sql
        return self._shared.atom(alias, sql)

    def _scalar(self, name: str) -> str:
        column = self._column(name)
        if column.kind == ValueKind.MULTI:
            reason = _(
                "多选项目 %(name)s 只能用在 selected()、count_selected()、"
                "answered()、missing() 中。"
            )
            raise CompileError(reason % {"name": name})
        if column.alias is None:
            return f"CAST(NULL AS {column.sql_type})"
        reference = f'{column.alias}."{column.name}"'
        if column.kind == ValueKind.TEXT:
            return self._share(column.alias, self._text(reference))
        return reference

    def _text(self, reference: str) -> str:
        """The text as Python reads it: stripped, and missing when empty."""
        blanks = _text_literal(WHITE_SPACE)
        if self._dialect is Dialect.SQLITE:
            return f"NULLIF(TRIM({reference}, {blanks}), '')"
        # BTRIM with a set of multibyte characters walks the set for every
        # character it looks at (about 0.2 microseconds for a short name),
        # but stored text almost never begins or ends with white space: a
        # text whose first and last characters are not white space is its
        # own stripped value. ascii() is the first character's code point
        # (0 for ''), and a NOT IN list this long is a hash lookup.
        codes = ", ".join(map(str, [0, *sorted(map(ord, WHITE_SPACE))]))
        return (
            f"(CASE WHEN ascii({reference}) NOT IN ({codes}) "
            f"AND ascii(right({reference}, 1)) NOT IN ({codes}) THEN {reference} "
            f"ELSE NULLIF(BTRIM({reference}, {blanks}), '') END)"
        )

    def _options(self, expr: Expr) -> tuple[str | None, dict[int, str]]:
        """(alias, option code -> column) of a multi-select name."""
        if not isinstance(expr, Name):
            raise CompileError(_("这里需要多选项目的名称。"))
        column = self._column(expr.id)
        if column.kind != ValueKind.MULTI or column.item is None:
            raise CompileError(_("%(name)s 不是多选项目。") % {"name": expr.id})
        codes = column.item.codes.codes if column.item.codes else frozenset()
        item = column.item
        return column.alias, {c: item.option_column(c) for c in sorted(codes)}

    def _answered(self, alias: str, columns: Iterable[str]) -> str:
        """TRUE when one of the option ``columns`` is TRUE, else FALSE."""
        parts = [f'{alias}."{c}"' for c in columns]
        if not parts:
            return "FALSE"
        return self._share(alias, "((" + " OR ".join(parts) + ") IS TRUE)")

    # --- operators

    def _compare(self, op: str, left: Expr, right: Expr) -> str:
        left_sql, right_sql = self.condition(left), self.condition(right)
        if self._is_text(left) or self._is_text(right):
            left_sql = self._collated(left_sql)
        return f"({left_sql} {_OPERATORS[op]} {right_sql})"

    def _collated(self, sql: str) -> str:
        if self._dialect is Dialect.POSTGRESQL:
            return f'({sql} COLLATE "C")'
        return sql

    def _membership(
        self, operand: Expr, choices: tuple[Constant, ...], *, negated: bool
    ) -> str:
        values = ", ".join(self._constant(c.value) for c in choices)
        keyword = "NOT IN" if negated else "IN"
        return f"({self.condition(operand)} {keyword} ({values}))"

    def _arithmetic(self, op: str, left: Expr, right: Expr) -> str:
        left_sql, right_sql = self._number(left), self._number(right)
        if op == "/":
            exact = "NUMERIC" if self._dialect is Dialect.POSTGRESQL else "REAL"
            return f"(CAST({left_sql} AS {exact}) / NULLIF({right_sql}, 0))"
        if self._dialect is Dialect.POSTGRESQL:
            wide = (
                "NUMERIC"
                if self._is_decimal(left) or self._is_decimal(right)
                else ("BIGINT")
            )
            left_sql = f"CAST({left_sql} AS {wide})"
        return f"({left_sql} {op} {right_sql})"

    def _number(self, expr: Expr) -> str:
        return self.condition(expr)

    # --- functions

    def _call(self, call: Call) -> str:
        function, args = call.function, call.args
        if function in ("answered", "missing"):
            return self._presence(args[0], present=function == "answered")
        if function == "selected":
            return self._selected(args[0], args[1])
        if function == "count_selected":
            return self._count(args[0])
        if function == "len":
            return self._length(args[0])
        if function == "coalesce":
            return "COALESCE(" + ", ".join(map(self.condition, args)) + ")"
        if function == "between":
            return self._between(args)
        raise CompileError(_("不支持的函数 %(name)s。") % {"name": function})

    def _length(self, expr: Expr) -> str:
        """``LENGTH`` counts characters by walking the text; the length of
        a record's text (the certificate number's is read by several rules)
        is computed once per row, over the shared normalised text."""
        sql = f"LENGTH({self.condition(expr)})"
        if self._shared is None or not isinstance(expr, Name):
            return sql
        if self._column(expr.id).alias != self._scope.record:
            return sql
        return self._shared.gate(self._scope.record, sql, sql)

    def _presence(self, expr: Expr, *, present: bool) -> str:
        if self._is_multi(expr):
            alias, options = self._options(expr)
            if alias is None:
                return "FALSE" if present else "TRUE"
            answered = self._answered(alias, options.values())
            return answered if present else f"(NOT {answered})"
        test = "IS NOT NULL" if present else "IS NULL"
        return f"({self.condition(expr)} {test})"

    def _selected(self, expr: Expr, code: Expr) -> str:
        # When option c is not TRUE, "some option is TRUE" means "some other".
        alias, options = self._options(expr)
        if not isinstance(code, Constant) or code.value not in options:
            raise CompileError(_("selected() 的选项不在代码表中。"))
        if alias is None:
            return "CAST(NULL AS BOOLEAN)"
        chosen = options[int(code.value)]
        answered = self._answered(alias, options.values())
        return (
            f'(CASE WHEN {alias}."{chosen}" THEN TRUE WHEN {answered} THEN FALSE END)'
        )

    def _count(self, expr: Expr) -> str:
        alias, options = self._options(expr)
        if alias is None:
            return "CAST(NULL AS INTEGER)"
        columns = list(options.values())
        if self._dialect is Dialect.POSTGRESQL and 0 < len(columns) < 100:
            # One call counting the TRUE options instead of a cast and an
            # addition (two function calls) per option.
            ticked = ", ".join(f'CASE WHEN {alias}."{c}" THEN 1 END' for c in columns)
            return self._share(alias, f"NULLIF(num_nonnulls({ticked}), 0)")
        flags = [f'CAST({alias}."{c}" IS TRUE AS INTEGER)' for c in columns]
        return self._share(alias, f"NULLIF({' + '.join(flags) or '0'}, 0)")

    def _between(self, args: tuple[Expr, ...]) -> str:
        bounds: tuple[Expr, Expr]
        if len(args) == 2 and isinstance(args[1], Param):
            low, high = self._range_param(args[1].name)
            bounds = (Constant(low), Constant(high))
        else:
            bounds = (args[1], args[2])
        lower = self._compare(">=", args[0], bounds[0])
        upper = self._compare("<=", args[0], bounds[1])
        return f"({lower} AND {upper})"

    # --- constants and kinds

    def _constant(self, value: bool | int | Decimal | str) -> str:
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int):
            return f"({value})" if value < 0 else str(value)
        if isinstance(value, Decimal):
            return f"({value:f})" if value < 0 else format(value, "f")
        return _text_literal(value)

    def _scalar_param(self, name: str) -> int | Decimal:
        value = self._params.get(name)
        if value is None or isinstance(value, tuple):
            raise CompileError(_("未定义的参数 %(name)s。") % {"name": name})
        return value

    def _range_param(self, name: str) -> tuple[int | Decimal, int | Decimal]:
        value = self._params.get(name)
        if not isinstance(value, tuple):
            raise CompileError(_("参数 %(name)s 不是区间。") % {"name": name})
        return value

    def _is_multi(self, expr: Expr) -> bool:
        return isinstance(expr, Name) and self._column(expr.id).kind == ValueKind.MULTI

    def _is_text(self, expr: Expr) -> bool:
        match expr:
            case Constant(value=value):
                return isinstance(value, str)
            case Name(id=name):
                return self._column(name).kind == ValueKind.TEXT
            case Call(function="coalesce", args=args):
                return any(self._is_text(a) for a in args)
        return False

    def _is_decimal(self, expr: Expr) -> bool:
        match expr:
            case Constant(value=value):
                return isinstance(value, Decimal)
            case Name(id=name):
                return self._column(name).decimal
            case Param(name=name):
                return isinstance(self._params.get(name), Decimal)
            case Arithmetic(op=op, left=left, right=right):
                return op == "/" or self._is_decimal(left) or self._is_decimal(right)
            case Negative(operand=operand):
                return self._is_decimal(operand)
            case Call(function="coalesce", args=args):
                return any(self._is_decimal(a) for a in args)
        return False


def _is_answered_check(rule: Rule) -> bool:
    return isinstance(rule.check.expr, Call) and rule.check.expr.function == "answered"


def _conjuncts(expr: Expr) -> list[Expr]:
    """``a and (b and c)`` -> ``[a, b, c]``; anything else -> ``[expr]``."""
    if not isinstance(expr, And):
        return [expr]
    return [part for operand in expr.operands for part in _conjuncts(operand)]


def _item_column(alias: str | None, item: Item) -> _Column:
    kind = item.name_type.kind
    decimal = item.type == ItemType.DECIMAL
    sql_type = "DECIMAL" if decimal else _NULL_TYPES[kind]
    return _Column(alias, item.column, kind, item, sql_type, decimal)


@dataclass(frozen=True)
class DerivedShape:
    """The kind of a derived input, and whether a number may have decimals."""

    kind: ValueKind
    decimal: bool = False


def derived_shapes(
    rule_set: RuleSet | None, form: Questionnaire
) -> dict[str, DerivedShape]:
    """Derived input id -> shape: the form's derived values and (with a
    rule set) the inputs it declares for the form's kind."""
    shapes = {
        d.id: DerivedShape(d.name_type.kind, d.type == ItemType.DECIMAL)
        for d in form.derived
    }
    if rule_set is not None:
        shapes |= {
            i.id: DerivedShape(i.kind, i.decimal)
            for i in rule_set.inputs_for(form.kind)
        }
    return shapes


def _derived_column(alias: str | None, name: str, shape: DerivedShape) -> _Column:
    return _Column(
        alias, name, shape.kind, None, _NULL_TYPES[shape.kind], shape.decimal
    )


def _text_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- Whole queries -------------------------------------------------------------


def audit_query(
    rule_set: RuleSet,
    form: FormKey,
    source: AuditSource,
    dialect: Dialect,
    *,
    strategy: Strategy = Strategy.WIDE,
    rules: Sequence[Rule] | None = None,
) -> str:
    """One SELECT of ``(record_id, rule_id)`` for every finding of the
    rules (default: all of ``rule_set`` for ``form``) on the records of
    ``source``. No parameters: the text can be run as is."""
    if dialect is Dialect.SQLITE:
        check_sqlite_version()
    questionnaire = load_questionnaire(form.kind, form.version)
    chosen = list(rule_set.rules_for(form) if rules is None else rules)
    if not chosen:
        return _empty_query(dialect)
    scope = source.scope()
    if strategy is Strategy.UNION:
        compiler = Compiler(rule_set, questionnaire, scope, dialect)
        return _union_query([(r.id, compiler.finding(r)) for r in chosen], source)
    shared = Shared(_common_conjuncts(rule_set, questionnaire, scope, dialect, chosen))
    compiler = Compiler(rule_set, questionnaire, scope, dialect, shared=shared)
    tree = _GateTree()
    for rule in chosen:
        tree.add(rule.id, *compiler.finding_parts(rule))
    # The FROM item is put in last: which shared expressions become
    # columns depends on how often the finished query reads them.
    records = "\x00records\x00"
    if dialect is Dialect.POSTGRESQL:
        query = _postgresql_query(tree, source, records)
    else:
        query = _sqlite_query(tree, source, records)
    query, atoms, gates = shared.resolve(scope.record, query)
    return query.replace(records, _records_subquery(source, atoms, gates, dialect))


@dataclass
class _GateTree:
    """Rules nested by their gates: a gate is tested once per row, and a
    gate that does not hold skips every rule below it."""

    leaves: list[tuple[str, str]] = field(default_factory=list)
    branches: dict[str, _GateTree] = field(default_factory=dict)

    def add(self, rule_id: str, gates: Sequence[str], rest: str) -> None:
        node = self
        for gate in gates:
            node = node.branches.setdefault(gate, _GateTree())
        node.leaves.append((rule_id, rest))


SQLITE_MINIMUM = (3, 38)  # IS NOT TRUE: 3.23; json_each built in: 3.38


def check_sqlite_version() -> None:
    """Raise ``CompileError`` when the SQLite library is too old for the
    audit query (``sqlite3.sqlite_version``)."""
    if sqlite3.sqlite_version_info < SQLITE_MINIMUM:
        reason = _("SQLite 版本 %(version)s 过低，批量审核需要 3.38 或更高版本。")
        raise CompileError(reason % {"version": sqlite3.sqlite_version})


def _common_conjuncts(
    rule_set: RuleSet,
    form: Questionnaire,
    scope: SqlScope,
    dialect: Dialect,
    rules: Sequence[Rule],
) -> dict[str, int]:
    """Applicability conjuncts over the record table, by the number of
    ``rules`` that share them (the section conditions of completeness
    rules ...); only those shared by two or more become gates."""
    compiler = Compiler(rule_set, form, scope, dialect, shared=Shared())
    counts: Counter[str] = Counter()
    for rule in rules:
        parts = {sql for _expr, sql, only in compiler.conjuncts(rule) if only}
        counts.update(parts)
    return dict(counts)


def _records_subquery(
    source: AuditSource, atoms: _Columns, gates: _Columns, dialect: Dialect
) -> str:
    """The record table with the shared columns, as the FROM item ``r``:
    atoms computed over the table, gates over the atoms. OFFSET 0 keeps
    PostgreSQL from merging a level into the next (which would put each
    shared expression back at every use)."""
    limit = " OFFSET 0" if dialect is Dialect.POSTGRESQL else " LIMIT -1 OFFSET 0"
    columns = "".join(f', {sql} AS "{name}"' for name, sql in atoms)
    records = (
        f'(SELECT r.*{columns} FROM "{source.table}" AS r{_where(source)}{limit}) AS r'
    )
    if not gates:
        return records
    columns = "".join(f', {sql} AS "{name}"' for name, sql in gates)
    return f"(SELECT r.*{columns} FROM {records}{limit}) AS r"


def _from_clause(source: AuditSource, records: str | None = None) -> str:
    parts = [records or f'"{source.table}" AS r']
    if source.derived_table:
        on = _link_on(source, "d", ((source.id_column, source.id_column),))
        parts.append(f'LEFT JOIN "{source.derived_table}" AS d ON {on}')
    for link in source.links.values():
        on = _link_on(source, link.alias, link.on)
        if link.where:
            on = f"{on} AND {link.where}"
        parts.append(f'LEFT JOIN "{link.table}" AS {link.alias} ON {on}')
    return " ".join(parts)


def _link_on(source: AuditSource, alias: str, on: Iterable[tuple[str, str]]) -> str:
    """The join condition; a table joined on the record id also gets the
    id range, so that only its matching part is read and hashed."""
    terms = [f'{alias}."{theirs}" = r."{ours}"' for ours, theirs in on]
    if source.id_range is not None:
        low, high = source.id_range
        terms += [
            f'{alias}."{theirs}" BETWEEN {low} AND {high}'
            for ours, theirs in on
            if ours == source.id_column
        ]
    return " AND ".join(terms)


def _where(source: AuditSource, condition: str | None = None) -> str:
    terms = [t for t in (source.where, condition) if t]
    if source.id_range is not None:
        low, high = source.id_range
        terms.append(f'r."{source.id_column}" BETWEEN {low} AND {high}')
    return f" WHERE {' AND '.join(terms)}" if terms else ""


def _postgresql_query(tree: _GateTree, source: AuditSource, records: str) -> str:
    """Failing rule ids joined with commas by ``concat_ws`` (which skips
    NULLs), then split into rows."""
    failing = _postgresql_concat(_postgresql_items(tree))
    return (
        f'SELECT r."{source.id_column}" AS record_id, '
        f"unnest(string_to_array(NULLIF({failing}, ''), ',')) AS rule_id\n"
        f"FROM {_from_clause(source, records)}"
    )


def _postgresql_items(node: _GateTree) -> list[str]:
    items = [
        f"CASE WHEN {rest} THEN {_text_literal(rule_id)} END"
        for rule_id, rest in node.leaves
    ]
    items += [
        f"CASE WHEN {gate} THEN "
        f"NULLIF({_postgresql_concat(_postgresql_items(child))}, '') END"
        for gate, child in node.branches.items()
    ]
    return items


def _postgresql_concat(items: list[str]) -> str:
    """``concat_ws(',', ...)``; functions take at most 100 arguments."""
    if len(items) < 100:
        return "concat_ws(',', " + ",\n  ".join(items) + ")"
    chunks = [items[i : i + 99] for i in range(0, len(items), 99)]
    return _postgresql_concat([f"NULLIF({_postgresql_concat(c)}, '')" for c in chunks])


def _sqlite_query(tree: _GateTree, source: AuditSource, records: str) -> str:
    """Failing rule ids as the text of a JSON array, split by ``json_each``
    (``json_array()`` takes at most 127 arguments)."""
    pieces = _sqlite_pieces(tree)
    return (
        f'SELECT r."{source.id_column}" AS record_id, j.value AS rule_id\n'
        f"FROM {_from_clause(source, records)},\n"
        f"json_each('[' || substr({pieces}, 2) || ']') AS j"
    )


def _sqlite_pieces(node: _GateTree) -> str:
    """``',"ID01"'`` for each failing rule below ``node``, concatenated."""
    items = [
        f"(CASE WHEN {rest} THEN {_text_literal(',' + _json_string(rule_id))} "
        "ELSE '' END)"
        for rule_id, rest in node.leaves
    ]
    items += [
        f"(CASE WHEN {gate} THEN {_sqlite_pieces(child)} ELSE '' END)"
        for gate, child in node.branches.items()
    ]
    return " || ".join(items) if items else "''"


def _json_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _union_query(findings: list[tuple[str, str]], source: AuditSource) -> str:
    selects = [
        f'SELECT r."{source.id_column}" AS record_id, '
        f"{_text_literal(rule_id)} AS rule_id "
        f"FROM {_from_clause(source)}{_where(source, sql)}"
        for rule_id, sql in findings
    ]
    return "\nUNION ALL\n".join(selects)


def _empty_query(dialect: Dialect) -> str:
    cast = "BIGINT" if dialect is Dialect.POSTGRESQL else "INTEGER"
    return (
        f"SELECT CAST(NULL AS {cast}) AS record_id, "
        "CAST(NULL AS TEXT) AS rule_id WHERE FALSE"
    )


# --- Running -----------------------------------------------------------------------


class Connection(Protocol):
    def cursor(self) -> Any: ...


def dialect_of(connection: object) -> Dialect:
    """The dialect of a Django connection, ``sqlite3`` or psycopg one."""
    vendor = getattr(connection, "vendor", None)
    module = type(connection).__module__
    if vendor == "postgresql" or module.startswith("psycopg"):
        return Dialect.POSTGRESQL
    if vendor == "sqlite" or module.startswith("sqlite3"):
        return Dialect.SQLITE
    raise ValueError(f"unsupported connection: {type(connection)!r}")


def find_failures(
    connection: Connection,
    rule_set: RuleSet,
    form: FormKey,
    source: AuditSource,
    *,
    strategy: Strategy = Strategy.WIDE,
) -> set[tuple[int, str]]:
    """The (record id, rule id) pairs of every finding. One query."""
    sql = audit_query(rule_set, form, source, dialect_of(connection), strategy=strategy)
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        return {(int(row[0]), str(row[1])) for row in cursor.fetchall()}
    finally:
        cursor.close()


# Settings for the audit queries on PostgreSQL (SET LOCAL: this
# transaction only). Memory keeps the hash joins with the linked tables in
# one batch; JIT compiles the expressions and the tuple deforming of the
# wide rows, but without LLVM optimisation, which for ~150 expressions costs
# far more time than it saves (measured: 40 s of optimisation for 200,000
# rows; unoptimised JIT is about 5-10 % faster than none).
POSTGRESQL_AUDIT_SETTINGS = {
    "work_mem": "'256MB'",
    "jit": "on",
    "jit_above_cost": "0",
    "jit_optimize_above_cost": "-1",
    "jit_inline_above_cost": "-1",
}


@contextmanager
def tuned_for_audit(connection: Connection) -> Iterator[None]:
    """Apply ``POSTGRESQL_AUDIT_SETTINGS`` to the audit queries run inside
    (a no-op on SQLite), and give the rest of the transaction the server's
    settings back. Left on, ``jit_above_cost = 0`` had every later small
    query compiled, the foreign-key checks deferred to COMMIT included:
    about 1 ms each, 245 s for the 200,000 input rows of a county's audit
    whose queries took 55 s. Call inside the audit's transaction."""
    if dialect_of(connection) is not Dialect.POSTGRESQL:
        yield
        return
    _set_local(connection, POSTGRESQL_AUDIT_SETTINGS)
    yield  # on an error the transaction and its settings are rolled back
    _set_local(connection, dict.fromkeys(POSTGRESQL_AUDIT_SETTINGS, "DEFAULT"))


def _set_local(connection: Connection, settings: Mapping[str, str]) -> None:
    cursor = connection.cursor()
    try:
        for name, value in settings.items():
            cursor.execute(f"SET LOCAL {name} = {value}")
    finally:
        cursor.close()


def write_findings(
    connection: Connection,
    rule_set: RuleSet,
    form: FormKey,
    source: AuditSource,
    findings_table: str,
    *,
    strategy: Strategy = Strategy.WIDE,
) -> int:
    """``INSERT INTO findings_table (record_id, rule_id)`` the findings of
    one query; returns the number of rows written. The caller owns the
    transaction and clears stale findings first."""
    sql = audit_query(rule_set, form, source, dialect_of(connection), strategy=strategy)
    return insert_findings(connection, sql, findings_table)


def insert_findings(connection: Connection, query: str, findings_table: str) -> int:
    """``INSERT INTO findings_table (record_id, rule_id)`` the rows of an
    ``audit_query``; returns the number of rows written."""
    cursor = connection.cursor()
    try:
        cursor.execute(f'INSERT INTO "{findings_table}" (record_id, rule_id)\n{query}')
        return int(cursor.rowcount)
    finally:
        cursor.close()
