"""Filters of the summary tables as Django ``Q`` objects.

A filter counts a record only where the condition is *true* under the
expression language's three-valued (SQL) logic: a missing answer makes
``age >= 16`` and ``not (age >= 16)`` both unknown, so neither counts.
Django's ``~Q`` would count NULL rows under a negation, so each node is
compiled twice, to the Q of "true" and the Q of "false", and ``not``
swaps them.

Only what a table needs is supported: comparisons of a name with a
constant or parameter, ``in``, ``and``/``or``/``not``, ``between``,
``selected``, ``answered`` and ``missing``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from dtgx.questionnaires.definitions import Item, ItemType, Questionnaire
from dtgx.questionnaires.expressions import (
    And,
    Call,
    Compare,
    Constant,
    Expr,
    In,
    Name,
    Not,
    Or,
    Param,
    ParamValue,
    ValueKind,
    unparse,
)
from dtgx.reporting.summary.definitions import (
    FINDING_VALUES,
    Source,
    form_of,
)

Scalar = bool | int | Decimal | str
_LOOKUPS = {"==": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
_OPPOSITE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
_MIRROR = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
# The derived inputs live in the validation app's one-to-one tables.
_DERIVED_PATH = "audit_inputs__"


class UnsupportedFilter(ValueError):
    pass


class FilterCompiler:
    """Compiles filters over one source's records to ``Q``."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self._form: Questionnaire | None = form_of(source)
        self._params: Mapping[str, ParamValue] = self._form.params if self._form else {}

    def dimension(self, expr: Expr) -> tuple[str, int | str | None] | None:
        """(name, value) if ``expr`` is ``name == constant`` or
        ``missing(name)`` over a code (or finding text) column, which a
        query can group by instead of filtering; else ``None``."""
        value: Scalar | None
        match expr:
            case Compare(op="==", left=Name(id=name), right=Constant(value=value)):
                pass
            case Compare(op="==", left=Constant(value=value), right=Name(id=name)):
                pass
            case Call(function="missing", args=(Name(id=name),)):
                value = None
            case _:
                return None
        if isinstance(value, bool | Decimal) or not self._groupable(name):
            return None
        return name, value

    def _groupable(self, name: str) -> bool:
        if self._form is None:
            return self.source is Source.FINDING and name in FINDING_VALUES
        kinds = self._form.name_types
        return name in kinds and kinds[name].kind is ValueKind.CODE

    def true(self, expr: Expr) -> Q:
        """Records for which ``expr`` is true."""
        return self._compile(expr, want=True)

    def field(self, name: str) -> str:
        """The model field path that stores ``name``."""
        if self._form is None:
            if name in FINDING_VALUES and self.source is Source.FINDING:
                return name
            raise self._unsupported(name)
        if name in self._form.item_ids:
            return self._form.item(name).column
        if any(derived.id == name for derived in self._form.derived):
            return _DERIVED_PATH + name
        raise self._unsupported(name)

    def _compile(self, expr: Expr, *, want: bool) -> Q:
        match expr:
            case Not(operand=operand):
                return self._compile(operand, want=not want)
            case And(operands=operands) | Or(operands=operands):
                parts = [self._compile(operand, want=want) for operand in operands]
                conjunction = isinstance(expr, And) == want
                return _combine(parts, conjunction=conjunction)
            case Compare(op=op, left=Name(id=name), right=right):
                return self._compare(name, op, self._value(right), want=want)
            case Compare(op=op, left=left, right=Name(id=name)):
                value = self._value(left)
                return self._compare(name, _MIRROR[op], value, want=want)
            case In(operand=Name(id=name), choices=choices, negated=negated):
                values = [choice.value for choice in choices]
                return self._membership(name, values, want=want != negated)
            case Call(function="between", args=args):
                return self._compile(self._between(args), want=want)
            case Call(function="selected", args=(Name(id=name), Constant(value=c))):
                item = self._multi(name)
                return Q(**{item.option_column(int(c)): want})
            case Call(function="answered" | "missing", args=(Name(id=name),)):
                present = (expr.function == "answered") == want
                return Q(**{f"{self._presence_field(name)}__isnull": not present})
        raise self._unsupported(unparse(expr))

    def _compare(self, name: str, op: str, value: Scalar, *, want: bool) -> Q:
        op = op if want else _OPPOSITE[op]
        field = self.field(name)
        if op == "!=":
            return Q(**{f"{field}__isnull": False}) & ~Q(**{field: value})
        return Q(**{f"{field}__{_LOOKUPS[op]}": value})

    def _membership(self, name: str, values: list[Scalar], *, want: bool) -> Q:
        field = self.field(name)
        if want:
            return Q(**{f"{field}__in": values})
        return Q(**{f"{field}__isnull": False}) & ~Q(**{f"{field}__in": values})

    def _between(self, args: tuple[Expr, ...]) -> Expr:
        value = args[0]
        if len(args) == 3:
            low, high = args[1], args[2]
        else:
            assert isinstance(args[1], Param)
            bounds = self._params.get(args[1].name)
            if not isinstance(bounds, tuple):
                raise self._unsupported(unparse(args[1]))
            low, high = Constant(bounds[0]), Constant(bounds[1])
        return And((Compare(">=", value, low), Compare("<=", value, high)))

    def _value(self, expr: Expr) -> Scalar:
        if isinstance(expr, Constant):
            return expr.value
        if isinstance(expr, Param):
            value = self._params.get(expr.name)
            if isinstance(value, int | Decimal):
                return value
        raise self._unsupported(unparse(expr))

    def _multi(self, name: str) -> Item:
        form = self._form
        if form is None or name not in form.item_ids:
            raise self._unsupported(name)
        item = form.item(name)
        if item.type != ItemType.MULTI:
            raise self._unsupported(name)
        return item

    def _presence_field(self, name: str) -> str:
        """A multi-select item is answered when its option columns are not
        NULL (all are set together), so its first option stands for it."""
        form = self._form
        if form is not None and name in form.item_ids:
            item = form.item(name)
            if item.type == ItemType.MULTI and item.codes:
                return item.option_column(item.codes.options[0].code)
        return self.field(name)

    def _unsupported(self, what: str) -> UnsupportedFilter:
        message = _("汇总表的筛选条件不支持“%(what)s”（来源：%(source)s）。")
        return UnsupportedFilter(message % {"what": what, "source": self.source})


def conjuncts(expr: Expr) -> tuple[Expr, ...]:
    """The parts of a conjunction (``a and b and c``), flattened."""
    if isinstance(expr, And):
        return tuple(part for operand in expr.operands for part in conjuncts(operand))
    return (expr,)


def _combine(parts: list[Q], *, conjunction: bool) -> Q:
    combined = parts[0]
    for part in parts[1:]:
        combined = combined & part if conjunction else combined | part
    return combined
