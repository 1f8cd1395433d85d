"""Summary table definitions (汇总表): data, loaded from ``tables/*.yaml``.

A table counts (or sums) the saved records of one *source* of a round and
region: ``person`` (person forms joined with their derived inputs),
``community`` (community forms), ``finding`` (audit findings) or
``base_list`` (底册 entries of the round's year). Its rows and columns are
each a label and a filter in the forms' expression language
(``dtgx.questionnaires.expressions``), e.g. ``category == 4``,
``between(age, param("compulsory_education_age"))`` or
``selected(health.rehab_received, 3)``.

A cell is one measure under the table's filter and its row's and column's
filters:

* ``count`` (the default) of the source's records;
* ``sum`` of an integer item (``{sum: population.registered}``);
* ``ratio`` of two such measures, as a percentage rounded to one place
  (``{ratio: {numerator: ..., denominator: ..., keep: [row]}}``). The
  numerator takes the cell's filters; the denominator takes the table's
  filter and only those of the row or column named in ``keep``, so that
  by default it is the share of the whole table.

A row or a column may bring its own measure (a row of sums in a table of
counts; a column of shares); a row's wins. The table, row and column
filters apply only to measures over the table's source; a measure over
another source (the base list of an update rate) takes its own filter
only. ``total_row`` / ``total_column`` add a 合计 computed without the row
(or column) filter, which stays right when rows overlap (multi-select).

``load_tables`` reads and checks every file: unknown items, codes, options
and parameters are refused with all problems listed at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from types import MappingProxyType

import yaml
from django.utils.translation import gettext as _

from dtgx.questionnaires.definitions import (
    ItemType,
    Questionnaire,
    load_questionnaire,
)
from dtgx.questionnaires.expressions import (
    Compare,
    Constant,
    Expr,
    In,
    Name,
    NameType,
    ParseError,
    ValueKind,
    check_types,
    iter_nodes,
    parse_expression,
)

TABLES_DIR = Path(__file__).resolve().parent / "tables"
FORM_VERSION = "2018"


class Source(StrEnum):
    PERSON = "person"
    COMMUNITY = "community"
    FINDING = "finding"
    BASE_LIST = "base_list"


# The names a finding filter may read, with their allowed text values.
FINDING_VALUES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "severity": frozenset({"error", "query"}),
        "status": frozenset({"open", "verified", "resolved"}),
    }
)


@dataclass(frozen=True)
class Filter:
    """A condition: its source text and parsed tree."""

    text: str
    expr: Expr


@dataclass(frozen=True)
class Measure:
    """A count of ``source`` records, or the sum of its integer ``item``."""

    source: Source
    item: str | None = None  # set for a sum
    filter: Filter | None = None


@dataclass(frozen=True)
class Ratio:
    """numerator / denominator × 100, rounded to one decimal place."""

    numerator: Measure
    denominator: Measure
    keep: frozenset[str] = frozenset()  # "row", "column"


@dataclass(frozen=True)
class Line:
    """A row or a column: a label, a filter and perhaps its own measure."""

    label: str
    filter: Filter | None = None
    measure: Measure | Ratio | None = None


@dataclass(frozen=True)
class TableDefinition:
    id: str
    title: str
    unit: str
    source: Source
    rows: tuple[Line, ...]
    columns: tuple[Line, ...]
    measure: Measure | Ratio
    filter: Filter | None = None
    row_heading: str = ""
    note: str = ""
    total_row: bool = False
    total_column: bool = False


class TableDefinitionError(ValueError):
    """A table file with problems; ``problems`` lists every one."""

    def __init__(self, origin: str, problems: list[str]) -> None:
        self.origin = origin
        self.problems = tuple(problems)
        heading = _("汇总表定义 %(origin)s 有 %(count)s 处错误：") % {
            "origin": origin,
            "count": len(problems),
        }
        super().__init__("\n- ".join((heading, *problems)))


def person_form() -> Questionnaire:
    return load_questionnaire("person", FORM_VERSION)


def community_form() -> Questionnaire:
    return load_questionnaire("community", FORM_VERSION)


def form_of(source: Source) -> Questionnaire | None:
    """The form whose items a filter of ``source`` reads, if any."""
    if source is Source.PERSON:
        return person_form()
    if source is Source.COMMUNITY:
        return community_form()
    return None


@cache
def load_tables() -> tuple[TableDefinition, ...]:
    """Every table of ``tables/``, in id order (cached). Raises
    ``TableDefinitionError`` for a file with problems and for two files
    with the same id."""
    tables = [_load_file(path) for path in sorted(TABLES_DIR.glob("*.yaml"))]
    ids = [table.id for table in tables]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        problem = _("表号 %(ids)s 重复。") % {"ids": ", ".join(repeated)}
        raise TableDefinitionError("tables/", [problem])
    return tuple(sorted(tables, key=lambda table: table.id))


def get_table(table_id: str) -> TableDefinition:
    """The table with ``table_id``; ``KeyError`` if there is none."""
    found = {table.id: table for table in load_tables()}
    return found[table_id]


def _load_file(path: Path) -> TableDefinition:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise TableDefinitionError(path.name, [str(error)]) from error
    return build_table(data, origin=path.name)


def build_table(data: object, *, origin: str) -> TableDefinition:
    """Build one table from parsed YAML and check every filter and measure
    against the form definitions."""
    builder = _Builder()
    try:
        table = builder.table(data)
    except _Malformed as error:
        raise TableDefinitionError(origin, [str(error)]) from None
    problems = builder.problems + check_table(table)
    if problems:
        raise TableDefinitionError(origin, problems)
    return table


class _Malformed(Exception):
    pass


_TABLE_KEYS = {
    "id",
    "title",
    "unit",
    "source",
    "filter",
    "measure",
    "rows",
    "columns",
    "row_heading",
    "note",
    "total_row",
    "total_column",
}
_LINE_KEYS = {"label", "filter", "measure"}
_MEASURE_KEYS = {"source", "count", "sum", "filter", "ratio"}
_RATIO_KEYS = {"numerator", "denominator", "keep"}


class _Builder:
    """Reads the YAML shape; a malformed entry raises ``_Malformed``, a
    filter that does not parse is collected in ``problems``."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._source = Source.PERSON

    def table(self, data: object) -> TableDefinition:
        fields = _mapping(data, "/", _TABLE_KEYS)
        for key in ("id", "title", "unit", "source", "rows", "columns"):
            if key not in fields:
                raise _Malformed(_("缺少 %(key)s。") % {"key": key})
        self._source = _source(fields["source"], "source")
        return TableDefinition(
            id=str(fields["id"]),
            title=str(fields["title"]),
            unit=str(fields["unit"]),
            source=self._source,
            rows=self._lines(fields["rows"], "rows"),
            columns=self._lines(fields["columns"], "columns"),
            measure=self._measure(fields.get("measure"), "measure")
            or Measure(self._source),
            filter=self._filter(fields.get("filter")),
            row_heading=str(fields.get("row_heading") or _("项目")),
            note=str(fields.get("note") or ""),
            total_row=bool(fields.get("total_row", False)),
            total_column=bool(fields.get("total_column", False)),
        )

    def _lines(self, data: object, where: str) -> tuple[Line, ...]:
        if not isinstance(data, list) or not data:
            raise _Malformed(_("%(where)s 应为非空列表。") % {"where": where})
        lines = []
        for index, entry in enumerate(data):
            at = f"{where}[{index}]"
            fields = _mapping(entry, at, _LINE_KEYS)
            if not fields.get("label"):
                raise _Malformed(_("%(where)s 缺少 label。") % {"where": at})
            lines.append(
                Line(
                    label=str(fields["label"]),
                    filter=self._filter(fields.get("filter")),
                    measure=self._measure(fields.get("measure"), f"{at}.measure"),
                )
            )
        return tuple(lines)

    def _measure(self, data: object, where: str) -> Measure | Ratio | None:
        if data is None:
            return None
        fields = _mapping(data, where, _MEASURE_KEYS)
        if "ratio" in fields:
            return self._ratio(fields["ratio"], f"{where}.ratio")
        return self._plain(fields, where)

    def _plain(self, fields: Mapping[str, object], where: str) -> Measure:
        source = _source(fields.get("source", self._source.value), where)
        item = fields.get("sum")
        return Measure(
            source=source,
            item=None if item is None else str(item),
            filter=self._filter(fields.get("filter")),
        )

    def _ratio(self, data: object, where: str) -> Ratio:
        fields = _mapping(data, where, _RATIO_KEYS)
        parts = []
        for key in ("numerator", "denominator"):
            at = f"{where}.{key}"
            parts.append(self._plain(_mapping(fields.get(key), at, _MEASURE_KEYS), at))
        keep = fields.get("keep", [])
        if not isinstance(keep, list) or not set(map(str, keep)) <= {"row", "column"}:
            raise _Malformed(
                _("%(where)s.keep 只能列出 row、column。") % {"where": where}
            )
        return Ratio(parts[0], parts[1], frozenset(map(str, keep)))

    def _filter(self, text: object) -> Filter | None:
        if text is None:
            return None
        try:
            return Filter(str(text), parse_expression(str(text)))
        except ParseError as error:
            self.problems.append(
                _("条件“%(text)s”：%(error)s") % {"text": text, "error": error}
            )
            return None


def _mapping(data: object, where: str, allowed: set[str]) -> dict[str, object]:
    if not isinstance(data, dict):
        raise _Malformed(_("%(where)s 应为键值表。") % {"where": where})
    fields = {str(key): value for key, value in data.items()}
    unknown = sorted(set(fields) - allowed)
    if unknown:
        message = _("%(where)s 有未知的键 %(keys)s。")
        raise _Malformed(message % {"where": where, "keys": ", ".join(unknown)})
    return fields


def _source(value: object, where: str) -> Source:
    try:
        return Source(str(value))
    except ValueError:
        allowed = ", ".join(source.value for source in Source)
        message = _("%(where)s 的来源只能是 %(allowed)s。")
        raise _Malformed(message % {"where": where, "allowed": allowed}) from None


# --- Checks --------------------------------------------------------------------


def check_table(table: TableDefinition) -> list[str]:
    """Every problem of a built table: filters that name unknown items,
    codes, options or parameters, or read a multi-select item directly;
    sums of items that are not integer items of their source."""
    problems: list[str] = []
    own = [table.filter] + [line.filter for line in table.rows + table.columns]
    for condition in own:
        problems += check_filter(table.source, condition)
    measures = [table.measure] + [
        line.measure for line in table.rows + table.columns if line.measure
    ]
    for measure in measures:
        assert measure is not None
        parts = (
            [measure.numerator, measure.denominator]
            if isinstance(measure, Ratio)
            else [measure]
        )
        for part in parts:
            problems += check_filter(part.source, part.filter)
            problems += _check_sum(part)
    if any(r.measure for r in table.rows) and any(c.measure for c in table.columns):
        problems.append(_("行和列不能同时规定各自的统计量。"))
    return problems


def check_filter(source: Source, condition: Filter | None) -> list[str]:
    """Problems of ``condition`` as a filter over ``source``'s records."""
    if condition is None:
        return []
    form = form_of(source)
    if form is not None:
        issues = check_types(condition.expr, form.name_types, params=form.params)
    elif source is Source.FINDING:
        types = {name: NameType(ValueKind.TEXT) for name in FINDING_VALUES}
        issues = check_types(condition.expr, types, params={})
    else:
        issues = check_types(condition.expr, {}, params={})
    problems = [issue.message for issue in issues]
    problems += _check_text_values(source, condition.expr)
    return [
        _("%(source)s 的条件“%(text)s”：%(problem)s")
        % {"source": source.value, "text": condition.text, "problem": problem}
        for problem in problems
    ]


def _check_text_values(source: Source, expr: Expr) -> list[str]:
    """A finding filter may only compare with the stored values."""
    if source is not Source.FINDING:
        return []
    problems = []
    for node in iter_nodes(expr):
        pairs: list[tuple[Name, Constant]] = []
        if isinstance(node, Compare):
            sides = (node.left, node.right)
            name = next((s for s in sides if isinstance(s, Name)), None)
            value = next((s for s in sides if isinstance(s, Constant)), None)
            if name is not None and value is not None:
                pairs.append((name, value))
        elif isinstance(node, In) and isinstance(node.operand, Name):
            pairs += [(node.operand, choice) for choice in node.choices]
        for name, constant in pairs:
            allowed = FINDING_VALUES.get(name.id, frozenset())
            if constant.value not in allowed:
                message = _("%(name)s 没有取值 %(value)s。")
                problems.append(message % {"name": name.id, "value": constant.value})
    return problems


def _check_sum(measure: Measure) -> list[str]:
    if measure.item is None:
        return []
    form = form_of(measure.source)
    try:
        item = form.item(measure.item) if form else None
    except KeyError:
        item = None
    if item is None or item.type != ItemType.INTEGER:
        message = _("%(item)s 不是%(source)s的整数项目，不能求和。")
        return [message % {"item": measure.item, "source": measure.source.value}]
    return []


__all__ = [
    "Filter",
    "Line",
    "Measure",
    "Ratio",
    "Source",
    "TableDefinition",
    "TableDefinitionError",
    "build_table",
    "check_table",
    "get_table",
    "load_tables",
]
