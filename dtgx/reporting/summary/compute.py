"""Computing the summary tables in the database.

Every cell is a conditional aggregate (``COUNT(*) FILTER (WHERE ...)`` on
PostgreSQL, ``CASE`` inside the aggregate where the database lacks
``FILTER``) over the typed columns of one source, so a table, or all of
them, costs one aggregate query per source it reads: ``compute_all``
runs at most four (person records, community records, findings, base
list entries), however many tables and cells there are.

Conditions that tables and rows put on one code (``category == 4``,
``header.person_status == 6``) become GROUP BY columns instead of
filters, and identical remaining filters are aggregated once; a cell is
the sum of its aggregate over the groups it covers. On PostgreSQL this
takes all tables of a million persons from about 1,000 aggregates a row
(96 s) to about 130 (5 s).

Only saved records count (drafts never do); findings and base-list
entries have no draft state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from dtgx.questionnaires.expressions import Expr
from dtgx.regions.codes import is_well_formed, prefix_of
from dtgx.registry.models import BaseListEntry
from dtgx.reporting.summary.definitions import (
    Filter,
    Line,
    Measure,
    Source,
    TableDefinition,
    form_of,
    get_table,
    load_tables,
)
from dtgx.reporting.summary.filters import FilterCompiler, conjuncts
from dtgx.reporting.summary.result import CellValue, TableResult
from dtgx.survey.models import CommunityRecord, PersonRecord, RecordStatus, Round
from dtgx.validation.models import Finding

PERCENT_PLACES = Decimal("0.1")


def compute_table(
    table_id: str,
    round: Round,
    region_code: str,
    *,
    regions: Sequence[str] | None = None,
) -> TableResult:
    """Table ``table_id`` for the subtree of ``region_code`` in ``round``.

    ``regions`` restricts the count to these region codes or code prefixes
    (the accepted regions below); an empty list counts nothing. One
    aggregate query per source the table reads. ``KeyError`` for an
    unknown table id."""
    return _compute([get_table(table_id)], round, region_code, regions)[0]


def compute_all(
    round: Round,
    region_code: str,
    *,
    regions: Sequence[str] | None = None,
) -> list[TableResult]:
    """Every standard table, in id order, as ``compute_table`` computes
    them; at most four aggregate queries in all."""
    return _compute(list(load_tables()), round, region_code, regions)


# --- Planning: every cell as atoms (one aggregate each) ------------------------


@dataclass(frozen=True)
class _Atom:
    """One aggregate: a count or sum over a source's records under filters."""

    source: Source
    item: str | None
    filters: tuple[Expr, ...]


@dataclass(frozen=True)
class _Share:
    numerator: _Atom
    denominator: _Atom


_Plan = _Atom | _Share


def _plan_cell(table: TableDefinition, row: Line | None, column: Line | None) -> _Plan:
    measure = (
        (row.measure if row else None)
        or (column.measure if column else None)
        or table.measure
    )
    lines = [line for line in (row, column) if line is not None]
    if isinstance(measure, Measure):
        return _atom(table, measure, lines)
    kept = [
        line
        for line, name in ((row, "row"), (column, "column"))
        if line is not None and name in measure.keep
    ]
    return _Share(
        _atom(table, measure.numerator, lines),
        _atom(table, measure.denominator, kept),
    )


def _atom(table: TableDefinition, measure: Measure, lines: list[Line]) -> _Atom:
    conditions: list[Filter | None] = [measure.filter]
    if measure.source is table.source:
        conditions += [table.filter, *(line.filter for line in lines)]
    filters = tuple(c.expr for c in conditions if c is not None)
    return _Atom(measure.source, measure.item, filters)


def _atoms(plan: _Plan) -> tuple[_Atom, ...]:
    if isinstance(plan, _Share):
        return (plan.numerator, plan.denominator)
    return (plan,)


@dataclass(frozen=True)
class _TablePlan:
    table: TableDefinition
    cells: tuple[tuple[_Plan, ...], ...]
    total_row: tuple[_Plan, ...] | None
    total_column: tuple[_Plan, ...] | None
    grand_total: _Plan | None

    def atoms(self) -> Iterable[_Atom]:
        plans: list[_Plan] = [plan for row in self.cells for plan in row]
        plans += self.total_row or ()
        plans += self.total_column or ()
        plans += [self.grand_total] if self.grand_total else []
        return (atom for plan in plans for atom in _atoms(plan))


def _plan_table(table: TableDefinition) -> _TablePlan:
    rows, columns = table.rows, table.columns
    both = table.total_row and table.total_column
    return _TablePlan(
        table=table,
        cells=tuple(
            tuple(_plan_cell(table, row, column) for column in columns) for row in rows
        ),
        total_row=tuple(_plan_cell(table, None, column) for column in columns)
        if table.total_row
        else None,
        total_column=tuple(_plan_cell(table, row, None) for row in rows)
        if table.total_column
        else None,
        grand_total=_plan_cell(table, None, None) if both else None,
    )


# --- Running: one query per source --------------------------------------------


def _compute(
    tables: list[TableDefinition],
    round: Round,
    region_code: str,
    regions: Sequence[str] | None,
) -> list[TableResult]:
    plans = [_plan_table(table) for table in tables]
    atoms: dict[Source, dict[_Atom, None]] = defaultdict(dict)
    for plan in plans:
        for atom in plan.atoms():
            atoms[atom.source][atom] = None

    scope = _Scope(round, region_code, regions)
    values: dict[_Atom, int] = {}
    for source, found in atoms.items():
        dimensions = _dimensions(source, tables)
        values |= _Query(source, dimensions, list(found)).run(scope)
    return [_result(plan, values) for plan in plans]


def _dimensions(source: Source, tables: list[TableDefinition]) -> frozenset[str]:
    """The names the source's query groups by: those that the table and
    row filters of its tables test for one code (``category == 4``,
    ``header.person_status == 6``). Column filters stay aggregates, which
    keeps the number of groups small (hundreds)."""
    compiler = FilterCompiler(source)
    names: set[str] = set()
    for table in tables:
        if table.source is not source:
            continue
        conditions = [table.filter, *(row.filter for row in table.rows)]
        for condition in conditions:
            if condition is None:
                continue
            for part in conjuncts(condition.expr):
                dimension = compiler.dimension(part)
                if dimension is not None:
                    names.add(dimension[0])
    return frozenset(names)


class _Query:
    """One grouped aggregate query over a source: GROUP BY the dimensions,
    one conditional aggregate per distinct remaining filter. An atom's
    value is the sum of its aggregate over the groups that match its
    dimension values."""

    def __init__(
        self, source: Source, dimensions: frozenset[str], atoms: list[_Atom]
    ) -> None:
        self.source = source
        self.compiler = FilterCompiler(source)
        self.fields = {name: self.compiler.field(name) for name in sorted(dimensions)}
        self.atoms: dict[_Atom, tuple[dict[str, Any] | None, str]] = {}
        self.aggregates: dict[tuple[str | None, tuple[Expr, ...]], str] = {}
        for atom in atoms:
            self.atoms[atom] = self._split(atom)

    def _split(self, atom: _Atom) -> tuple[dict[str, Any] | None, str]:
        """(the atom's dimension values, or ``None`` if they contradict
        each other; the alias of its aggregate)."""
        wanted: dict[str, Any] | None = {}
        rest: list[Expr] = []
        for part in (p for expr in atom.filters for p in conjuncts(expr)):
            dimension = self.compiler.dimension(part)
            if dimension is None or dimension[0] not in self.fields:
                rest.append(part)
                continue
            name, value = dimension
            if wanted is not None and wanted.setdefault(name, value) != value:
                wanted = None  # category == 1 and category == 2
        key = (atom.item, tuple(dict.fromkeys(rest)))
        alias = self.aggregates.setdefault(key, f"a{len(self.aggregates)}")
        return wanted, alias

    def run(self, scope: _Scope) -> dict[_Atom, int]:
        if scope.empty:
            return dict.fromkeys(self.atoms, 0)
        aggregates = {
            alias: self._aggregate(item, rest)
            for (item, rest), alias in self.aggregates.items()
        }
        records = _records(self.source, scope).order_by()
        if self.fields:
            groups = list(records.values(*self.fields.values()).annotate(**aggregates))
        else:
            groups = [records.aggregate(**aggregates)]
        return {atom: self._value(groups, *split) for atom, split in self.atoms.items()}

    def _aggregate(self, item: str | None, rest: tuple[Expr, ...]) -> Any:
        condition = _all_of([self.compiler.true(expr) for expr in rest])
        if item is None:
            return Count("pk", filter=condition)
        column = _sum_column(self.source, item)
        return Sum(column, filter=condition, default=0)

    def _value(
        self, groups: list[dict[str, Any]], wanted: dict[str, Any] | None, alias: str
    ) -> int:
        if wanted is None:
            return 0
        fields = [(self.fields[name], value) for name, value in wanted.items()]
        return sum(
            int(group[alias] or 0)
            for group in groups
            if all(group[field] == value for field, value in fields)
        )


class _Scope:
    """The round and region (and accepted regions) every query is cut to."""

    def __init__(
        self, round: Round, region_code: str, regions: Sequence[str] | None
    ) -> None:
        self.round = round
        self.prefix = prefix_of(region_code)
        self.regions = None if regions is None else [_prefix(r) for r in regions]

    @property
    def empty(self) -> bool:
        return self.regions is not None and not self.regions

    def region_q(self, field: str) -> Q:
        q = Q(**{f"{field}__startswith": self.prefix}) if self.prefix else Q()
        if self.regions is not None:
            alternatives = Q()
            for prefix in self.regions:
                alternatives |= Q(**{f"{field}__startswith": prefix})
            q &= alternatives
        return q


def _prefix(region: str) -> str:
    """A 12-digit code becomes its subtree prefix; a prefix stays."""
    return prefix_of(region) if is_well_formed(region) else region


def _records(source: Source, scope: _Scope) -> QuerySet[Any]:
    round = scope.round
    if source is Source.PERSON:
        return PersonRecord.objects.filter(
            scope.region_q("region_code"), round=round, status=RecordStatus.SAVED
        )
    if source is Source.COMMUNITY:
        return CommunityRecord.objects.filter(
            scope.region_q("region_code"), round=round, status=RecordStatus.SAVED
        )
    if source is Source.FINDING:
        return Finding.objects.filter(scope.region_q("region_code"), round=round)
    return BaseListEntry.objects.filter(
        scope.region_q("village__code"), year=round.year
    )


def _all_of(parts: list[Q]) -> Q | None:
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined &= part
    return combined


def _sum_column(source: Source, item_id: str) -> str:
    form = form_of(source)
    assert form is not None  # checked when the definition was loaded
    return form.item(item_id).column


# --- Assembling the result -----------------------------------------------------


def _value(plan: _Plan, values: dict[_Atom, int]) -> CellValue:
    if isinstance(plan, _Atom):
        return values[plan]
    return percentage(values[plan.numerator], values[plan.denominator])


def percentage(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator as a percentage rounded half up to one
    place; ``None`` when the denominator is zero."""
    if denominator == 0:
        return None
    share = Decimal(numerator) * 100 / Decimal(denominator)
    return share.quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


def _line(
    plans: tuple[_Plan, ...] | None, values: dict[_Atom, int]
) -> tuple[CellValue, ...] | None:
    return None if plans is None else tuple(_value(p, values) for p in plans)


def _result(plan: _TablePlan, values: dict[_Atom, int]) -> TableResult:
    table = plan.table
    return TableResult(
        table_id=table.id,
        title=table.title,
        unit=table.unit,
        row_heading=table.row_heading or _("项目"),
        row_labels=tuple(row.label for row in table.rows),
        column_labels=tuple(column.label for column in table.columns),
        cells=tuple(tuple(_value(p, values) for p in row) for row in plan.cells),
        total_row=_line(plan.total_row, values),
        total_column=_line(plan.total_column, values),
        grand_total=_value(plan.grand_total, values) if plan.grand_total else None,
        note=table.note,
    )
