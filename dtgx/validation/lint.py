"""Rule-set lint: what is wrong with rules before they reach a record.

``lint_rule_set`` returns every problem; the build fails on any (a test
asserts that the national set lints clean). Per rule and form version:

1. Static checks: duplicate ids; unknown names and parameters; type errors
   (``check_types``); codes outside the item's code list (``x == 9``,
   ``x in (...)``, ``selected(m, 9)``); arithmetic the databases cannot
   reproduce exactly (a non-integer constant in arithmetic, a quotient used
   in further arithmetic); a condition the SQL compiler refuses; unknown
   highlighted items; a message whose placeholders name nothing.
2. Examples: at least one passing and one failing record; known names and
   values of the right kind; the passing ones raise no finding and the
   failing ones do (per record; the tests run them in bulk SQL as well).
3. Can the rule ever fire? First we look for a *witness*: a record the
   form's skip logic allows on which the rule applies, fires, and (if its
   check reads items of the form) at least one checked item is relevant.
   The rule's failing examples, passed through the skip logic, are tried
   first. If none is a witness, representative records are sampled (see
   ``dtgx.validation.sampling``: every combination when there are few,
   otherwise a fixed-seed sample) and the reason is named:

   * ``applies_when`` never TRUE (a contradiction or constant FALSE);
   * ``applies_when`` TRUE only with a code outside an item's code list;
   * the check never fails (a tautology or constant TRUE);
   * ``applies_when`` holds only on records the skip logic rules out;
   * whenever ``applies_when`` holds, every item the check reads is not
     relevant (it is asked only of others), so it is always missing;
   * none of these, but still no witness.

   If sampling finds a witness but the failing examples are not one, the
   examples are impossible records (they hold answers the skip logic would
   have cleared).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext as _

from dtgx.questionnaires.definitions import (
    Questionnaire,
    available_questionnaires,
    load_questionnaire,
)
from dtgx.questionnaires.expressions import (
    Arithmetic,
    Call,
    Compare,
    Constant,
    EvaluationError,
    Expr,
    In,
    Name,
    NameType,
    Negative,
    ParamValue,
    Value,
    ValueKind,
    check_types,
    children,
    evaluate,
    iter_nodes,
    normalize_value,
    referenced_names,
    referenced_params,
    truthy,
)
from dtgx.validation import sampling
from dtgx.validation.evaluate import example_fires
from dtgx.validation.rules import Example, OnMissing, Rule, RuleSet, render_message
from dtgx.validation.sql import CompileError, Compiler, Dialect, SqlScope


class LintCode(StrEnum):
    DUPLICATE_ID = "duplicate_id"
    UNKNOWN_FORM = "unknown_form"
    UNKNOWN_NAME = "unknown_name"
    TYPE_ERROR = "type_error"
    UNKNOWN_CODE = "unknown_code"
    INEXACT = "inexact"
    NOT_COMPILABLE = "not_compilable"
    BAD_ITEMS = "bad_items"
    BAD_MESSAGE = "bad_message"
    MISSING_EXAMPLE = "missing_example"
    BAD_EXAMPLE = "bad_example"
    WRONG_EXAMPLE = "wrong_example"
    IMPOSSIBLE_EXAMPLE = "impossible_example"
    NEVER_APPLIES = "never_applies"
    APPLIES_OUTSIDE_CODES = "applies_outside_codes"
    CHECK_ALWAYS_HOLDS = "check_always_holds"
    NOT_RELEVANT = "not_relevant"
    NEVER_FIRES = "never_fires"


@dataclass(frozen=True)
class LintProblem:
    rule_id: str
    code: LintCode
    message: str

    def __str__(self) -> str:
        return f"{self.rule_id} [{self.code}] {self.message}"


def lint_rule_set(rule_set: RuleSet) -> list[LintProblem]:
    """Every problem of every rule of ``rule_set`` (empty when clean)."""
    problems = _duplicate_ids(rule_set.rules)
    for rule in rule_set.rules:
        problems += lint_rule(rule_set, rule)
    return problems


def lint_rule(rule_set: RuleSet, rule: Rule) -> list[LintProblem]:
    """The problems of one rule, on every form version it audits."""
    forms = _forms_of(rule)
    if not forms:
        reason = _("没有符合规则的登记表版本（%(form)s %(first)s 起）。")
        return [_problem(rule, LintCode.UNKNOWN_FORM, reason % _version_args(rule))]
    problems = _missing_examples(rule)
    for form in forms:
        found = _static_problems(rule_set, rule, form)
        if not found:
            found = _example_problems(rule_set, rule, form)
            ok = not found and not problems
            found += _firing_problems(rule_set, rule, form, examples_ok=ok)
        problems += found
    return problems


def _missing_examples(rule: Rule) -> list[LintProblem]:
    if rule.passing and rule.failing:
        return []
    reason = _("每条规则至少要有一个通过的示例和一个不通过的示例。")
    return [_problem(rule, LintCode.MISSING_EXAMPLE, reason)]


def _problem(rule: Rule, code: LintCode, message: str) -> LintProblem:
    return LintProblem(rule.id, code, message)


def _version_args(rule: Rule) -> dict[str, str]:
    return {"form": rule.form, "first": rule.versions.first}


def _duplicate_ids(rules: Iterable[Rule]) -> list[LintProblem]:
    seen: dict[str, Rule] = {}
    problems = []
    for rule in rules:
        if rule.id in seen:
            reason = _("规则编号 %(id)s 重复（%(first)s 与 %(second)s）。")
            origins = {
                "id": rule.id,
                "first": seen[rule.id].origin,
                "second": rule.origin,
            }
            problems.append(_problem(rule, LintCode.DUPLICATE_ID, reason % origins))
        seen.setdefault(rule.id, rule)
    return problems


def _forms_of(rule: Rule) -> list[Questionnaire]:
    keys = [k for k in available_questionnaires() if rule.applies_to(k)]
    return [load_questionnaire(k.kind, k.version) for k in keys]


# --- 1. Static checks -----------------------------------------------------------


def _static_problems(
    rule_set: RuleSet, rule: Rule, form: Questionnaire
) -> list[LintProblem]:
    types = rule_set.name_types(form)
    params = rule_set.params_for(form)
    problems = _name_problems(rule, types, params)
    if problems:
        return problems
    problems += _type_problems(rule, types, params)
    problems += _code_problems(rule, types)
    problems += _exactness_problems(rule, params)
    if not problems:
        problems += _compile_problems(rule_set, rule, form)
    problems += _item_problems(rule, form)
    problems += _message_problems(rule_set, rule, form)
    return problems


def _name_problems(
    rule: Rule, types: Mapping[str, NameType], params: Mapping[str, ParamValue]
) -> list[LintProblem]:
    names = sorted(rule.names - set(types))
    found = [
        _problem(
            rule,
            LintCode.UNKNOWN_NAME,
            _("未知的项目或派生值 %(name)s。") % {"name": n},
        )
        for n in names
    ]
    used = {p for expr in rule.exprs for p in referenced_params(expr)}
    found += [
        _problem(
            rule, LintCode.UNKNOWN_NAME, _("未定义的参数 %(name)s。") % {"name": p}
        )
        for p in sorted(used - set(params))
    ]
    return found


def _type_problems(
    rule: Rule, types: Mapping[str, NameType], params: Mapping[str, ParamValue]
) -> list[LintProblem]:
    # Code lists are left out here: _code_problems reports those separately.
    plain = {name: NameType(t.kind) for name, t in types.items()}
    issues = [
        issue
        for expr in rule.exprs
        for issue in check_types(expr, plain, params=params)
    ]
    return [_problem(rule, LintCode.TYPE_ERROR, issue.message) for issue in issues]


def _code_problems(rule: Rule, types: Mapping[str, NameType]) -> list[LintProblem]:
    found = []
    for expr in rule.exprs:
        for name, code in _coded_constants(expr):
            known = types[name].codes
            if known and code not in known:
                reason = _("%(name)s 的代码表中没有代码 %(code)s。")
                found.append(
                    _problem(
                        rule,
                        LintCode.UNKNOWN_CODE,
                        reason % {"name": name, "code": code},
                    )
                )
    return found


def _coded_constants(expr: Expr) -> Iterator[tuple[str, object]]:
    """(name, constant) pairs where a code or multi item meets a code."""
    for node in iter_nodes(expr):
        match node:
            case Compare(op="==" | "!=", left=Name(id=name), right=Constant(value=v)):
                yield name, v
            case Compare(op="==" | "!=", left=Constant(value=v), right=Name(id=name)):
                yield name, v
            case In(operand=Name(id=name), choices=choices):
                yield from ((name, choice.value) for choice in choices)
            case Call(function="selected", args=(Name(id=name), Constant(value=v))):
                yield name, v


def _exactness_problems(
    rule: Rule, params: Mapping[str, ParamValue]
) -> list[LintProblem]:
    reason = _(
        "算术中用了非整数常数，或对除法的结果再做运算；数据库中只能近似计算，"
        "逐条与批量审核可能不一致。请改写，例如把 a / b > 2 写成 a > 2 * b。"
    )
    inexact = any(_inexact(expr, params, inside=False) for expr in rule.exprs)
    return [_problem(rule, LintCode.INEXACT, reason)] if inexact else []


def _inexact(expr: Expr, params: Mapping[str, ParamValue], *, inside: bool) -> bool:
    """A non-integer constant within arithmetic, or a quotient used as an
    operand of arithmetic (``inside``: ``expr`` is such an operand)."""
    match expr:
        case Constant(value=Decimal()):
            return inside
        case Arithmetic(op=op):
            if inside and op == "/":
                return True
            return any(_inexact(c, params, inside=True) for c in children(expr))
        case Negative(operand=operand):
            return _inexact(operand, params, inside=True)
    if inside and any(
        isinstance(params.get(p), Decimal) for p in referenced_params(expr)
    ):
        return True
    return any(_inexact(c, params, inside=False) for c in children(expr))


def _compile_problems(
    rule_set: RuleSet, rule: Rule, form: Questionnaire
) -> list[LintProblem]:
    scope = SqlScope(linked={link.namespace: "x" for link in rule_set.linked})
    for dialect in Dialect:
        try:
            Compiler(rule_set, form, scope, dialect).finding(rule)
        except CompileError as error:
            return [_problem(rule, LintCode.NOT_COMPILABLE, str(error))]
    return []


def _item_problems(rule: Rule, form: Questionnaire) -> list[LintProblem]:
    reason = _("要突出显示的 %(item)s 不是本登记表的项目。")
    return [
        _problem(rule, LintCode.BAD_ITEMS, reason % {"item": item})
        for item in rule.items
        if item not in form.item_ids
    ]


def _message_problems(
    rule_set: RuleSet, rule: Rule, form: Questionnaire
) -> list[LintProblem]:
    try:
        text = render_message(rule_set, rule, form)
    except KeyError as error:
        reason = _("提示信息中的 %(name)s 不是已知的项目或派生值。")
        return [_problem(rule, LintCode.BAD_MESSAGE, reason % {"name": error.args[0]})]
    except (TypeError, ValueError):
        reason = _("提示信息的占位符写法有误（百分号请写成 %%%%）。")
        return [_problem(rule, LintCode.BAD_MESSAGE, reason)]
    if not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return [_problem(rule, LintCode.BAD_MESSAGE, _("提示信息应为中文。"))]
    return []


# --- 2. Examples ---------------------------------------------------------------


def _example_problems(
    rule_set: RuleSet, rule: Rule, form: Questionnaire
) -> list[LintProblem]:
    found: list[LintProblem] = []
    types = rule_set.name_types(form)
    for expected, examples in ((False, rule.passing), (True, rule.failing)):
        for number, example in enumerate(examples, start=1):
            found += _one_example(
                rule_set, rule, types, example.values, expected, number
            )
    return found


def _one_example(
    rule_set: RuleSet,
    rule: Rule,
    types: Mapping[str, NameType],
    values: Mapping[str, object],
    fails: bool,
    number: int,
) -> list[LintProblem]:
    where = {"kind": _("不通过") if fails else _("通过"), "number": number}
    bad = [n for n, v in values.items() if n not in types or not _fits(types[n], v)]
    if bad:
        reason = _("%(kind)s示例 %(number)s 中的 %(names)s 未知或取值类型不对。")
        return [
            _problem(
                rule, LintCode.BAD_EXAMPLE, reason % (where | {"names": ", ".join(bad)})
            )
        ]
    if example_fires(rule_set, rule, Example(values)) == fails:
        return []
    if fails:
        reason = _("不通过示例 %(number)s 没有触发这条规则。")
    else:
        reason = _("通过示例 %(number)s 却触发了这条规则。")
    return [_problem(rule, LintCode.WRONG_EXAMPLE, reason % where)]


_PYTHON_KINDS: dict[ValueKind, tuple[type, ...]] = {
    ValueKind.BOOLEAN: (bool,),
    ValueKind.CODE: (int,),
    ValueKind.NUMBER: (int, Decimal),
    ValueKind.TEXT: (str,),
    ValueKind.DATE: (date,),
    ValueKind.MULTI: (frozenset,),
}


def _fits(name_type: NameType, value: object) -> bool:
    try:
        normal = normalize_value(value)
    except EvaluationError:
        return False
    if normal is None:
        return True
    if isinstance(normal, bool) and name_type.kind != ValueKind.BOOLEAN:
        return False
    return isinstance(normal, _PYTHON_KINDS.get(name_type.kind, ()))


# --- 3. Can it fire? ------------------------------------------------------------


@dataclass
class _Tally:
    """What the sampled records showed."""

    samples: int = 0
    applies: bool = False  # applies_when TRUE on some raw record
    check_fails: bool = False  # the check not passing on some raw record
    applies_allowed: bool = False  # ... on some record the skip logic allows
    relevant: bool = False  # ... with a checked item relevant
    witness: bool = False


class _Analysis:
    """The witness search and sampling of one rule on one form version."""

    def __init__(self, rule_set: RuleSet, rule: Rule, form: Questionnaire) -> None:
        self.rule = rule
        self.form = form
        self.params = rule_set.params_for(form)
        self.types = rule_set.name_types(form)
        own_items = [n for n in rule.names if n in form.item_ids]
        self.closure = sampling.relevance_closure(form, own_items)
        checked = referenced_names(rule.check.expr)
        self.checked = frozenset(n for n in checked if n in form.item_ids)

    def is_witness(self, record: Mapping[str, object]) -> tuple[bool, bool, bool]:
        """(applies, checked item relevant, witness) after the skip logic."""
        values = {k: normalize_value(v) for k, v in record.items()}
        visible, relevant = sampling.apply_skip_logic(
            self.form, values, self.closure, self.params
        )
        if not self._applies(visible):
            return False, False, False
        seen = not self.checked or bool(self.checked & relevant)
        return True, seen, seen and self._fails(visible)

    def _applies(self, values: Mapping[str, object]) -> bool:
        condition = self.rule.applies_when
        return condition is None or truthy(
            evaluate(condition.expr, values, self.params)
        )

    def _fails(self, values: Mapping[str, object]) -> bool:
        result = evaluate(self.rule.check.expr, values, self.params)
        missing_fails = self.rule.on_missing is OnMissing.FAIL
        return result is False or (result is None and missing_fails)

    def domains(self, *, out_of_list: bool) -> dict[str, tuple[Value, ...]]:
        exprs = [*self.rule.exprs]
        exprs += [c.expr for i in self.closure for c in self.form.conditions_of(i)]
        constants = sampling.Constants.of(exprs, self.params)
        names = self.rule.names | sampling.closure_names(self.form, self.closure)
        return {n: self._domain(n, constants, out_of_list) for n in sorted(names)}

    def _domain(
        self, name: str, constants: sampling.Constants, out_of_list: bool
    ) -> tuple[Value, ...]:
        item = self.form.item(name) if name in self.form.item_ids else None
        return sampling.domain(
            self.types[name],
            constants,
            item=item,
            exclusive=sampling.exclusive_codes(item),
            out_of_list=out_of_list,
        )

    def tally(self) -> _Tally:
        tally = _Tally()
        seed = zlib.crc32(self.rule.id.encode())
        for record in sampling.assignments(self.domains(out_of_list=False), seed=seed):
            tally.samples += 1
            tally.applies = tally.applies or self._applies(record)
            tally.check_fails = tally.check_fails or self._fails(record)
            applies, relevant, witness = self.is_witness(record)
            tally.applies_allowed = tally.applies_allowed or applies
            tally.relevant = tally.relevant or relevant
            if witness:
                tally.witness = True
                break
        return tally

    def applies_outside_codes(self) -> bool:
        seed = zlib.crc32(self.rule.id.encode()) + 1
        records = sampling.assignments(self.domains(out_of_list=True), seed=seed)
        return any(self._applies(record) for record in records)


def _firing_problems(
    rule_set: RuleSet, rule: Rule, form: Questionnaire, *, examples_ok: bool
) -> list[LintProblem]:
    """Why the rule can never fire, if it cannot (see the module docstring);
    an impossible failing example is reported only when the examples are
    otherwise right (else their own problem says enough)."""
    analysis = _Analysis(rule_set, rule, form)
    if any(analysis.is_witness(example.values)[2] for example in rule.failing):
        return []
    tally = analysis.tally()
    if tally.witness and not examples_ok:
        return []
    if tally.witness:
        reason = _(
            "不通过示例按跳转规则是不可能出现的记录（其中有不该回答的项目，"
            "或检查的项目都不适用）；请换一个符合跳转规则的示例。"
        )
        return [_problem(rule, LintCode.IMPOSSIBLE_EXAMPLE, reason)]
    code, reason = _diagnosis(analysis, tally)
    return [_problem(rule, code, reason % {"samples": tally.samples})]


def _diagnosis(analysis: _Analysis, tally: _Tally) -> tuple[LintCode, str]:
    if not tally.applies:
        if analysis.applies_outside_codes():
            reason = _(
                "适用条件只在某个项目取代码表以外的值时才成立，这条规则永远不会触发。"
            )
            return LintCode.APPLIES_OUTSIDE_CODES, reason
        reason = _(
            "适用条件在 %(samples)s 个代表性记录中从未成立，这条规则永远不会触发。"
        )
        return LintCode.NEVER_APPLIES, reason
    if not tally.check_fails:
        reason = _(
            "检查条件在 %(samples)s 个代表性记录中总是成立，这条规则永远不会触发。"
        )
        return LintCode.CHECK_ALWAYS_HOLDS, reason
    if not tally.applies_allowed:
        reason = _("适用条件只在跳转规则不允许的记录上成立，这条规则永远不会触发。")
        return LintCode.NEVER_APPLIES, reason
    if not tally.relevant:
        reason = _(
            "适用条件成立时，检查所读的项目按跳转规则都不该回答（总是空的），"
            "这条规则要么从不触发，要么总是触发；请核对适用条件与跳转规则。"
        )
        return LintCode.NOT_RELEVANT, reason
    reason = _("在 %(samples)s 个符合跳转规则的代表性记录中这条规则从未触发。")
    return LintCode.NEVER_FIRES, reason
