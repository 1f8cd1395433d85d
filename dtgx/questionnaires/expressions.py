"""A small, safe expression language for form conditions and audit rules.

An expression is written in a restricted subset of Python syntax. It is parsed
once with ``ast.parse(text, mode="eval")``, every node is checked against a
whitelist, and the result is an immutable tree of the node classes defined
here. Evaluation walks that tree (``evaluate``), or turns it once into nested
closures for conditions evaluated on many records (``compile_expr``, same
results); nothing is ever handed to ``eval`` or ``exec``.

Grammar (informal; precedence from loosest to tightest)::

    expr     := expr "or" expr | expr "and" expr | "not" expr | compare
    compare  := sum (OP sum)+                        OP: == != < <= > >=
              | sum ["not"] "in" "(" const ("," const)* ")"
              | sum
    sum      := sum ("+" | "-") term | term
    term     := term ("*" | "/") unary | unary
    unary    := "-" unary | atom
    atom     := name | const | call | "(" expr ")"
    name     := identifier ("." identifier)*         employment.is_employed, age
    const    := integer | decimal | 'text' | True | False
    call     := answered(expr) | missing(expr) | param('name')
              | selected(name, integer) | count_selected(name) | len(expr)
              | between(expr, expr, expr) | between(expr, param('range'))
              | coalesce(expr, expr, ...)

A name is an item id or a derived input (``age``, ``category``, ...). A name
that is absent from the values is missing. ``a < b < c`` means
``a < b and b < c``. The list after ``in`` holds constants only (a tuple or a
list). ``param('working_age')`` reads a named form parameter; a range
parameter such as ``[16, 59]`` may only be used as ``between(age,
param('working_age'))``.

Missing values
--------------
The semantics are those of SQL, so that a bulk evaluator compiled to SQL or
Polars agrees with this one on every record:

* A missing value is ``None``. Before evaluation, text is stripped of
  surrounding white space and a blank string becomes ``None``; an empty
  multi-select answer becomes ``None`` as well. So ``""``, ``" "`` and
  ``None`` are the same missing value, while ``0`` is an ordinary number.
* A comparison, ``in``, arithmetic or ``len`` with a missing operand is
  missing. Division by zero is missing too (SQL: ``a / NULLIF(b, 0)``).
* ``and``/``or``/``not`` follow Kleene's three-valued logic, like SQL:
  ``False and missing`` is False, ``True or missing`` is True,
  ``not missing`` is missing, and every other mix with missing is missing.
* ``answered(x)`` and ``missing(x)`` are the explicit tests; they are never
  missing themselves. ``coalesce(x, 0)`` turns missing into a default.
* ``selected(m, c)`` and ``count_selected(m)`` are missing when the
  multi-select item ``m`` is unanswered. (Storage keeps one boolean column
  per option: all NULL when unanswered, TRUE/FALSE once answered.)
* ``between(x, lo, hi)`` is exactly ``x >= lo and x <= hi``.
* At the top level a condition holds only if it is True: ``truthy()`` maps
  missing to False.

Examples, with ``age`` missing and ``category`` = 5::

    age >= 16                        -> missing  (truthy: False)
    not (age >= 16)                  -> missing  (truthy: False)
    age >= 16 or category == 5       -> True
    age >= 16 and category == 4      -> False
    missing(age) or age >= 16        -> True
    age + 1                          -> missing
    category / 0                     -> missing
    coalesce(age, 0) >= 16           -> False

Type errors that the static checker ``check_types`` would have flagged (such as
comparing a number with text) raise ``EvaluationError`` at run time; conditions
loaded from a form definition are checked when the definition is loaded.
"""

from __future__ import annotations

import ast
import operator
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeAlias, TypeGuard, assert_never, cast

from django.utils.translation import gettext as _

Number: TypeAlias = int | Decimal
Value: TypeAlias = bool | int | Decimal | str | date | frozenset[int] | None
ParamValue: TypeAlias = Number | tuple[Number, Number]

MAX_TEXT_LENGTH = 4000
MAX_DEPTH = 60

FUNCTIONS = frozenset(
    {
        "answered",
        "missing",
        "param",
        "selected",
        "count_selected",
        "len",
        "between",
        "coalesce",
    }
)

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# --- The tree -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Constant:
    value: bool | int | Decimal | str


@dataclass(frozen=True, slots=True)
class Name:
    """An item id (dotted, ``section.name``) or a derived input (``age``)."""

    id: str


@dataclass(frozen=True, slots=True)
class Param:
    name: str


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class Negative:
    operand: Expr


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # one of == != < <= > >=
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class In:
    operand: Expr
    choices: tuple[Constant, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Arithmetic:
    op: str  # one of + - * /
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Expr, ...]


Expr: TypeAlias = (
    Constant
    | Name
    | Param
    | Not
    | Negative
    | And
    | Or
    | Compare
    | In
    | Arithmetic
    | Call
)


# --- Parsing --------------------------------------------------------------


class ParseError(ValueError):
    """An expression that is not in the language.

    ``offset`` is the 0-based character position in the original text where
    the problem was found, or ``None`` when it concerns the whole text.
    """

    def __init__(self, reason: str, *, text: str, offset: int | None) -> None:
        self.reason = reason
        self.text = text
        self.offset = offset
        super().__init__(self._message())

    @property
    def column(self) -> int | None:
        """1-based character position, as shown to people."""
        return None if self.offset is None else self.offset + 1

    def _message(self) -> str:
        if self.offset is None:
            return self.reason
        return _("表达式第 %(column)s 个字符处：%(reason)s") % {
            "column": self.offset + 1,
            "reason": self.reason,
        }


_COMPARE_OPS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_ARITHMETIC_OPS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
}
_ARITY: dict[str, tuple[int, int]] = {
    "answered": (1, 1),
    "missing": (1, 1),
    "param": (1, 1),
    "selected": (2, 2),
    "count_selected": (1, 1),
    "len": (1, 1),
    "between": (2, 3),
    "coalesce": (2, 99),
}


def parse_expression(text: str) -> Expr:
    """Parse ``text`` into an expression tree.

    Raises ``ParseError`` (and nothing else) when the text is not a valid
    expression; the error carries the character position and a Chinese
    message. Line breaks count as spaces, so conditions may span lines.
    """
    source = text.replace("\r", " ").replace("\n", " ")
    body = source.lstrip()
    lead = len(source) - len(body)
    if not body.strip():
        raise ParseError(_("表达式为空。"), text=text, offset=None)
    if len(text) > MAX_TEXT_LENGTH:
        reason = _("表达式过长（超过 %(limit)s 个字符）。") % {"limit": MAX_TEXT_LENGTH}
        raise ParseError(reason, text=text, offset=None)

    tree = _parse_python(body, text=text, lead=lead)
    return _Converter(body, text=text, lead=lead).convert(tree.body, 0)


def _parse_python(body: str, *, text: str, lead: int) -> ast.Expression:
    try:
        # Python only warns about some malformed input ("1and x"); for us it
        # is an error. (The filter is process-wide for the moment of the
        # parse; it only touches SyntaxWarning.)
        with warnings.catch_warnings():
            warnings.simplefilter("error", SyntaxWarning)
            return ast.parse(body, mode="eval")
    except SyntaxError as error:
        offset = None if error.offset is None else lead + max(error.offset - 1, 0)
        if offset is not None:
            offset = min(offset, len(text))
        raise ParseError(_syntax_reason(error.msg), text=text, offset=offset) from None
    except (ValueError, RecursionError, MemoryError, OverflowError):
        reason = _("表达式无法解析，请检查括号和嵌套层数。")
        raise ParseError(reason, text=text, offset=None) from None


def _syntax_reason(message: str) -> str:
    if "unterminated string" in message:
        return _("文本缺少结束引号。")
    if "never closed" in message or "unmatched" in message:
        return _("括号不匹配。")
    if "nested" in message:
        return _("括号嵌套过深。")
    return _("语法有误。")


class _Converter:
    """Turns a Python ``ast`` into our own tree, refusing anything else."""

    def __init__(self, body: str, *, text: str, lead: int) -> None:
        self._body = body
        self._encoded = body.encode("utf-8")
        self._text = text
        self._lead = lead

    def convert(self, node: ast.expr, depth: int) -> Expr:
        if depth > MAX_DEPTH:
            raise self._error(node, _("嵌套过深，请把条件拆得简单一些。"))
        depth += 1
        match node:
            case ast.BoolOp(op=ast.And(), values=values):
                return And(tuple(self.convert(value, depth) for value in values))
            case ast.BoolOp(values=values):
                return Or(tuple(self.convert(value, depth) for value in values))
            case ast.UnaryOp():
                return self._unary(node, depth)
            case ast.Compare():
                return self._compare(node, depth)
            case ast.BinOp():
                return self._arithmetic(node, depth)
            case ast.Name() | ast.Attribute():
                return Name(self._dotted_name(node))
            case ast.Constant():
                return self._constant(node)
            case ast.Call():
                return self._call(node, depth)
        raise self._error(node, _unsupported(node))

    def _error(self, node: ast.AST, reason: str) -> ParseError:
        return ParseError(reason, text=self._text, offset=self._offset(node))

    def _offset(self, node: ast.AST) -> int | None:
        if getattr(node, "lineno", None) != 1:
            return None
        prefix = self._encoded[: getattr(node, "col_offset", 0)]
        return self._lead + len(prefix.decode("utf-8", errors="ignore"))

    def _unary(self, node: ast.UnaryOp, depth: int) -> Expr:
        operand = self.convert(node.operand, depth)
        match node.op:
            case ast.Not():
                return Not(operand)
            case ast.UAdd():
                return operand
            case ast.USub():
                return _negate_constant(operand)
        raise self._error(node, _unsupported(node))

    def _compare(self, node: ast.Compare, depth: int) -> Expr:
        left = self.convert(node.left, depth)
        parts: list[Expr] = []
        pairs = list(zip(node.ops, node.comparators, strict=True))
        for index, (op, comparator) in enumerate(pairs):
            if isinstance(op, ast.In | ast.NotIn):
                if index < len(pairs) - 1:
                    raise self._error(comparator, _("in 之后不能再连写比较。"))
                choices = self._choices(comparator, depth)
                parts.append(In(left, choices, negated=isinstance(op, ast.NotIn)))
                continue
            symbol = _COMPARE_OPS.get(type(op))
            if symbol is None:
                raise self._error(comparator, _("请用 missing(x) 或 answered(x)。"))
            right = self.convert(comparator, depth)
            parts.append(Compare(symbol, left, right))
            left = right
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def _choices(self, node: ast.expr, depth: int) -> tuple[Constant, ...]:
        if not isinstance(node, ast.Tuple | ast.List):
            raise self._error(node, _("in 后面必须是括号括起的常量列表。"))
        if not node.elts:
            raise self._error(node, _("in 后面的列表不能为空。"))
        choices = [self.convert(element, depth) for element in node.elts]
        for element, choice in zip(node.elts, choices, strict=True):
            if not isinstance(choice, Constant):
                raise self._error(element, _("in 后面的列表只能包含常量。"))
        return tuple(choice for choice in choices if isinstance(choice, Constant))

    def _arithmetic(self, node: ast.BinOp, depth: int) -> Expr:
        symbol = _ARITHMETIC_OPS.get(type(node.op))
        if symbol is None:
            raise self._error(node, _("只支持 + - * / 四种运算。"))
        left = self.convert(node.left, depth)
        return Arithmetic(symbol, left, self.convert(node.right, depth))

    def _dotted_name(self, node: ast.expr) -> str:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            raise self._error(node, _("点号只能用来连接项目名称。"))
        parts.append(node.id)
        for part in parts:
            if not _IDENTIFIER.fullmatch(part):
                raise self._error(node, _("名称只能由英文字母、数字和下划线组成。"))
        if len(parts) == 1 and node.id in FUNCTIONS:
            reason = _("函数 %(name)s 需要带括号调用。") % {"name": node.id}
            raise self._error(node, reason)
        return ".".join(reversed(parts))

    def _constant(self, node: ast.Constant) -> Constant:
        value = node.value
        if isinstance(value, bool | int | str):
            return Constant(value)
        if isinstance(value, float):
            return Constant(self._decimal(node))
        if value is None:
            raise self._error(node, _("不能写 None，请用 missing(x) 判断缺失值。"))
        raise self._error(node, _unsupported(node))

    def _decimal(self, node: ast.Constant) -> Decimal:
        segment = ast.get_source_segment(self._body, node) or repr(node.value)
        try:
            number = Decimal(segment.replace("_", ""))
        except InvalidOperation:
            number = Decimal(repr(node.value))
        if not number.is_finite():
            raise self._error(node, _("数值超出范围。"))
        return number

    def _call(self, node: ast.Call, depth: int) -> Expr:
        function = node.func.id if isinstance(node.func, ast.Name) else None
        if function is None or function not in FUNCTIONS:
            raise self._error(node, _unknown_function())
        if node.keywords:
            raise self._error(node, _("函数参数不能写成 名称=值 的形式。"))
        low, high = _ARITY[function]
        if not low <= len(node.args) <= high:
            raise self._error(node, _arity_reason(function))
        if function == "param":
            return self._param(node.args[0])
        args = tuple(self.convert(argument, depth) for argument in node.args)
        self._check_arguments(node, function, args)
        return Call(function, args)

    def _param(self, node: ast.expr) -> Param:
        value = node.value if isinstance(node, ast.Constant) else None
        if isinstance(value, str) and _IDENTIFIER.fullmatch(value):
            return Param(value)
        raise self._error(node, _("param() 的参数必须是用引号括起的参数名。"))

    def _check_arguments(
        self, node: ast.Call, function: str, args: tuple[Expr, ...]
    ) -> None:
        needs_name = function in ("selected", "count_selected")
        if needs_name and not isinstance(args[0], Name):
            reason = _("%(function)s() 的第一个参数必须是多选项目。")
            raise self._error(node, reason % {"function": function})
        if function == "selected" and not _is_code_constant(args[1]):
            raise self._error(node, _("selected() 的第二个参数必须是整数代码。"))
        if function == "between" and len(args) == 2 and not isinstance(args[1], Param):
            reason = _("between() 只有两个参数时，第二个必须是区间参数 param()。")
            raise self._error(node, reason)


def _negate_constant(operand: Expr) -> Expr:
    """Fold ``-5`` into a constant so that code lists can hold negatives."""
    if isinstance(operand, Constant) and _is_number(operand.value):
        return Constant(-operand.value)
    return Negative(operand)


def _is_code_constant(expr: Expr) -> bool:
    return isinstance(expr, Constant) and _is_integer(expr.value)


def _unsupported(node: ast.AST) -> str:
    return _("不支持这种写法（%(construct)s）。") % {"construct": type(node).__name__}


def _unknown_function() -> str:
    names = ", ".join(sorted(FUNCTIONS))
    return _("只能调用这些函数：%(names)s。") % {"names": names}


def _arity_reason(function: str) -> str:
    low, high = _ARITY[function]
    if low == high:
        reason = _("函数 %(function)s() 需要 %(count)s 个参数。")
        return reason % {"function": function, "count": low}
    reason = _("函数 %(function)s() 需要 %(low)s 到 %(high)s 个参数。")
    return reason % {"function": function, "low": low, "high": high}


# --- Walking and printing ---------------------------------------------------


def children(expr: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of ``expr``."""
    match expr:
        case Constant() | Name() | Param():
            return ()
        case Not(operand=operand) | Negative(operand=operand):
            return (operand,)
        case And(operands=operands) | Or(operands=operands):
            return operands
        case Compare(left=left, right=right) | Arithmetic(left=left, right=right):
            return (left, right)
        case In(operand=operand, choices=choices):
            return (operand, *choices)
        case Call(args=args):
            return args
    assert_never(expr)


def iter_nodes(expr: Expr) -> Iterator[Expr]:
    """Every node of the tree, depth first, starting with ``expr``."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def referenced_names(expr: Expr) -> frozenset[str]:
    """The item ids and derived inputs that ``expr`` reads."""
    return frozenset(node.id for node in iter_nodes(expr) if isinstance(node, Name))


def referenced_params(expr: Expr) -> frozenset[str]:
    """The form parameters that ``expr`` reads through ``param()``."""
    found = (node.name for node in iter_nodes(expr) if isinstance(node, Param))
    return frozenset(found)


_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "compare": 4, "+": 5, "-": 5}
_PRECEDENCE |= {"*": 6, "/": 6, "negative": 7, "atom": 8}


def unparse(expr: Expr) -> str:
    """Canonical text of ``expr``; ``parse_expression(unparse(e)) == e``."""
    return _unparse(expr)[0]


def _unparse(expr: Expr) -> tuple[str, int]:
    match expr:
        case Constant(value=value):
            return _constant_text(value), _PRECEDENCE["atom"]
        case Name(id=name):
            return name, _PRECEDENCE["atom"]
        case Param(name=name):
            return f"param({name!r})", _PRECEDENCE["atom"]
        case Not(operand=operand):
            return "not " + _wrap(operand, 3, strict=False), 3
        case Negative(operand=operand):
            return "-" + _wrap(operand, 7, strict=False), 7
        case And(operands=operands) | Or(operands=operands):
            word = "and" if isinstance(expr, And) else "or"
            level = _PRECEDENCE[word]
            parts = [_wrap(operand, level, strict=True) for operand in operands]
            return f" {word} ".join(parts), level
        case Compare(op=op, left=left, right=right):
            text = f"{_wrap(left, 4, strict=True)} {op} {_wrap(right, 4, strict=True)}"
            return text, 4
        case In(operand=operand, choices=choices, negated=negated):
            return _membership_text(operand, choices, negated=negated), 4
        case Arithmetic(op=op, left=left, right=right):
            level = _PRECEDENCE[op]
            text = f"{_wrap(left, level, strict=False)} {op} "
            return text + _wrap(right, level, strict=True), level
        case Call(function=function, args=args):
            inner = ", ".join(unparse(argument) for argument in args)
            return f"{function}({inner})", _PRECEDENCE["atom"]
    assert_never(expr)


def _wrap(expr: Expr, level: int, *, strict: bool) -> str:
    text, own = _unparse(expr)
    needs = own <= level if strict else own < level
    return f"({text})" if needs else text


def _constant_text(value: bool | int | Decimal | str) -> str:
    if isinstance(value, Decimal):
        return str(value)
    return repr(value)


def _membership_text(
    operand: Expr, choices: tuple[Constant, ...], *, negated: bool
) -> str:
    items = ", ".join(_constant_text(choice.value) for choice in choices)
    if len(choices) == 1:
        items += ","
    keyword = "not in" if negated else "in"
    return f"{_wrap(operand, 4, strict=True)} {keyword} ({items})"


# --- Evaluation -----------------------------------------------------------


class EvaluationError(ValueError):
    """A value of the wrong kind met an operator (a static type error)."""


def normalize_value(value: object) -> Value:
    """The canonical form of an answer or derived value.

    Text is stripped and blank text becomes ``None``; a collection of codes
    becomes a ``frozenset`` (``None`` when empty); a float becomes a
    ``Decimal``. Raises ``EvaluationError`` for any other kind of value.
    """
    if value is None or isinstance(value, bool | int | Decimal):
        return _finite(value)
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, float):
        return _finite(Decimal(repr(value)))
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, set | frozenset | list | tuple):
        return _code_set(value)
    raise EvaluationError(_unusable(value))


def _finite(value: Value) -> Value:
    if isinstance(value, Decimal) and not value.is_finite():
        raise EvaluationError(_unusable(value))
    return value


def _code_set(values: Iterable[object]) -> frozenset[int] | None:
    codes = frozenset(values)
    if not all(_is_integer(code) for code in codes):
        raise EvaluationError(_("多选答案只能包含整数代码。"))
    return frozenset(code for code in codes if isinstance(code, int)) or None


def _unusable(value: object) -> str:
    return _("无法识别的值：%(value)s。") % {"value": repr(value)[:80]}


def truthy(result: Value) -> bool:
    """Whether a condition holds: only True does; missing counts as False."""
    return result is True


def evaluate(
    expr: Expr,
    values: Mapping[str, object],
    params: Mapping[str, ParamValue] | None = None,
) -> Value:
    """Evaluate ``expr`` with three-valued (SQL) logic; ``None`` is missing.

    ``values`` maps item ids and derived inputs to answers (absent names are
    missing); they are normalised with ``normalize_value`` on reading.
    Raises ``EvaluationError`` only on type errors that ``check_types``
    reports statically, or on an unknown parameter.
    """
    return _Evaluation(values, params or {}).run(expr)


_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class _Evaluation:
    def __init__(
        self, values: Mapping[str, object], params: Mapping[str, ParamValue]
    ) -> None:
        self._values = values
        self._params = params

    def run(self, expr: Expr) -> Value:
        match expr:
            case Constant(value=value):
                return value
            case Name(id=name):
                return normalize_value(self._values.get(name))
            case Param(name=name):
                return self._scalar_param(name)
            case Not(operand=operand):
                result = self._boolean(operand)
                return None if result is None else not result
            case Negative(operand=operand):
                return _negative(self.run(operand))
            case And(operands=operands):
                return _kleene_and(self._boolean(operand) for operand in operands)
            case Or(operands=operands):
                return _kleene_or(self._boolean(operand) for operand in operands)
            case Compare(op=op, left=left, right=right):
                return _compare(op, self.run(left), self.run(right))
            case In(operand=operand, choices=choices, negated=negated):
                return _membership(self.run(operand), choices, negated=negated)
            case Arithmetic(op=op, left=left, right=right):
                return _arithmetic(op, self.run(left), self.run(right))
            case Call():
                return self._call(expr)
        assert_never(expr)

    def _boolean(self, expr: Expr) -> bool | None:
        result = self.run(expr)
        if result is None or isinstance(result, bool):
            return result
        reason = _("%(expr)s 不是条件（真假值）。") % {"expr": unparse(expr)}
        raise EvaluationError(reason)

    def _param(self, name: str) -> ParamValue:
        if name not in self._params:
            raise EvaluationError(_("未定义的参数 %(name)s。") % {"name": name})
        return self._params[name]

    def _scalar_param(self, name: str) -> Number:
        value = self._param(name)
        if isinstance(value, tuple):
            reason = _("区间参数 %(name)s 只能用于 between()。")
            raise EvaluationError(reason % {"name": name})
        return value

    def _range_param(self, name: str) -> tuple[Number, Number]:
        value = self._param(name)
        if not isinstance(value, tuple):
            raise EvaluationError(_("参数 %(name)s 不是区间。") % {"name": name})
        return value

    def _call(self, call: Call) -> Value:
        function, args = call.function, call.args
        if function == "answered":
            return self.run(args[0]) is not None
        if function == "missing":
            return self.run(args[0]) is None
        if function == "coalesce":
            return next((v for v in map(self.run, args) if v is not None), None)
        if function == "between":
            return self._between(args)
        return _measure(function, self.run(args[0]), args)

    def _between(self, args: tuple[Expr, ...]) -> bool | None:
        value = self.run(args[0])
        low: Value
        high: Value
        if len(args) == 2 and isinstance(args[1], Param):
            low, high = self._range_param(args[1].name)
        else:
            low, high = self.run(args[1]), self.run(args[2])
        return _between_values(value, low, high)


def _between_values(value: Value, low: Value, high: Value) -> bool | None:
    return _kleene_and((_compare(">=", value, low), _compare("<=", value, high)))


# --- Compilation ------------------------------------------------------------

CompiledExpr: TypeAlias = Callable[[Mapping[str, object]], Value]
_CompiledCondition: TypeAlias = Callable[[Mapping[str, object]], bool | None]

# Calls whose result is always True, False or missing (or an error).
_BOOLEAN_CALLS = frozenset({"answered", "missing", "between", "selected"})


def compile_expr(
    expr: Expr, params: Mapping[str, ParamValue] | None = None
) -> CompiledExpr:
    """``expr`` as a function of the values, for evaluating it many times.

    ``compile_expr(expr, params)(values)`` returns exactly what
    ``evaluate(expr, values, params)`` returns and raises the same
    ``EvaluationError`` (only when the function runs, never while compiling),
    with the same short-circuits, but without walking the tree on every call:
    the tree becomes nested closures that call the helpers ``evaluate`` uses.
    Nothing is handed to ``eval`` or ``exec``. ``params`` is read once, here;
    later changes to the mapping are not seen. Compiling costs more than one
    ``evaluate``, so a condition evaluated once is better just evaluated.
    """
    return _Compiler(params or {}).compile(expr)


class _Compiler:
    """Turns a tree into closures; each mirrors a branch of ``_Evaluation``.

    Shapes the parser never produces (a call with too few arguments) are
    left to ``_Evaluation`` itself, so that they fail in the same way.
    Fast paths only cover plain integers, where the helpers' result is
    known; everything else goes through the helpers.
    """

    def __init__(self, params: Mapping[str, ParamValue]) -> None:
        self._params = dict(params)
        # Raises the parameter errors exactly as ``evaluate`` does.
        self._lookup = _Evaluation({}, self._params)

    def compile(self, expr: Expr) -> CompiledExpr:
        match expr:
            case Constant(value=value):
                return _constant_of(value)
            case Name(id=name):
                return _name_of(name)
            case Param(name=name):
                return self._param(name)
            case Not(operand=operand):
                return _not_of(self._boolean(operand))
            case Negative(operand=operand):
                return _negative_of(self.compile(operand))
            case And(operands=operands):
                return _and_of(tuple(map(self._boolean, operands)))
            case Or(operands=operands):
                return _or_of(tuple(map(self._boolean, operands)))
            case Compare(op=op, left=left, right=right):
                return self._compare(op, left, right)
            case In(operand=operand, choices=choices, negated=negated):
                return _in_of(self.compile(operand), choices, negated=negated)
            case Arithmetic(op=op, left=left, right=right):
                return _arithmetic_of(op, self.compile(left), self.compile(right))
            case Call():
                return self._call(expr)
        assert_never(expr)

    def _boolean(self, expr: Expr) -> _CompiledCondition:
        """Like ``_Evaluation._boolean``: a result that is not a condition
        raises, but only when (and if) the operand is evaluated."""
        run = self.compile(expr)
        if _yields_condition(expr):
            return cast(_CompiledCondition, run)

        def boolean(values: Mapping[str, object]) -> bool | None:
            result = run(values)
            if result is None or isinstance(result, bool):
                return result
            reason = _("%(expr)s 不是条件（真假值）。") % {"expr": unparse(expr)}
            raise EvaluationError(reason)

        return boolean

    def _static(self, expr: Expr) -> Constant | None:
        """The value of a constant or of a known scalar parameter."""
        if isinstance(expr, Constant):
            return expr
        if isinstance(expr, Param) and expr.name in self._params:
            value = self._params[expr.name]
            return None if isinstance(value, tuple) else Constant(value)
        return None

    def _param(self, name: str) -> CompiledExpr:
        static = self._static(Param(name))
        if static is not None:
            return _constant_of(static.value)
        lookup = self._lookup

        def param(values: Mapping[str, object]) -> Value:
            return lookup._scalar_param(name)  # raises

        return param

    def _compare(self, op: str, left: Expr, right: Expr) -> CompiledExpr:
        static = self._static(right)
        if static is None:
            return _compare_of(op, self.compile(left), self.compile(right))
        bound = static.value
        if not _is_integer(bound):
            read = self.compile(left)
            return lambda values: _compare(op, read(values), bound)
        if isinstance(left, Name):
            return _compare_name_with_integer(op, left.id, bound)
        return _compare_with_integer(op, self.compile(left), bound)

    def _call(self, call: Call) -> CompiledExpr:
        function, args = call.function, call.args
        if not args:
            return self._interpreted(call)
        if function in ("answered", "missing"):
            return _answered_of(self.compile(args[0]), answered=function == "answered")
        if function == "coalesce":
            return _coalesce_of(tuple(map(self.compile, args)))
        if function == "between":
            return self._between(call)
        return _measure_of(function, self.compile(args[0]), args)

    def _between(self, call: Call) -> CompiledExpr:
        args = call.args
        if len(args) == 2 and isinstance(args[1], Param):
            return self._between_range(self.compile(args[0]), args[1].name)
        if len(args) < 3:
            return self._interpreted(call)
        low, high = self._static(args[1]), self._static(args[2])
        if low is not None and high is not None:
            return _between_bounds_of(self.compile(args[0]), low.value, high.value)
        value, lower, upper = map(self.compile, args[:3])
        return lambda values: _between_values(
            value(values), lower(values), upper(values)
        )

    def _between_range(self, read: CompiledExpr, name: str) -> CompiledExpr:
        bounds = self._params.get(name)
        if isinstance(bounds, tuple):
            return _between_bounds_of(read, *bounds)
        lookup = self._lookup

        def between(values: Mapping[str, object]) -> Value:
            value = read(values)
            low, high = lookup._range_param(name)  # raises
            return _between_values(value, low, high)

        return between

    def _interpreted(self, expr: Expr) -> CompiledExpr:
        params = self._params
        return lambda values: _Evaluation(values, params).run(expr)


def _yields_condition(expr: Expr) -> bool:
    """Whether ``expr`` can only give True, False or missing (or raise)."""
    if isinstance(expr, Compare | In | And | Or | Not):
        return True
    if isinstance(expr, Constant):
        return isinstance(expr.value, bool)
    return isinstance(expr, Call) and expr.function in _BOOLEAN_CALLS


def _constant_of(value: Value) -> CompiledExpr:
    return lambda values: value


def _name_of(name: str) -> CompiledExpr:
    def read(values: Mapping[str, object]) -> Value:
        value = values.get(name)
        if value is None or type(value) is int:
            return value  # already normal: normalize_value would return it
        return normalize_value(value)

    return read


def _not_of(operand: _CompiledCondition) -> CompiledExpr:
    def negate(values: Mapping[str, object]) -> Value:
        result = operand(values)
        return None if result is None else not result

    return negate


def _negative_of(operand: CompiledExpr) -> CompiledExpr:
    return lambda values: _negative(operand(values))


def _and_of(operands: tuple[_CompiledCondition, ...]) -> CompiledExpr:
    # _kleene_and reads the generator lazily: nothing after a False runs.
    return lambda values: _kleene_and(operand(values) for operand in operands)


def _or_of(operands: tuple[_CompiledCondition, ...]) -> CompiledExpr:
    return lambda values: _kleene_or(operand(values) for operand in operands)


def _compare_of(op: str, left: CompiledExpr, right: CompiledExpr) -> CompiledExpr:
    return lambda values: _compare(op, left(values), right(values))


def _compare_with_integer(op: str, left: CompiledExpr, bound: int) -> CompiledExpr:
    compare = _COMPARATORS[op]

    def compare_integer(values: Mapping[str, object]) -> Value:
        value = left(values)
        if type(value) is int:
            return compare(value, bound)
        return _compare(op, value, bound)

    return compare_integer


def _compare_name_with_integer(op: str, name: str, bound: int) -> CompiledExpr:
    compare = _COMPARATORS[op]

    def compare_name(values: Mapping[str, object]) -> Value:
        value = values.get(name)
        if type(value) is int:
            return compare(value, bound)
        if value is None:
            return None  # what _compare gives for a missing operand
        return _compare(op, normalize_value(value), bound)

    return compare_name


def _in_of(
    operand: CompiledExpr, choices: tuple[Constant, ...], *, negated: bool
) -> CompiledExpr:
    if not all(_is_integer(choice.value) for choice in choices):
        return lambda values: _membership(operand(values), choices, negated=negated)
    codes = frozenset(choice.value for choice in choices)

    def member(values: Mapping[str, object]) -> Value:
        value = operand(values)
        if type(value) is int:
            return (value in codes) != negated
        return _membership(value, choices, negated=negated)

    return member


def _arithmetic_of(op: str, left: CompiledExpr, right: CompiledExpr) -> CompiledExpr:
    return lambda values: _arithmetic(op, left(values), right(values))


def _answered_of(operand: CompiledExpr, *, answered: bool) -> CompiledExpr:
    if answered:
        return lambda values: operand(values) is not None
    return lambda values: operand(values) is None


def _coalesce_of(operands: tuple[CompiledExpr, ...]) -> CompiledExpr:
    def coalesce(values: Mapping[str, object]) -> Value:
        for operand in operands:  # lazily, like next() over map()
            value = operand(values)
            if value is not None:
                return value
        return None

    return coalesce


def _between_bounds_of(read: CompiledExpr, low: Value, high: Value) -> CompiledExpr:
    if not (_is_integer(low) and _is_integer(high)):
        return lambda values: _between_values(read(values), low, high)
    low_int, high_int = low, high

    def between_integers(values: Mapping[str, object]) -> Value:
        value = read(values)
        if type(value) is int:
            return low_int <= value <= high_int
        return _between_values(value, low_int, high_int)

    return between_integers


def _measure_of(
    function: str, operand: CompiledExpr, args: tuple[Expr, ...]
) -> CompiledExpr:
    return lambda values: _measure(function, operand(values), args)


def _measure(function: str, value: Value, args: tuple[Expr, ...]) -> Value:
    """``selected``, ``count_selected`` and ``len`` of an evaluated operand."""
    if value is None:
        return None
    if function == "len" and isinstance(value, str):
        return len(value)
    if function == "count_selected" and isinstance(value, frozenset):
        return len(value)
    code = args[-1] if function == "selected" else None
    if isinstance(code, Constant) and isinstance(value, frozenset):
        return code.value in value
    reason = _("%(function)s() 不能用于 %(expr)s。")
    raise EvaluationError(reason % {"function": function, "expr": unparse(args[0])})


def _kleene_and(results: Iterable[bool | None]) -> bool | None:
    seen_missing = False
    for result in results:
        if result is False:
            return False
        seen_missing = seen_missing or result is None
    return None if seen_missing else True


def _kleene_or(results: Iterable[bool | None]) -> bool | None:
    seen_missing = False
    for result in results:
        if result is True:
            return True
        seen_missing = seen_missing or result is None
    return None if seen_missing else False


def _is_integer(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[Number]:
    return _is_integer(value) or isinstance(value, Decimal)


def _comparable(op: str, left: Value, right: Value) -> bool:
    if _is_number(left) and _is_number(right):
        return True
    if isinstance(left, bool) and isinstance(right, bool):
        return op in ("==", "!=")
    same_kind = (str, date)
    return any(isinstance(left, k) and isinstance(right, k) for k in same_kind)


def _compare(op: str, left: Value, right: Value) -> bool | None:
    if left is None or right is None:
        return None
    if not _comparable(op, left, right):
        reason = _("不能比较 %(left)s 和 %(right)s。")
        raise EvaluationError(reason % {"left": repr(left), "right": repr(right)})
    return _COMPARATORS[op](left, right)


def _membership(
    value: Value, choices: tuple[Constant, ...], *, negated: bool
) -> bool | None:
    if value is None:
        return None
    found = any(_compare("==", value, choice.value) for choice in choices)
    return found != negated


def _negative(value: Value) -> Value:
    if value is None:
        return None
    if _is_number(value):
        return -value
    raise EvaluationError(_("只能对数值取负：%(value)s。") % {"value": repr(value)})


def _arithmetic(op: str, left: Value, right: Value) -> Value:
    if left is None or right is None:
        return None
    if not (_is_number(left) and _is_number(right)):
        reason = _("只能对数值做运算：%(left)s %(op)s %(right)s。")
        raise EvaluationError(
            reason % {"left": repr(left), "op": op, "right": repr(right)}
        )
    try:
        return _number_operation(op, left, right)
    except ArithmeticError as error:
        raise EvaluationError(_("数值运算溢出。")) from error


def _number_operation(op: str, left: Number, right: Number) -> Number | None:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if right == 0:
        return None  # SQL: left / NULLIF(right, 0)
    return Decimal(left) / Decimal(right)


# --- Static types -----------------------------------------------------------


class ValueKind(StrEnum):
    BOOLEAN = "boolean"
    NUMBER = "number"
    CODE = "code"
    TEXT = "text"
    DATE = "date"
    MULTI = "multi"
    RANGE = "range"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class NameType:
    """What a name (or sub-expression) holds, for ``check_types``.

    ``codes`` lists the valid codes of a code or multi-select item.
    """

    kind: ValueKind
    codes: frozenset[int] = frozenset()


@dataclass(frozen=True)
class TypeIssue:
    message: str


_NUMERIC = frozenset({ValueKind.NUMBER, ValueKind.CODE})


def check_types(
    expr: Expr,
    types: Mapping[str, NameType],
    *,
    params: Mapping[str, ParamValue] | None = None,
    boolean: bool = True,
) -> list[TypeIssue]:
    """Report what is knowably wrong with ``expr``, without evaluating it.

    Flags unknown names and parameters, a code item compared with text or
    with a code outside its code list, ``selected()`` with an unknown option,
    operators applied to the wrong kind of value, and (if ``boolean``) a
    result that is not a condition. ``params=None`` skips parameter checks.
    """
    checker = _TypeChecker(types, params)
    result = checker.infer(expr)
    if boolean and result.kind not in (ValueKind.BOOLEAN, ValueKind.UNKNOWN):
        checker.report(_("整个表达式的结果必须是条件（真假值）。"))
    return [TypeIssue(message) for message in dict.fromkeys(checker.messages)]


def kind_label(kind: ValueKind) -> str:
    """The Chinese name of a kind of value, for messages."""
    labels = {
        ValueKind.BOOLEAN: _("真假值"),
        ValueKind.NUMBER: _("数值"),
        ValueKind.CODE: _("代码"),
        ValueKind.TEXT: _("文本"),
        ValueKind.DATE: _("日期"),
        ValueKind.MULTI: _("多选"),
        ValueKind.RANGE: _("区间"),
        ValueKind.UNKNOWN: _("未知"),
    }
    return labels[kind]


_BOOLEAN = NameType(ValueKind.BOOLEAN)
_NUMBER = NameType(ValueKind.NUMBER)
_UNKNOWN = NameType(ValueKind.UNKNOWN)


class _TypeChecker:
    def __init__(
        self,
        types: Mapping[str, NameType],
        params: Mapping[str, ParamValue] | None,
    ) -> None:
        self._types = types
        self._params = params
        self.messages: list[str] = []

    def report(self, message: str) -> None:
        self.messages.append(message)

    def infer(self, expr: Expr) -> NameType:
        match expr:
            case Constant(value=value):
                return _constant_type(value)
            case Name(id=name):
                return self._name(name)
            case Param(name=name):
                return self._param(name)
            case Not(operand=operand):
                self._expect_boolean(operand)
                return _BOOLEAN
            case And(operands=operands) | Or(operands=operands):
                for operand in operands:
                    self._expect_boolean(operand)
                return _BOOLEAN
            case Negative(operand=operand):
                self._expect_number(operand)
                return _NUMBER
            case Arithmetic(left=left, right=right):
                self._expect_number(left)
                self._expect_number(right)
                return _NUMBER
            case Compare(op=op, left=left, right=right):
                self._pair(op, left, right)
                return _BOOLEAN
            case In(operand=operand, choices=choices):
                for choice in choices:
                    self._pair("==", operand, choice)
                return _BOOLEAN
            case Call():
                return self._call(expr)
        assert_never(expr)

    def _name(self, name: str) -> NameType:
        known = self._types.get(name)
        if known is None:
            self.report(_("未知的名称 %(name)s。") % {"name": name})
            return _UNKNOWN
        return known

    def _param(self, name: str) -> NameType:
        if self._params is None:
            return _UNKNOWN
        if name not in self._params:
            self.report(_("未定义的参数 %(name)s。") % {"name": name})
            return _UNKNOWN
        is_range = isinstance(self._params[name], tuple)
        return NameType(ValueKind.RANGE) if is_range else _NUMBER

    def _expect_boolean(self, expr: Expr) -> None:
        kind = self.infer(expr).kind
        if kind not in (ValueKind.BOOLEAN, ValueKind.UNKNOWN):
            reason = _("%(expr)s 不是条件（真假值），不能用于 and、or、not。")
            self.report(reason % {"expr": unparse(expr)})

    def _expect_number(self, expr: Expr) -> None:
        kind = self.infer(expr).kind
        if kind not in (*_NUMERIC, ValueKind.UNKNOWN):
            reason = _("%(expr)s 是%(kind)s，不能做算术运算。")
            self.report(reason % {"expr": unparse(expr), "kind": kind_label(kind)})

    def _pair(self, op: str, left: Expr, right: Expr) -> None:
        left_type, right_type = self.infer(left), self.infer(right)
        kinds = {left_type.kind, right_type.kind}
        if ValueKind.UNKNOWN in kinds:
            return
        if kinds & {ValueKind.MULTI, ValueKind.RANGE}:
            self._report_uncomparable(left, left_type, right, right_type)
        elif ValueKind.CODE in kinds:
            self._code_pair(op, left, left_type, right, right_type)
        elif not _compatible(op, left_type.kind, right_type.kind):
            self._report_uncomparable(left, left_type, right, right_type)

    def _code_pair(
        self,
        op: str,
        left: Expr,
        left_type: NameType,
        right: Expr,
        right_type: NameType,
    ) -> None:
        item, code = (
            (left, right) if left_type.kind == ValueKind.CODE else (right, left)
        )
        codes = left_type.codes if item is left else right_type.codes
        other = right_type if item is left else left_type
        if other.kind not in _NUMERIC:
            reason = _(
                "代码项 %(item)s 只能与数字代码比较，不能与%(kind)s %(other)s 比较。"
            )
            self.report(
                reason
                % {
                    "item": unparse(item),
                    "kind": kind_label(other.kind),
                    "other": unparse(code),
                }
            )
        elif op in ("==", "!=") and isinstance(code, Constant):
            self._check_code(item, codes, code.value)

    def _check_code(self, item: Expr, codes: frozenset[int], value: object) -> None:
        if codes and value not in codes:
            reason = _("%(item)s 的代码表中没有代码 %(code)s。")
            self.report(reason % {"item": unparse(item), "code": value})

    def _report_uncomparable(
        self, left: Expr, left_type: NameType, right: Expr, right_type: NameType
    ) -> None:
        if ValueKind.MULTI in (left_type.kind, right_type.kind):
            multi = left if left_type.kind == ValueKind.MULTI else right
            reason = _(
                "多选项目 %(item)s 不能直接比较，请用 selected() 或 count_selected()。"
            )
            self.report(reason % {"item": unparse(multi)})
            return
        reason = _("不能比较%(left_kind)s %(left)s 与%(right_kind)s %(right)s。")
        self.report(
            reason
            % {
                "left_kind": kind_label(left_type.kind),
                "left": unparse(left),
                "right_kind": kind_label(right_type.kind),
                "right": unparse(right),
            }
        )

    def _call(self, call: Call) -> NameType:
        function, args = call.function, call.args
        if function in ("answered", "missing"):
            self.infer(args[0])
            return _BOOLEAN
        if function == "between":
            self._between(args)
            return _BOOLEAN
        if function == "coalesce":
            for other in args[1:]:
                self._pair("==", args[0], other)
            return self.infer(args[0])
        return self._measure(function, args)

    def _between(self, args: tuple[Expr, ...]) -> None:
        if len(args) == 3:
            self._pair(">=", args[0], args[1])
            self._pair("<=", args[0], args[2])
            return
        self._expect_number(args[0])
        bounds = self.infer(args[1])
        if bounds.kind not in (ValueKind.RANGE, ValueKind.UNKNOWN):
            reason = _("%(expr)s 不是区间参数。") % {"expr": unparse(args[1])}
            self.report(reason)

    def _measure(self, function: str, args: tuple[Expr, ...]) -> NameType:
        argument = self.infer(args[0])
        wanted = ValueKind.TEXT if function == "len" else ValueKind.MULTI
        if argument.kind not in (wanted, ValueKind.UNKNOWN):
            reason = _("%(function)s() 需要%(wanted)s，%(expr)s 是%(kind)s。")
            self.report(
                reason
                % {
                    "function": function,
                    "wanted": kind_label(wanted),
                    "expr": unparse(args[0]),
                    "kind": kind_label(argument.kind),
                }
            )
        if function != "selected":
            return _NUMBER
        code = args[1]
        known = argument.codes if argument.kind == ValueKind.MULTI else frozenset()
        if known and isinstance(code, Constant) and code.value not in known:
            reason = _("多选项目 %(item)s 没有选项 %(code)s。")
            self.report(reason % {"item": unparse(args[0]), "code": code.value})
        return _BOOLEAN


def _constant_type(value: bool | int | Decimal | str) -> NameType:
    if isinstance(value, bool):
        return _BOOLEAN
    if isinstance(value, str):
        return NameType(ValueKind.TEXT)
    return _NUMBER


def _compatible(op: str, left: ValueKind, right: ValueKind) -> bool:
    if left in _NUMERIC and right in _NUMERIC:
        return True
    if left == right == ValueKind.BOOLEAN:
        return op in ("==", "!=")
    return left == right and left in (ValueKind.TEXT, ValueKind.DATE)
