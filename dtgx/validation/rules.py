"""Audit rules as data: rule-set files, their loading, and what a rule means.

A rule set is one YAML file in ``rulesets/`` (``national-2018.yaml``). Each
rule has an id, a kind, a severity (错误 blocks submission; 疑问 must be
verified and explained), the form kind and version range it audits, an
optional applicability condition ``applies_when``, a ``check`` that a good
record satisfies, a Chinese message saying how to fix the record, the items
to highlight, and passing and failing example records. Conditions are
written in the expression language of ``dtgx.questionnaires.expressions``
and parsed once, when the file is loaded; nothing is ever ``eval``-ed.

What a rule means
-----------------
Every evaluator (per record in Python, in bulk in SQL) implements exactly
this, with the three-valued (SQL) logic of the expression language, where
a missing value is NULL and ``""`` or blank text is missing too (FC-25)::

    finding  <=>  applies_when is TRUE  and  check is not TRUE

* ``applies_when`` missing (NULL) or FALSE: the rule does not apply, no
  finding. A rule without ``applies_when`` applies to every record.
* ``check`` FALSE: finding. ``check`` missing: finding as well, because a
  check that cannot be decided has not been passed. A rule that should
  stay silent when an operand is missing says ``on_missing: pass``; then
  ``finding <=> applies_when is TRUE and check is FALSE``.
* To treat a missing count as 0, write it: ``coalesce(x, 0)``. The default
  reports it (FC-25: "report as missing", never "treat as 0").

Examples, for ``check: population.certified_total <= population.registered``
with ``certified_total`` = 1::

    registered = 5            -> TRUE    no finding
    registered = 0            -> FALSE   finding
    registered = None, "", " " -> NULL   finding (on_missing: pass: none)

and for ``applies_when: age < 12`` with age missing: NULL, so the rule does
not apply, whatever the check says.

Names
-----
A condition reads, by name:

* the items of the audited form (``employment.form``);
* derived inputs: those of the form (``age``, ``category``, ``grade``,
  ``sex``, ``hukou``) and those the rule set declares under ``inputs``
  (``certificate_checksum_ok``, ``registry_status`` ...), computed outside
  the form from the certificate number, the registry and other sources;
* linked records, declared under ``linked_records``: ``community.<item>``
  (the community form of the person's village) and ``last.<item>`` (the
  same person's record of the previous round). A record without a linked
  record sees all of its names as missing.

Rule sets
---------
The national set is ``load_rule_set()``. A province adds its own rules in
its own file (ids ``P<code>-...``) with ``load_rule_set(province=path)``; it
cannot redefine, disable or weaken a national rule: trying is a load error.
Completeness rules (``C-<item id>``: a required item is blank where the
skip logic makes it relevant) and exclusive-option rules (``X-<item id>``:
"无" ticked together with another option) are generated from the form
definitions, not written by hand.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from dtgx.questionnaires.definitions import (
    FormKey,
    Item,
    Questionnaire,
    QuestionnaireNotFound,
    available_questionnaires,
    load_questionnaire,
)
from dtgx.questionnaires.expressions import (
    And,
    Call,
    Expr,
    Name,
    NameType,
    ParamValue,
    ParseError,
    Value,
    ValueKind,
    parse_expression,
    referenced_names,
)
from dtgx.validation import sampling

RULESETS_DIR = Path(__file__).resolve().parent / "rulesets"
NATIONAL = "national-2018"

_NATIONAL_ID = re.compile(r"[A-Z]{1,3}[0-9]{2,3}[a-z]?")
_PROVINCE_CODE = re.compile(r"[1-9][0-9]")
_INPUT_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
# White space that YAML folding leaves between two Chinese sentences.
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’"
_CJK_GAP = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}%])")
_FORBIDDEN_PROVINCE_KEYS = ("disable", "disabled", "remove", "override", "overrides")


class Severity(StrEnum):
    ERROR = "error"  # 错误: must be corrected, blocks submission
    QUERY = "query"  # 疑问: must be verified, with an explanation

    @property
    def label(self) -> str:
        return _("错误") if self is Severity.ERROR else _("疑问")


class RuleKind(StrEnum):
    IDENTITY = "identity"  # identity and certificate
    STATUS = "status"  # person status, survey method, structure
    GATED = "gated"  # age- and condition-gated items
    CONSISTENCY = "consistency"  # skip logic and consistency within the form
    CROSS_FORM = "cross_form"  # person against the village's community form
    CROSS_YEAR = "cross_year"  # against last round's record
    CROSS_SOURCE = "cross_source"  # against other departments' registers
    COMPLETENESS = "completeness"  # generated from the relevance logic


class OnMissing(StrEnum):
    FAIL = "fail"  # a check that is missing (NULL) raises a finding
    PASS = "pass"  # noqa: S105 (not a secret) a missing check raises nothing


class RuleSetError(ValueError):
    """A rule-set file that cannot be loaded; ``problems`` lists all."""

    def __init__(self, origin: str, problems: Iterable[str]) -> None:
        self.origin = origin
        self.problems = tuple(problems)
        heading = _("规则文件 %(origin)s 有 %(count)s 处错误：") % {
            "origin": origin,
            "count": len(self.problems),
        }
        super().__init__("\n- ".join((heading, *self.problems)))


@dataclass(frozen=True)
class Condition:
    """A condition's source text and its parsed tree."""

    text: str
    expr: Expr


@dataclass(frozen=True, eq=False)
class Example:
    """A partial record: names (as conditions use them) to values. Absent
    names are missing; a multi-select answer is a tuple of codes."""

    values: Mapping[str, object]


@dataclass(frozen=True)
class VersionRange:
    """Form versions ``first`` to ``last`` inclusive (``None``: open)."""

    first: str
    last: str | None = None

    def contains(self, version: str) -> bool:
        key = version_key(version)
        above = key >= version_key(self.first)
        return above and (self.last is None or key <= version_key(self.last))


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Orders versions part by part, numbers numerically: 2018 < 2018.1."""
    parts = re.split(r"[._-]", version)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


@dataclass(frozen=True, eq=False)
class Rule:
    """One audit rule (its meaning: see the module docstring).

    ``items`` are the item ids the entry screen highlights for a finding:
    as the file lists them, or by default the items of the rule's own form
    that its conditions read. ``message`` is the source text (Chinese),
    rendered by ``render_message``; ``message_args`` maps placeholders of
    generated rules to the names they stand for.
    """

    id: str
    title: str
    kind: RuleKind
    severity: Severity
    form: str
    versions: VersionRange
    applies_when: Condition | None
    check: Condition
    message: str
    items: tuple[str, ...]
    on_missing: OnMissing = OnMissing.FAIL
    passing: tuple[Example, ...] = ()
    failing: tuple[Example, ...] = ()
    origin: str = NATIONAL
    message_args: Mapping[str, str] = field(default_factory=dict)
    generated: bool = False

    @property
    def exprs(self) -> tuple[Expr, ...]:
        applies = () if self.applies_when is None else (self.applies_when.expr,)
        return (*applies, self.check.expr)

    @cached_property
    def names(self) -> frozenset[str]:
        """Every name the rule reads."""
        return frozenset(n for e in self.exprs for n in referenced_names(e))

    def applies_to(self, form: FormKey) -> bool:
        return form.kind == self.form and self.versions.contains(form.version)


@dataclass(frozen=True, eq=False)
class Input:
    """A derived input the rule set declares: computed outside the form
    (from the certificate number, the registry, other departments)."""

    id: str
    label: str
    kind: ValueKind
    forms: frozenset[str]
    explanation: str
    codes: Mapping[int, str] = field(default_factory=dict)
    decimal: bool = False  # a number that may have decimals

    @property
    def name_type(self) -> NameType:
        return NameType(self.kind, frozenset(self.codes))


@dataclass(frozen=True)
class LinkedRecord:
    """Another record a rule may read with ``<namespace>.<item id>``."""

    namespace: str
    form: FormKey
    forms: frozenset[str]
    label: str
    explanation: str

    @property
    def questionnaire(self) -> Questionnaire:
        return load_questionnaire(self.form.kind, self.form.version)


@dataclass(frozen=True, eq=False)
class RuleSet:
    """A loaded rule set: the national rules, any province's rules after
    them, and what those rules may read (``forms`` pins the form version of
    each kind; ``inputs``, ``linked`` and ``params`` add to the forms')."""

    name: str
    version: str
    title: str
    forms: Mapping[str, str]
    inputs: tuple[Input, ...]
    linked: tuple[LinkedRecord, ...]
    params: Mapping[str, ParamValue]
    rules: tuple[Rule, ...]
    origins: tuple[str, ...] = (NATIONAL,)

    def rules_for(self, form: FormKey) -> tuple[Rule, ...]:
        """The rules that audit records of ``form``, in file order."""
        return tuple(rule for rule in self.rules if rule.applies_to(form))

    def rule(self, rule_id: str) -> Rule:
        """The rule with ``rule_id``; ``KeyError`` if there is none."""
        return self._by_id[rule_id]

    @cached_property
    def _by_id(self) -> Mapping[str, Rule]:
        return MappingProxyType({rule.id: rule for rule in reversed(self.rules)})

    def inputs_for(self, kind: str) -> tuple[Input, ...]:
        return tuple(i for i in self.inputs if kind in i.forms)

    def linked_for(self, kind: str) -> tuple[LinkedRecord, ...]:
        return tuple(link for link in self.linked if kind in link.forms)

    def params_for(self, form: Questionnaire) -> Mapping[str, ParamValue]:
        """The form's parameters and the rule set's own."""
        return MappingProxyType({**form.params, **self.params})

    def name_types(self, form: Questionnaire) -> Mapping[str, NameType]:
        """What every name a rule on ``form`` may read holds."""
        return _name_types(self, form.key)

    def default_form(self, kind: str = "person") -> FormKey:
        return FormKey(kind, self.forms[kind])


@cache
def _name_types(rule_set: RuleSet, key: FormKey) -> Mapping[str, NameType]:
    form = load_questionnaire(key.kind, key.version)
    types: dict[str, NameType] = dict(form.name_types)
    types |= {i.id: i.name_type for i in rule_set.inputs_for(form.kind)}
    for link in rule_set.linked_for(form.kind):
        linked = link.questionnaire.name_types.items()
        types |= {f"{link.namespace}.{name}": t for name, t in linked}
    return MappingProxyType(types)


# --- Loading -----------------------------------------------------------------


def load_rule_set(
    national: str | Path = NATIONAL, province: str | Path | None = None
) -> RuleSet:
    """The national rule set (a name in ``rulesets/`` or a path), with the
    rules of a province file added. Parsed once per file content (cached).

    Raises ``RuleSetError`` listing every problem of the files: malformed
    entries, conditions that do not parse, and a province file that tries
    to redefine or disable a national rule or uses ids outside its own
    namespace. Semantic problems (unknown names, types, rules that can never
    fire) are the lint's business: see ``dtgx.validation.lint``.
    """
    path = _national_path(str(national))
    base = (path.name, _read_text(path))
    if province is None:
        return _load(base, None)
    province_path = Path(province)
    return _load(base, (province_path.name, _read_text(province_path)))


@cache
def _load(national: tuple[str, str], province: tuple[str, str] | None) -> RuleSet:
    reader = _RuleSetReader(national[0])
    base = reader.read(lambda: reader.national(_parse_yaml(*national)))
    if province is None:
        return base
    reader = _RuleSetReader(province[0])
    return reader.read(lambda: reader.province(_parse_yaml(*province), base))


def _national_path(national: str) -> Path:
    candidate = Path(national)
    if candidate.suffix in (".yaml", ".yml"):
        return candidate
    return RULESETS_DIR / f"{national}.yaml"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise RuleSetError(path.name, [_("无法读取文件。")]) from error


# libyaml's loader when the wheel has it: ten times faster than pure Python.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_yaml(origin: str, text: str) -> object:
    try:
        return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as error:
        raise RuleSetError(origin, [str(error)]) from error


class _Malformed(Exception):
    pass


_ROOT_KEYS = {
    "rule_set",
    "version",
    "title",
    "forms",
    "params",
    "inputs",
    "linked_records",
    "generated",
    "example_bases",  # YAML anchors shared by examples; not read otherwise
    "rules",
}
_PROVINCE_KEYS = {
    "province",
    "title",
    "version",
    "extends",
    "params",
    "inputs",
    "rules",
}
_RULE_KEYS = {
    "id",
    "title",
    "kind",
    "severity",
    "form",
    "versions",
    "applies_when",
    "check",
    "on_missing",
    "message",
    "items",
    "examples",
}
_INPUT_KEYS = {"id", "label", "type", "for", "codes", "explanation"}
_LINK_KEYS = {"form", "version", "for", "label", "explanation"}
_INPUT_KINDS = {
    "boolean": ValueKind.BOOLEAN,
    "code": ValueKind.CODE,
    "integer": ValueKind.NUMBER,
    "decimal": ValueKind.NUMBER,
    "text": ValueKind.TEXT,
    "date": ValueKind.DATE,
}


class _RuleSetReader:
    """Reads parsed YAML into a ``RuleSet``; collects every problem."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.problems: list[str] = []

    def read(self, build: Callable[[], RuleSet]) -> RuleSet:
        """``build()``, turning a malformed entry into ``RuleSetError``."""
        try:
            return build()
        except _Malformed:
            raise RuleSetError(self.origin, self.problems) from None

    def national(self, data: object) -> RuleSet:
        root = self._mapping(data, "/", _ROOT_KEYS)
        forms = {
            str(k): str(v) for k, v in self._mapping(root.get("forms"), "forms").items()
        }
        self._check_forms(forms)
        rules = [
            self._rule(entry, i, forms) for i, entry in enumerate(self._rules(root))
        ]
        for rule in rules:
            if rule is not None and not _NATIONAL_ID.fullmatch(rule.id):
                reason = _("全国规则的编号应为一至三个大写字母加两三位数字，如 SK12。")
                self._fail(rule.id, reason)
        rule_set = RuleSet(
            name=self._text(root, "rule_set", "/"),
            version=self._text(root, "version", "/"),
            title=self._text(root, "title", "/"),
            forms=MappingProxyType(forms),
            inputs=tuple(self._inputs(root.get("inputs", []))),
            linked=tuple(self._links(root.get("linked_records", {}))),
            params=MappingProxyType(self._params(root.get("params", {}))),
            rules=tuple(r for r in rules if r is not None),
        )
        self._raise_problems()
        generated = self._generated(root.get("generated", {}), rule_set)
        return _replace_rules(rule_set, (*rule_set.rules, *generated))

    def province(self, data: object, base: RuleSet) -> RuleSet:
        root = self._province_root(data)
        code = self._text(root, "province", "/")
        if not _PROVINCE_CODE.fullmatch(code):
            self._fail("/", _("province 应为两位省级代码，例如 43。"))
        extends = root.get("extends", base.name)
        if extends != base.name:
            reason = _("本文件补充的是 %(extends)s，而载入的全国规则是 %(name)s。")
            self._fail("/", reason % {"extends": extends, "name": base.name})
        rules = self._province_rules(root, code, base)
        inputs = self._province_inputs(root, base)
        params = self._province_params(root, base)
        self._raise_problems()
        return RuleSet(
            name=base.name,
            version=base.version,
            title=base.title,
            forms=base.forms,
            inputs=(*base.inputs, *inputs),
            linked=base.linked,
            params=MappingProxyType({**base.params, **params}),
            rules=(*base.rules, *rules),
            origins=(*base.origins, self.origin),
        )

    def _province_root(self, data: object) -> dict[str, object]:
        if isinstance(data, dict):
            for key in _FORBIDDEN_PROVINCE_KEYS:
                if key in data:
                    self._fail(
                        key,
                        _("省级规则文件只能增加规则，不能停用、删除或改写全国规则。"),
                    )
            self._raise_problems()
        return self._mapping(data, "/", _PROVINCE_KEYS)

    def _province_rules(
        self, root: Mapping[str, object], code: str, base: RuleSet
    ) -> list[Rule]:
        national_ids = {rule.id for rule in base.rules}
        prefix = f"P{code}-"
        rules: list[Rule] = []
        for index, entry in enumerate(self._rules(root)):
            rule = self._rule(entry, index, dict(base.forms))
            if rule is None:
                continue
            if rule.id in national_ids:
                reason = _(
                    "规则 %(id)s 是全国规则，省级文件不能重新定义或改写它；"
                    "请另起编号 %(prefix)s…。"
                )
                self._fail(rule.id, reason % {"id": rule.id, "prefix": prefix})
            elif not rule.id.startswith(prefix):
                reason = _("省级规则的编号必须以 %(prefix)s 开头。")
                self._fail(rule.id, reason % {"prefix": prefix})
            rules.append(rule)
        return rules

    def _province_inputs(
        self, root: Mapping[str, object], base: RuleSet
    ) -> list[Input]:
        known = {i.id for i in base.inputs}
        inputs = list(self._inputs(root.get("inputs", [])))
        for entry in inputs:
            if entry.id in known:
                reason = _("派生值 %(id)s 已由全国规则定义，不能改写。")
                self._fail(entry.id, reason % {"id": entry.id})
        return inputs

    def _province_params(
        self, root: Mapping[str, object], base: RuleSet
    ) -> dict[str, ParamValue]:
        params = self._params(root.get("params", {}))
        forms = [load_questionnaire(k, v) for k, v in base.forms.items()]
        taken = set(base.params).union(*(f.params for f in forms))
        for name in sorted(taken & set(params)):
            reason = _("参数 %(name)s 已由全国规则或登记表定义，不能改写。")
            self._fail(name, reason % {"name": name})
        return params

    # --- pieces

    def _rules(self, root: Mapping[str, object]) -> list[object]:
        entries = root.get("rules", [])
        if not isinstance(entries, list):
            self._fail("rules", _("应为列表。"))
            return []
        return entries

    def _rule(self, data: object, index: int, forms: Mapping[str, str]) -> Rule | None:
        where = f"rules[{index}]"
        try:
            fields = self._mapping(data, where, _RULE_KEYS)
            where = str(fields.get("id", where))
            return self._build_rule(fields, where, forms)
        except _Malformed:
            return None

    def _build_rule(
        self, fields: Mapping[str, object], where: str, forms: Mapping[str, str]
    ) -> Rule:
        kind = self._text(fields, "form", where, default="person")
        if kind not in forms:
            self._fail(where, _("规则集中没有登记表 %(kind)s。") % {"kind": kind})
        applies = self._condition(fields, "applies_when", where, optional=True)
        check = self._condition(fields, "check", where)
        if check is None:
            raise _Malformed
        examples = self._mapping(
            fields.get("examples", {}), f"{where}.examples", {"pass", "fail"}
        )
        rule = Rule(
            id=self._text(fields, "id", where),
            title=self._text(fields, "title", where),
            kind=self._choice(fields, "kind", where, RuleKind),
            severity=self._choice(fields, "severity", where, Severity),
            form=kind,
            versions=self._versions(fields.get("versions"), where, forms.get(kind, "")),
            applies_when=applies,
            check=check,
            message=_CJK_GAP.sub("", self._text(fields, "message", where)),
            items=(),
            on_missing=self._choice(
                fields, "on_missing", where, OnMissing, OnMissing.FAIL
            ),
            passing=self._examples(examples.get("pass", []), f"{where}.pass"),
            failing=self._examples(examples.get("fail", []), f"{where}.fail"),
            origin=self.origin,
        )
        items = fields.get("items")
        chosen = self._strings(items, f"{where}.items") if items is not None else None
        return _with_items(rule, forms, chosen)

    def _condition(
        self,
        fields: Mapping[str, object],
        key: str,
        where: str,
        *,
        optional: bool = False,
    ) -> Condition | None:
        text = fields.get(key)
        if text is None and optional:
            return None
        if not isinstance(text, str):
            self._fail(where, _("缺少 %(key)s 条件。") % {"key": key})
            return None
        try:
            return Condition(" ".join(text.split()), parse_expression(text))
        except ParseError as error:
            self._fail(where, f"{key}：{error}")
            return None

    def _versions(self, data: object, where: str, default: str) -> VersionRange:
        if data is None:
            return VersionRange(default)
        if isinstance(data, str | int):
            return VersionRange(str(data), str(data))
        fields = self._mapping(data, f"{where}.versions", {"from", "to"})
        last = fields.get("to")
        return VersionRange(
            str(fields.get("from", default)), None if last is None else str(last)
        )

    def _examples(self, data: object, where: str) -> tuple[Example, ...]:
        if not isinstance(data, list):
            self._fail(where, _("示例应为记录的列表。"))
            return ()
        examples = []
        for index, entry in enumerate(data):
            record = self._mapping(entry, f"{where}[{index}]")
            values = {str(k): _frozen(v) for k, v in record.items()}
            examples.append(Example(MappingProxyType(values)))
        return tuple(examples)

    def _inputs(self, data: object) -> Iterator[Input]:
        if not isinstance(data, list):
            self._fail("inputs", _("应为列表。"))
            return
        for index, entry in enumerate(data):
            try:
                yield self._input(entry, f"inputs[{index}]")
            except _Malformed:
                continue

    def _input(self, data: object, where: str) -> Input:
        fields = self._mapping(data, where, _INPUT_KEYS)
        input_id = self._text(fields, "id", where)
        if not _INPUT_ID.fullmatch(input_id):
            self._fail(input_id, _("派生值编号只能用小写英文蛇形命名。"))
        type_name = self._text(fields, "type", where)
        if type_name not in _INPUT_KINDS:
            allowed = ", ".join(_INPUT_KINDS)
            self._fail(input_id, _("type 只能是 %(allowed)s。") % {"allowed": allowed})
            raise _Malformed
        codes = self._codes(fields.get("codes"), input_id)
        return Input(
            id=input_id,
            label=self._text(fields, "label", where),
            kind=_INPUT_KINDS[type_name],
            forms=frozenset(
                self._strings(fields.get("for", ["person"]), f"{where}.for")
            ),
            explanation=self._text(fields, "explanation", where),
            codes=MappingProxyType(codes),
            decimal=type_name == "decimal",
        )

    def _codes(self, data: object, where: str) -> dict[int, str]:
        if data is None:
            return {}
        if not isinstance(data, dict) or not all(map(_is_int, data)):
            self._fail(where, _("代码表应为 {代码: 标签} 的键值表，代码为整数。"))
            raise _Malformed
        return {int(code): str(label) for code, label in data.items()}

    def _links(self, data: object) -> Iterator[LinkedRecord]:
        for namespace, entry in self._mapping(data, "linked_records").items():
            where = f"linked_records.{namespace}"
            try:
                fields = self._mapping(entry, where, _LINK_KEYS)
                form = FormKey(
                    self._text(fields, "form", where),
                    self._text(fields, "version", where),
                )
            except _Malformed:
                continue
            if form not in available_questionnaires():
                self._fail(
                    where, _("没有登记表定义 %(kind)s-%(version)s。") % form._asdict()
                )
                continue
            yield LinkedRecord(
                namespace=namespace,
                form=form,
                forms=frozenset(self._strings(fields.get("for", ["person"]), where)),
                label=self._text(fields, "label", where),
                explanation=self._text(fields, "explanation", where),
            )

    def _params(self, data: object) -> dict[str, ParamValue]:
        params: dict[str, ParamValue] = {}
        for name, value in self._mapping(data, "params").items():
            if _is_int(value):
                params[name] = value
            elif (
                isinstance(value, list) and len(value) == 2 and all(map(_is_int, value))
            ):
                params[name] = (value[0], value[1])
            else:
                self._fail(f"params.{name}", _("参数应为整数或 [下限, 上限]。"))
        return params

    def _check_forms(self, forms: Mapping[str, str]) -> None:
        for kind, version in forms.items():
            try:
                load_questionnaire(kind, version)
            except QuestionnaireNotFound as error:
                self._fail("forms", str(error))

    def _generated(self, data: object, rule_set: RuleSet) -> list[Rule]:
        fields = self._mapping(data, "generated", {"completeness", "exclusive_options"})
        self._raise_problems()
        found: list[Rule] = []
        for kind, version in rule_set.forms.items():
            form = load_questionnaire(kind, version)
            if fields.get("completeness"):
                found += completeness_rules(rule_set, form)
            if fields.get("exclusive_options"):
                found += exclusive_option_rules(rule_set, form)
        return found

    # --- primitives

    def _fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}：{message}")

    def _raise_problems(self) -> None:
        if self.problems:
            raise RuleSetError(self.origin, self.problems)

    def _mapping(
        self, data: object, where: str, allowed: set[str] | None = None
    ) -> dict[str, Any]:
        if data is None and allowed is None:
            return {}
        if not isinstance(data, dict):
            self._fail(where, _("应为键值表。"))
            raise _Malformed
        fields = {
            str(key) if not _is_int(key) else key: value for key, value in data.items()
        }
        unknown = sorted(
            str(k) for k in fields if allowed is not None and k not in allowed
        )
        if unknown:
            self._fail(where, _("未知的键 %(keys)s。") % {"keys": ", ".join(unknown)})
            raise _Malformed
        return fields

    def _text(
        self,
        fields: Mapping[str, object],
        key: str,
        where: str,
        *,
        default: str | None = None,
    ) -> str:
        value = fields.get(key, default)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self._fail(where, _("缺少 %(keys)s。") % {"keys": key})
            raise _Malformed
        return value.strip()

    def _strings(self, data: object, where: str) -> tuple[str, ...]:
        if not isinstance(data, list) or not all(isinstance(v, str) for v in data):
            self._fail(where, _("应为文本列表。"))
            raise _Malformed
        return tuple(data)

    def _choice(
        self,
        fields: Mapping[str, object],
        key: str,
        where: str,
        enum: Callable[[str], Any],
        default: Any = None,
    ) -> Any:
        value = fields.get(key)
        if value is None and default is not None:
            return default
        try:
            return enum(str(value))
        except ValueError:
            self._fail(
                where, _("%(key)s 的值 %(value)s 无效。") % {"key": key, "value": value}
            )
            raise _Malformed from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _frozen(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


def _replace_rules(rule_set: RuleSet, rules: tuple[Rule, ...]) -> RuleSet:
    return RuleSet(
        name=rule_set.name,
        version=rule_set.version,
        title=rule_set.title,
        forms=rule_set.forms,
        inputs=rule_set.inputs,
        linked=rule_set.linked,
        params=rule_set.params,
        rules=rules,
        origins=rule_set.origins,
    )


def _with_items(
    rule: Rule, forms: Mapping[str, str], chosen: tuple[str, ...] | None
) -> Rule:
    """The rule with its highlighted items: those chosen, or by default the
    items of its own form that its conditions read, in printed order."""
    if chosen is None:
        form = (
            load_questionnaire(rule.form, forms[rule.form])
            if rule.form in forms
            else None
        )
        ids = form.item_ids if form else frozenset()
        order = [i.id for i in form.items] if form else []
        chosen = tuple(i for i in order if i in rule.names and i in ids)
    return _evolve(rule, items=chosen)


def _evolve(rule: Rule, **changes: Any) -> Rule:
    fields = {name: getattr(rule, name) for name in rule.__dataclass_fields__}
    return Rule(**(fields | changes))


# --- Generated rules -----------------------------------------------------------

COMPLETENESS_MESSAGE = gettext_noop(
    "%(item)s按跳转规则应当回答，但目前为空：请向被调查人询问后补填。"
    "如果认为这道题不该回答，请先核对决定跳转的前面各题是否填错。"
)
EXCLUSIVE_MESSAGE = gettext_noop(
    "%(item)s中的“%(option)s”不能与其他选项同时勾选：请核实后只保留“%(option)s”，"
    "或者取消“%(option)s”、只保留实际有的选项。"
)


def completeness_rules(rule_set: RuleSet, form: Questionnaire) -> list[Rule]:
    """One error rule ``C-<item id>`` per required item of ``form``: the item
    is blank while its section's and its own relevance conditions hold."""
    return [
        _completeness_rule(rule_set, form, item) for item in form.items if item.required
    ]


def _completeness_rule(rule_set: RuleSet, form: Questionnaire, item: Item) -> Rule:
    conditions = form.conditions_of(item.id)
    applies = None
    if conditions:
        exprs = tuple(c.expr for c in conditions)
        text = " and ".join(f"({c.text})" for c in conditions)
        applies = Condition(text, exprs[0] if len(exprs) == 1 else And(exprs))
    check = Condition(f"answered({item.id})", Call("answered", (Name(item.id),)))
    rule = Rule(
        id=generated_id("C", form, item),
        title=_title(gettext_noop("必答项目未填"), item),
        kind=RuleKind.COMPLETENESS,
        severity=Severity.ERROR,
        form=form.kind,
        versions=VersionRange(form.version, form.version),
        applies_when=applies,
        check=check,
        message=COMPLETENESS_MESSAGE,
        items=(item.id,),
        origin=rule_set.name,
        message_args=MappingProxyType({"item": item.id}),
        generated=True,
    )
    return _with_generated_examples(rule_set, form, rule, item)


def exclusive_option_rules(rule_set: RuleSet, form: Questionnaire) -> list[Rule]:
    """One error rule ``X-<item id>`` per multi-select item with an
    exclusive option ("无"): that option may only be ticked alone."""
    return [
        _exclusive_rule(rule_set, form, item, code)
        for item in form.items
        for code in sorted(sampling.exclusive_codes(item))
    ]


def _exclusive_rule(
    rule_set: RuleSet, form: Questionnaire, item: Item, code: int
) -> Rule:
    text = f"not (selected({item.id}, {code}) and count_selected({item.id}) > 1)"
    rule = Rule(
        id=generated_id("X", form, item),
        title=_title(gettext_noop("排他选项与其他选项同选"), item),
        kind=RuleKind.CONSISTENCY,
        severity=Severity.ERROR,
        form=form.kind,
        versions=VersionRange(form.version, form.version),
        applies_when=Condition(
            f"answered({item.id})", parse_expression(f"answered({item.id})")
        ),
        check=Condition(text, parse_expression(text)),
        message=EXCLUSIVE_MESSAGE,
        items=(item.id,),
        origin=rule_set.name,
        message_args=MappingProxyType({"item": item.id, "option": f"{item.id}={code}"}),
        generated=True,
    )
    return _with_generated_examples(rule_set, form, rule, item)


def generated_id(prefix: str, form: Questionnaire, item: Item) -> str:
    """``C-<item id>`` for the person form, ``C-<kind>.<item id>`` for
    others: stable, because item ids never change meaning."""
    kind = "" if form.kind == "person" else f"{form.kind}."
    return f"{prefix}-{kind}{item.id}"


def _title(template: str, item: Item) -> str:
    return f"{template}：{item.number} {item.label}"


def _with_generated_examples(
    rule_set: RuleSet, form: Questionnaire, rule: Rule, item: Item
) -> Rule:
    """Find a record the skip logic allows in which ``item`` is relevant,
    and build a failing and a passing example from it (none if the item can
    never be relevant; the lint then reports the rule)."""
    found = _relevant_record(rule_set, form, item)
    if found is None:
        return rule
    failing, passing = _example_pair(rule, item, found)
    return _evolve(rule, failing=(failing,), passing=(passing,))


def _relevant_record(
    rule_set: RuleSet, form: Questionnaire, item: Item
) -> dict[str, Value] | None:
    closure = sampling.relevance_closure(form, [item.id])
    params = rule_set.params_for(form)
    types = rule_set.name_types(form)
    exprs = [c.expr for i in closure for c in form.conditions_of(i)]
    constants = sampling.Constants.of(exprs, params)
    names = sampling.closure_names(form, closure) - {item.id}
    domains = {n: _domain(form, n, types[n], constants) for n in names if n in types}
    seed = zlib.crc32(item.id.encode())

    def relevant(values: dict[str, Value]) -> bool:
        _visible, found = sampling.apply_skip_logic(form, values, closure, params)
        return item.id in found

    record = sampling.first_match(sampling.assignments(domains, seed=seed), relevant)
    if record is None:
        return None
    visible, _found = sampling.apply_skip_logic(form, record, closure, params)
    return visible


def _domain(
    form: Questionnaire, name: str, name_type: NameType, constants: sampling.Constants
) -> tuple[Value, ...]:
    item = form.item(name) if name in form.item_ids else None
    exclusive = sampling.exclusive_codes(item)
    return sampling.domain(name_type, constants, item=item, exclusive=exclusive)


def _example_pair(
    rule: Rule, item: Item, record: Mapping[str, Value]
) -> tuple[Example, Example]:
    base = {k: sampling.as_example_value(v) for k, v in record.items() if v is not None}
    base.pop(item.id, None)
    if rule.id.startswith("X-"):  # an exclusive-option rule
        codes = sorted(item.codes.codes) if item.codes else []
        exclusive = min(sampling.exclusive_codes(item))
        other = next(c for c in codes if c != exclusive)
        failing = {**base, item.id: (exclusive, other)}
        passing = {**base, item.id: (exclusive,)}
    else:
        failing = dict(base)
        passing = {
            **base,
            item.id: _frozen(sampling.as_example_value(sampling.sample_answer(item))),
        }
    return (
        Example(MappingProxyType({k: _frozen(v) for k, v in failing.items()})),
        Example(MappingProxyType({k: _frozen(v) for k, v in passing.items()})),
    )


# --- Messages --------------------------------------------------------------------


class _Labels(Mapping[str, str]):
    """Placeholder name -> text: an item id gives ``R17“残疾人就业形式”``, a
    linked item is prefixed with the linked record's label, an input gives
    its label, ``<item id>=<code>`` gives the option's label."""

    def __init__(
        self, rule_set: RuleSet, form: Questionnaire, args: Mapping[str, str]
    ) -> None:
        self._rule_set = rule_set
        self._form = form
        self._args = args

    def __getitem__(self, key: str) -> str:
        name = self._args.get(key, key)
        item_id, _sep, code = name.partition("=")
        if code:
            return self._option(item_id, code)
        return self._name(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def _name(self, name: str) -> str:
        if name in self._form.item_ids:
            return _item_label(self._form.item(name))
        for link in self._rule_set.linked_for(self._form.kind):
            prefix = f"{link.namespace}."
            linked = link.questionnaire
            if name.startswith(prefix) and name[len(prefix) :] in linked.item_ids:
                return link.label + _item_label(linked.item(name[len(prefix) :]))
        labels = {i.id: i.label for i in self._rule_set.inputs_for(self._form.kind)}
        labels |= {d.id: d.label for d in self._form.derived}
        if name in labels:
            return f"“{labels[name]}”"
        raise KeyError(name)

    def _option(self, item_id: str, code: str) -> str:
        item = self._form.item(item_id) if item_id in self._form.item_ids else None
        label = (
            item.codes.label_of(int(code))
            if item and item.codes and code.isdigit()
            else None
        )
        if label is None:
            raise KeyError(f"{item_id}={code}")
        return label


def _item_label(item: Item) -> str:
    return f"{item.number}“{item.label}”"


def render_message(rule_set: RuleSet, rule: Rule, form: Questionnaire) -> str:
    """The rule's message in the active language, with item placeholders
    (``%(employment.form)s``) replaced by their printed number and label.
    Raises ``KeyError`` for a placeholder that names nothing known."""
    labels = _Labels(rule_set, form, rule.message_args)
    return _(rule.message) % labels
