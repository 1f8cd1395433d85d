"""Relevance conditions written out in readable Chinese, for printed forms.

``describe_condition`` words the common shapes of a condition the way a
paper form's instructions do: ``年龄6–14岁且R14未填``, ``R7选“2 否”``. Items
are named by their printed number, derived inputs by their label, codes by
code and label, parameters by their value. A condition with a shape it does
not know (arithmetic, ``len`` ...) gives ``None``: the caller then shows the
condition text itself, which is never wrong, only less friendly.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from dtgx.questionnaires.definitions import CodeList, Questionnaire
from dtgx.questionnaires.expressions import (
    And,
    Call,
    Compare,
    Constant,
    Expr,
    In,
    Name,
    Not,
    Number,
    Or,
    Param,
    unparse,
)

AGE = "age"

_FLIPPED = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


class _Unworded(Exception):
    """A shape this module does not word."""


def describe_condition(expr: Expr, questionnaire: Questionnaire) -> str | None:
    """``expr`` as a Chinese phrase, or ``None`` when it has no simple
    wording (see the module docstring)."""
    try:
        return _Wording(questionnaire).phrase(expr)
    except _Unworded:
        return None


def skip_instruction(expr: Expr, questionnaire: Questionnaire) -> str:
    """The instruction printed beside an item: ``年龄6–14岁时填写``, or the
    condition text when it has no simple wording."""
    phrase = describe_condition(expr, questionnaire)
    if phrase is None:
        return _("满足条件 %(condition)s 时填写") % {"condition": _text_of(expr)}
    return _("%(condition)s时填写") % {"condition": phrase}


def section_instruction(expr: Expr, questionnaire: Questionnaire) -> str:
    """The instruction printed under a section title."""
    phrase = describe_condition(expr, questionnaire)
    if phrase is None:
        phrase = _text_of(expr)
    return _("本部分由%(condition)s的人填写，其他人跳过") % {"condition": phrase}


def _text_of(expr: Expr) -> str:
    return unparse(expr)


class _Wording:
    def __init__(self, questionnaire: Questionnaire) -> None:
        self._form = questionnaire

    def phrase(self, expr: Expr, *, nested: bool = False) -> str:
        match expr:
            case And(operands=operands):
                text = _("且").join(self.phrase(o, nested=True) for o in operands)
                return f"（{text}）" if nested else text
            case Or(operands=operands):
                text = _("或").join(self.phrase(o, nested=True) for o in operands)
                return f"（{text}）" if nested else text
            case Not(operand=operand):
                return _("不满足“%(condition)s”") % {"condition": self.phrase(operand)}
            case Compare():
                return self._compare(expr)
            case In(operand=Name(id=name), choices=choices, negated=negated):
                return self._membership(name, choices, negated=negated)
            case Call():
                return self._call(expr)
        raise _Unworded

    # --- comparisons ----------------------------------------------------------

    def _compare(self, expr: Compare) -> str:
        op, left, right = expr.op, expr.left, expr.right
        if not isinstance(left, Name) and isinstance(right, Name):
            op, left, right = _FLIPPED[op], right, left
        if not isinstance(left, Name):
            raise _Unworded
        value = self._number(right)
        if left.id == AGE:
            return _age_phrase(op, value)
        codes = self._codes_of(left.id)
        if codes is not None and op in ("==", "!=") and isinstance(value, int):
            return self._membership_text(left.id, codes, [value], negated=op == "!=")
        return _("%(name)s%(relation)s%(value)s") % {
            "name": self._name(left.id),
            "relation": _relation(op),
            "value": value,
        }

    def _membership(
        self, name: str, choices: tuple[Constant, ...], *, negated: bool
    ) -> str:
        values = [choice.value for choice in choices]
        codes = self._codes_of(name)
        if codes is None or not all(_is_int(v) for v in values):
            raise _Unworded
        ints = [v for v in values if isinstance(v, int)]
        return self._membership_text(name, codes, ints, negated=negated)

    def _membership_text(
        self, name: str, codes: CodeList, values: list[int], *, negated: bool
    ) -> str:
        options = [_code_text(codes, value) for value in values]
        listed = options[0]
        if len(options) > 1:
            listed = "、".join(options[:-1]) + _("或") + options[-1]
        template = _choice_template(self._is_item(name), negated=negated)
        return template % {"name": self._name(name), "codes": listed}

    # --- functions -------------------------------------------------------------

    def _call(self, call: Call) -> str:
        function, args = call.function, call.args
        if function in ("answered", "missing") and isinstance(args[0], Name):
            return self._presence(args[0].id, answered=function == "answered")
        if function == "selected" and isinstance(args[0], Name):
            return self._selected(args[0].id, args[1])
        if function == "between" and isinstance(args[0], Name):
            return self._between(args[0].id, args[1:])
        raise _Unworded

    def _presence(self, name: str, *, answered: bool) -> str:
        if self._is_item(name):
            template = _("%(name)s已填") if answered else _("%(name)s未填")
        else:
            template = _("%(name)s已知") if answered else _("%(name)s不详")
        return template % {"name": self._name(name)}

    def _selected(self, name: str, code: Expr) -> str:
        codes = self._codes_of(name)
        if codes is None or not isinstance(code, Constant) or not _is_int(code.value):
            raise _Unworded
        value = code.value
        assert isinstance(value, int)
        return _("%(name)s选了%(code)s") % {
            "name": self._name(name),
            "code": _code_text(codes, value),
        }

    def _between(self, name: str, bounds: tuple[Expr, ...]) -> str:
        if len(bounds) == 1 and isinstance(bounds[0], Param):
            low, high = self._range(bounds[0].name)
        else:
            low, high = self._number(bounds[0]), self._number(bounds[1])
        if name == AGE:
            return _("年龄%(low)s–%(high)s岁") % {"low": low, "high": high}
        return _("%(name)s在%(low)s至%(high)s之间") % {
            "name": self._name(name),
            "low": low,
            "high": high,
        }

    # --- names and values --------------------------------------------------------

    def _is_item(self, name: str) -> bool:
        return name in self._form.item_ids

    def _name(self, name: str) -> str:
        if self._is_item(name):
            return self._form.item(name).number
        derived = {d.id: d.label for d in self._form.derived}
        if name in derived:
            return derived[name]
        raise _Unworded

    def _codes_of(self, name: str) -> CodeList | None:
        if self._is_item(name):
            return self._form.item(name).codes
        return next((d.codes for d in self._form.derived if d.id == name), None)

    def _number(self, expr: Expr) -> Number:
        if isinstance(expr, Constant) and _is_number(expr.value):
            constant = expr.value
            assert isinstance(constant, int | Decimal)
            return constant
        if isinstance(expr, Param):
            param = self._form.params.get(expr.name)
            if isinstance(param, int | Decimal):
                return param
        raise _Unworded

    def _range(self, name: str) -> tuple[Number, Number]:
        value = self._form.params.get(name)
        if not isinstance(value, tuple):
            raise _Unworded
        return value


def _age_phrase(op: str, value: Number) -> str:
    templates = {
        ">=": _("年满%(value)s岁"),
        ">": _("年龄大于%(value)s岁"),
        "<=": _("年龄%(value)s岁及以下"),
        "<": _("不满%(value)s岁"),
        "==": _("年龄为%(value)s岁"),
        "!=": _("年龄不是%(value)s岁"),
    }
    return templates[op] % {"value": value}


def _relation(op: str) -> str:
    words = {
        ">=": _("不小于"),
        ">": _("大于"),
        "<=": _("不大于"),
        "<": _("小于"),
        "==": _("等于"),
        "!=": _("不等于"),
    }
    return words[op]


def _choice_template(is_item: bool, *, negated: bool) -> str:
    if is_item:
        return _("%(name)s未选%(codes)s") if negated else _("%(name)s选%(codes)s")
    return _("%(name)s不是%(codes)s") if negated else _("%(name)s为%(codes)s")


def _code_text(codes: CodeList, value: int) -> str:
    label = codes.label_of(value)
    return f"“{value} {label}”" if label else f"“{value}”"


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return _is_int(value) or isinstance(value, Decimal)
