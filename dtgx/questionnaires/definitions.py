"""Versioned form definitions: load, validate and describe a questionnaire.

A form version is one YAML file in ``forms/``, named ``<kind>-<version>.yaml``
(``person-2018.yaml``). The file is the single source for the database
columns, the entry screen, the exchange schema and the references of audit
rules. ``load_questionnaire`` reads it into frozen dataclasses and refuses a
file with any problem, listing all of them at once.

Item ids are ``section.name`` in snake_case (``employment.is_employed``) and
never change meaning; printed numbers (``R16``) may differ between versions.

Column naming: the column of an item is its id with the dot replaced by an
underscore (``employment_is_employed``); each option of a multi-select item
gets a boolean column ``<item column>_<code>`` (``employment_help_received_6``).
A single underscore is used because Django refuses field names containing
``__``. The validator checks that every name is unique within the form and at
most 63 characters long (PostgreSQL's identifier limit).
"""

from __future__ import annotations

import keyword
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache, cached_property
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple, TypeVar

import yaml
from django.utils.translation import gettext as _

from dtgx.questionnaires.expressions import (
    CompiledExpr,
    Expr,
    NameType,
    Number,
    ParamValue,
    ParseError,
    ValueKind,
    check_types,
    compile_expr,
    parse_expression,
    referenced_names,
)

FORMS_DIR = Path(__file__).resolve().parent / "forms"
MAX_COLUMN_LENGTH = 63
MAX_CODE = 32767  # codes are stored as smallint
DEFAULT_MAX_DIGITS = 12
DEFAULT_DECIMAL_PLACES = 2

_SNAKE = r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*"
_ITEM_ID = re.compile(rf"{_SNAKE}\.{_SNAKE}")
_SIMPLE_ID = re.compile(_SNAKE)
_FILE_NAME = re.compile(r"(?P<kind>[a-z]+)-(?P<version>[0-9A-Za-z_.]+)\.yaml")

_Enum = TypeVar("_Enum", bound=StrEnum)


class ItemType(StrEnum):
    CODE = "code"  # single choice from a code list
    MULTI = "multi"  # multi-select: any number of options
    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"
    DATE = "date"
    IDENTIFIER = "identifier"  # an id or certificate number: text with a pattern


class Source(StrEnum):
    """Whether a fact comes from the reference or was reconstructed."""

    REFERENCE = "reference"
    INFERRED = "inferred"


_NAME_KINDS = {
    ItemType.CODE: ValueKind.CODE,
    ItemType.MULTI: ValueKind.MULTI,
    ItemType.INTEGER: ValueKind.NUMBER,
    ItemType.DECIMAL: ValueKind.NUMBER,
    ItemType.TEXT: ValueKind.TEXT,
    ItemType.IDENTIFIER: ValueKind.TEXT,
    ItemType.DATE: ValueKind.DATE,
}
_NUMERIC_TYPES = frozenset({ItemType.INTEGER, ItemType.DECIMAL})
_TEXT_TYPES = frozenset({ItemType.TEXT, ItemType.IDENTIFIER})
_CODED_TYPES = frozenset({ItemType.CODE, ItemType.MULTI})


@dataclass(frozen=True)
class Option:
    code: int
    label: str
    exclusive: bool = False  # "无"-type option: may not be ticked with others
    source: Source = Source.REFERENCE


@dataclass(frozen=True)
class CodeList:
    options: tuple[Option, ...]
    name: str | None = None  # set for the shared lists of ``code_lists``
    source: Source = Source.REFERENCE

    @cached_property
    def codes(self) -> frozenset[int]:
        return frozenset(option.code for option in self.options)

    @cached_property
    def exclusive_codes(self) -> frozenset[int]:
        return frozenset(option.code for option in self.options if option.exclusive)

    def label_of(self, code: int) -> str | None:
        """The label of ``code``, or ``None`` if the list has no such code."""
        return next((o.label for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class Condition:
    """A relevance condition: its source text and its parsed tree."""

    text: str
    expr: Expr


@dataclass(frozen=True)
class Item:
    id: str
    number: str
    label: str
    type: ItemType
    explanation: str
    required: bool = True  # must be answered whenever it is relevant
    codes: CodeList | None = None
    minimum: Number | None = None
    maximum: Number | None = None
    max_length: int | None = None
    pattern: str | None = None
    max_digits: int | None = None
    decimal_places: int | None = None
    relevant: Condition | None = None
    source: Source = Source.REFERENCE

    @property
    def section_id(self) -> str:
        return self.id.partition(".")[0]

    @property
    def column(self) -> str:
        return self.id.replace(".", "_")

    def option_column(self, code: int) -> str:
        return f"{self.column}_{code}"

    @property
    def name_type(self) -> NameType:
        codes = self.codes.codes if self.codes else frozenset()
        return NameType(_NAME_KINDS[self.type], codes)


@dataclass(frozen=True)
class DerivedInput:
    """A value computed from the person or village record, not asked on the
    form (age at the reference date, category, grade ...), which conditions
    and rules may read by its id."""

    id: str
    label: str
    type: ItemType
    explanation: str
    codes: CodeList | None = None
    minimum: Number | None = None
    maximum: Number | None = None
    source: Source = Source.REFERENCE

    @property
    def name_type(self) -> NameType:
        codes = self.codes.codes if self.codes else frozenset()
        return NameType(_NAME_KINDS[self.type], codes)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    items: tuple[Item, ...]
    letter: str | None = None  # A … H on the printed form
    relevant: Condition | None = None
    explanation: str = ""


class FormKey(NamedTuple):
    kind: str
    version: str


@dataclass(frozen=True)
class Questionnaire:
    kind: str
    version: str
    title: str
    form_number: str | None
    description: str
    params: Mapping[str, ParamValue]
    code_lists: Mapping[str, CodeList]
    derived: tuple[DerivedInput, ...]
    sections: tuple[Section, ...]

    @property
    def key(self) -> FormKey:
        return FormKey(self.kind, self.version)

    @cached_property
    def items(self) -> tuple[Item, ...]:
        """All items in printed order."""
        return tuple(item for section in self.sections for item in section.items)

    @cached_property
    def item_ids(self) -> frozenset[str]:
        return frozenset(item.id for item in self.items)

    @cached_property
    def _items_by_id(self) -> Mapping[str, Item]:
        return MappingProxyType({item.id: item for item in self.items})

    @cached_property
    def _sections_by_item(self) -> Mapping[str, Section]:
        pairs = ((i.id, s) for s in self.sections for i in s.items)
        return MappingProxyType(dict(pairs))

    def item(self, item_id: str) -> Item:
        """The item with id ``item_id``; ``KeyError`` if there is none."""
        return self._items_by_id[item_id]

    def section_of(self, item_id: str) -> Section:
        return self._sections_by_item[item_id]

    @cached_property
    def name_types(self) -> Mapping[str, NameType]:
        """What each name a condition may read holds (items and derived)."""
        types = {d.id: d.name_type for d in self.derived}
        types |= {item.id: item.name_type for item in self.items}
        return MappingProxyType(types)

    def conditions_of(self, item_id: str) -> tuple[Condition, ...]:
        """The section's and the item's own relevance conditions, in order."""
        return self._conditions[item_id]

    @cached_property
    def _conditions(self) -> Mapping[str, tuple[Condition, ...]]:
        found = {
            item.id: tuple(c for c in (s.relevant, item.relevant) if c is not None)
            for s in self.sections
            for item in s.items
        }
        return MappingProxyType(found)

    @cached_property
    def relevance_order(self) -> tuple[str, ...]:
        """Item ids ordered so that every item comes after the items its
        conditions read (printed order where possible)."""
        order, _cycle = _dependency_order(self)
        return order

    @cached_property
    def compiled_relevance(self) -> tuple[tuple[str, tuple[CompiledExpr, ...]], ...]:
        """``relevance_order`` with each item's conditions compiled with the
        form's parameters (``compile_expr``), to apply the skip logic fast."""
        compiled: dict[int, CompiledExpr] = {}  # a section's condition once

        def compile_condition(condition: Condition) -> CompiledExpr:
            if id(condition) not in compiled:
                compiled[id(condition)] = compile_expr(condition.expr, self.params)
            return compiled[id(condition)]

        return tuple(
            (item_id, tuple(map(compile_condition, self.conditions_of(item_id))))
            for item_id in self.relevance_order
        )


# --- Loading ------------------------------------------------------------------


class DefinitionError(ValueError):
    """A definition file with problems; ``problems`` lists every one."""

    def __init__(self, origin: str, problems: Iterable[str]) -> None:
        self.origin = origin
        self.problems = tuple(problems)
        heading = _("登记表定义 %(origin)s 有 %(count)s 处错误：") % {
            "origin": origin,
            "count": len(self.problems),
        }
        super().__init__("\n- ".join((heading, *self.problems)))


class QuestionnaireNotFound(LookupError):
    pass


def available_questionnaires() -> tuple[FormKey, ...]:
    """The (kind, version) of every definition file, sorted."""
    matches = (_FILE_NAME.fullmatch(path.name) for path in FORMS_DIR.glob("*.yaml"))
    keys = (FormKey(m["kind"], m["version"]) for m in matches if m)
    return tuple(sorted(keys))


@cache
def load_questionnaire(kind: str, version: str) -> Questionnaire:
    """Load and validate ``forms/<kind>-<version>.yaml`` (cached).

    Raises ``QuestionnaireNotFound`` for an unknown form and
    ``DefinitionError`` for a file with problems.
    """
    if FormKey(kind, version) not in available_questionnaires():
        message = _("没有登记表定义 %(kind)s-%(version)s。")
        raise QuestionnaireNotFound(message % {"kind": kind, "version": version})
    path = FORMS_DIR / f"{kind}-{version}.yaml"
    questionnaire = build_questionnaire(_read_yaml(path), origin=path.name)

    if questionnaire.key != (kind, version):
        problem = _("文件名与其中的 kind/version 不一致。")
        raise DefinitionError(path.name, [problem])
    return questionnaire


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise DefinitionError(path.name, [str(error)]) from error


def build_questionnaire(data: object, *, origin: str) -> Questionnaire:
    """Build a questionnaire from parsed YAML data and validate it.

    Raises ``DefinitionError`` with every problem found: first the shape of
    the data (the first malformed entry stops the build), then everything
    ``check_questionnaire`` finds.
    """
    builder = _Builder()
    try:
        questionnaire = builder.questionnaire(data)
    except _Malformed as error:
        raise DefinitionError(origin, [str(error)]) from None

    problems = builder.problems + check_questionnaire(questionnaire)
    if problems:
        raise DefinitionError(origin, problems)
    return questionnaire


class _Malformed(Exception):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}：{message}")


_ROOT_KEYS = {
    "kind",
    "version",
    "title",
    "form_number",
    "description",
    "params",
    "code_lists",
    "derived",
    "sections",
}
_SECTION_KEYS = {"id", "letter", "title", "relevant", "explanation", "items"}
_ITEM_KEYS = {
    "id",
    "number",
    "label",
    "type",
    "codes",
    "min",
    "max",
    "max_length",
    "pattern",
    "max_digits",
    "decimal_places",
    "required",
    "relevant",
    "explanation",
    "source",
}
_DERIVED_KEYS = {"id", "label", "type", "codes", "min", "max", "explanation", "source"}
_CODE_LIST_KEYS = {"options", "source"}
_OPTION_KEYS = {"code", "label", "exclusive", "source"}


class _Builder:
    """Reads parsed YAML into dataclasses; shape errors raise ``_Malformed``,
    condition parse errors are collected in ``problems``."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._code_lists: dict[str, CodeList] = {}

    def questionnaire(self, data: object) -> Questionnaire:
        required = {"kind", "version", "title", "sections"}
        root = _fields(data, "/", _ROOT_KEYS, required=required)
        lists = _fields(root.get("code_lists", {}), "code_lists", None)
        self._code_lists = {
            name: self._code_list(value, f"code_lists.{name}", name=name)
            for name, value in lists.items()
        }
        sections = _sequence(root.get("sections"), "sections")
        derived = _sequence(root.get("derived", []), "derived")
        return Questionnaire(
            kind=_text(root, "kind", "/"),
            version=_text(root, "version", "/"),
            title=_text(root, "title", "/"),
            form_number=_optional_text(root, "form_number", "/"),
            description=_optional_text(root, "description", "/") or "",
            params=MappingProxyType(_params(root.get("params", {}))),
            code_lists=MappingProxyType(self._code_lists),
            derived=tuple(self._derived(entry, i) for i, entry in enumerate(derived)),
            sections=tuple(self._section(entry, i) for i, entry in enumerate(sections)),
        )

    def _section(self, data: object, index: int) -> Section:
        where = f"sections[{index}]"
        fields = _fields(data, where, _SECTION_KEYS, required={"id", "title", "items"})
        where = f"{where}（{fields['id']}）"
        items = _sequence(fields["items"], f"{where}.items")
        return Section(
            id=_text(fields, "id", where),
            title=_text(fields, "title", where),
            items=tuple(self._item(entry, where, i) for i, entry in enumerate(items)),
            letter=_optional_text(fields, "letter", where),
            relevant=self._condition(fields, where),
            explanation=_optional_text(fields, "explanation", where) or "",
        )

    def _item(self, data: object, section: str, index: int) -> Item:
        where = f"{section}.items[{index}]"
        required = {"id", "number", "label", "type", "explanation"}
        fields = _fields(data, where, _ITEM_KEYS, required=required)
        where = f"{where}（{fields['id']}）"
        item_type = _choice(fields, "type", where, ItemType)
        max_digits, decimal_places = _decimal_shape(fields, where, item_type)
        return Item(
            id=_text(fields, "id", where),
            number=_text(fields, "number", where),
            label=_text(fields, "label", where),
            type=item_type,
            explanation=_text(fields, "explanation", where),
            required=_flag(fields, "required", where, default=True),
            codes=self._codes(fields, where),
            minimum=_number(fields, "min", where),
            maximum=_number(fields, "max", where),
            max_length=_optional_int(fields, "max_length", where),
            pattern=_optional_text(fields, "pattern", where),
            max_digits=max_digits,
            decimal_places=decimal_places,
            relevant=self._condition(fields, where),
            source=_choice(fields, "source", where, Source, Source.REFERENCE),
        )

    def _derived(self, data: object, index: int) -> DerivedInput:
        where = f"derived[{index}]"
        required = {"id", "label", "type", "explanation"}
        fields = _fields(data, where, _DERIVED_KEYS, required=required)
        return DerivedInput(
            id=_text(fields, "id", where),
            label=_text(fields, "label", where),
            type=_choice(fields, "type", where, ItemType),
            explanation=_text(fields, "explanation", where),
            codes=self._codes(fields, where),
            minimum=_number(fields, "min", where),
            maximum=_number(fields, "max", where),
            source=_choice(fields, "source", where, Source, Source.REFERENCE),
        )

    def _codes(self, fields: Mapping[str, object], where: str) -> CodeList | None:
        value = fields.get("codes")
        if value is None:
            return None
        if not isinstance(value, str):
            return self._code_list(value, f"{where}.codes")
        if value not in self._code_lists:
            message = _("未定义的代码表 %(name)s。") % {"name": value}
            raise _Malformed(f"{where}.codes", message)
        return self._code_lists[value]

    def _code_list(self, data: object, where: str, name: str | None = None) -> CodeList:
        fields = _fields(data, where, _CODE_LIST_KEYS, required={"options"})
        source = _choice(fields, "source", where, Source, Source.REFERENCE)
        entries = _sequence(fields["options"], f"{where}.options")
        options = (
            _option(entry, f"{where}.options[{i}]", source)
            for i, entry in enumerate(entries)
        )
        return CodeList(tuple(options), name=name, source=source)

    def _condition(self, fields: Mapping[str, object], where: str) -> Condition | None:
        text = _optional_text(fields, "relevant", where)
        if text is None:
            return None
        try:
            return Condition(text, parse_expression(text))
        except ParseError as error:
            self.problems.append(f"{where}.relevant：{error}")
            return None


def _option(data: object, where: str, default_source: Source) -> Option:
    fields = _fields(data, where, _OPTION_KEYS, required={"code", "label"})
    code = fields["code"]
    if not isinstance(code, int) or isinstance(code, bool):
        raise _Malformed(where, _("代码必须是整数。"))
    return Option(
        code=code,
        label=_text(fields, "label", where),
        exclusive=_flag(fields, "exclusive", where, default=False),
        source=_choice(fields, "source", where, Source, default_source),
    )


def _decimal_shape(
    fields: Mapping[str, object], where: str, item_type: ItemType
) -> tuple[int | None, int | None]:
    """(max_digits, decimal_places); decimal items get defaults."""
    digits = _optional_int(fields, "max_digits", where)
    places = _optional_int(fields, "decimal_places", where)
    if item_type != ItemType.DECIMAL:
        return digits, places  # check_questionnaire reports them if set
    return (
        DEFAULT_MAX_DIGITS if digits is None else digits,
        DEFAULT_DECIMAL_PLACES if places is None else places,
    )


def _params(data: object) -> dict[str, ParamValue]:
    fields = _fields(data, "params", None)
    params: dict[str, ParamValue] = {}
    for name, value in fields.items():
        where = f"params.{name}"
        if isinstance(value, list):
            if len(value) != 2:
                raise _Malformed(where, _("区间参数必须是 [下限, 上限]。"))
            params[name] = (_to_number(value[0], where), _to_number(value[1], where))
        else:
            params[name] = _to_number(value, where)
    return params


def _fields(
    data: object,
    where: str,
    allowed: set[str] | None,
    required: Iterable[str] = (),
) -> dict[str, object]:
    """``data`` as a mapping with text keys; ``allowed=None`` allows any key."""
    if not isinstance(data, dict):
        raise _Malformed(where, _("应为键值表。"))
    fields = {str(key): value for key, value in data.items()}
    unknown = sorted(set(fields) - allowed) if allowed is not None else []
    if unknown:
        message = _("未知的键 %(keys)s。") % {"keys": ", ".join(unknown)}
        raise _Malformed(where, message)
    absent = [key for key in required if fields.get(key) is None]
    if absent:
        message = _("缺少 %(keys)s。") % {"keys": ", ".join(absent)}
        raise _Malformed(where, message)
    return fields


def _sequence(data: object, where: str) -> list[object]:
    if not isinstance(data, list):
        raise _Malformed(where, _("应为列表。"))
    return data


def _text(fields: Mapping[str, object], key: str, where: str) -> str:
    value = _optional_text(fields, key, where)
    if value is None:
        raise _Malformed(where, _("缺少 %(keys)s。") % {"keys": key})
    return value


def _optional_text(fields: Mapping[str, object], key: str, where: str) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _Malformed(where, _("%(key)s 应为文本。") % {"key": key})
    return str(value).strip()


def _flag(fields: Mapping[str, object], key: str, where: str, *, default: bool) -> bool:
    value = fields.get(key, default)
    if not isinstance(value, bool):
        raise _Malformed(where, _("%(key)s 应为 true 或 false。") % {"key": key})
    return value


def _optional_int(fields: Mapping[str, object], key: str, where: str) -> int | None:
    value = fields.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise _Malformed(where, _("%(key)s 应为整数。") % {"key": key})
    return value


def _number(fields: Mapping[str, object], key: str, where: str) -> Number | None:
    value = fields.get(key)
    return None if value is None else _to_number(value, f"{where}.{key}")


def _to_number(value: object, where: str) -> Number:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float | str):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = Decimal("NaN")
        if number.is_finite():
            return number
    raise _Malformed(where, _("应为数值。"))


def _choice(
    fields: Mapping[str, object],
    key: str,
    where: str,
    enum: type[_Enum],
    default: _Enum | None = None,
) -> _Enum:
    value = fields.get(key)
    if value is None and default is not None:
        return default
    try:
        return enum(str(value))
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        message = _("%(key)s 只能是 %(allowed)s。") % {"key": key, "allowed": allowed}
        raise _Malformed(where, message) from None


# --- Validation -----------------------------------------------------------------


def check_questionnaire(questionnaire: Questionnaire) -> list[str]:
    """Every problem of a built questionnaire, as Chinese messages.

    Checks ids and their uniqueness, printed numbers, column names, code
    lists (duplicate codes, exclusive options only in multi items), ranges,
    text lengths and patterns, parameters, and every condition: known names
    and parameters, types, and no circular dependencies.
    """
    return [
        *_check_identity(questionnaire),
        *_check_columns(questionnaire),
        *_check_params(questionnaire),
        *(p for item in questionnaire.items for p in _check_item(item)),
        *(p for d in questionnaire.derived for p in _check_derived(d)),
        *_check_conditions(questionnaire),
    ]


def _duplicates(values: Iterable[str]) -> list[str]:
    counts = Counter(values)
    return sorted(value for value, count in counts.items() if count > 1)


def _check_identity(questionnaire: Questionnaire) -> list[str]:
    items, derived = questionnaire.items, questionnaire.derived
    problems = [
        _("项目编号 %(id)s 不是“节.名称”形式的小写英文蛇形命名。") % {"id": item.id}
        for item in items
        if not _valid_id(item.id, _ITEM_ID)
    ]
    problems += [
        _("名称 %(id)s 不是小写英文蛇形命名。") % {"id": name}
        for name in [s.id for s in questionnaire.sections] + [d.id for d in derived]
        if not _valid_id(name, _SIMPLE_ID)
    ]
    problems += [
        _("项目 %(id)s 不属于它所在的节 %(section)s。")
        % {"id": item.id, "section": section.id}
        for section in questionnaire.sections
        for item in section.items
        if item.section_id != section.id
    ]
    problems += _check_unique(questionnaire)
    return problems


def _valid_id(name: str, pattern: re.Pattern[str]) -> bool:
    parts = name.split(".")
    return bool(pattern.fullmatch(name)) and not any(map(keyword.iskeyword, parts))


def _check_unique(questionnaire: Questionnaire) -> list[str]:
    ids = [item.id for item in questionnaire.items]
    names = ids + [d.id for d in questionnaire.derived]
    numbers = [item.number for item in questionnaire.items]
    sections = [section.id for section in questionnaire.sections]
    repeated = (
        (_("项目或派生值编号 %(value)s 重复。"), _duplicates(names)),
        (_("题号 %(value)s 重复。"), _duplicates(numbers)),
        (_("节编号 %(value)s 重复。"), _duplicates(sections)),
    )
    return [message % {"value": v} for message, values in repeated for v in values]


def _check_columns(questionnaire: Questionnaire) -> list[str]:
    names = [spec.name for spec in column_specs(questionnaire)]
    too_long = [
        _("列名 %(name)s 超过 %(limit)s 个字符。")
        % {"name": name, "limit": MAX_COLUMN_LENGTH}
        for name in names
        if len(name) > MAX_COLUMN_LENGTH
    ]
    clashes = [
        _("列名 %(name)s 重复。") % {"name": name} for name in _duplicates(names)
    ]
    return too_long + clashes


def _check_params(questionnaire: Questionnaire) -> list[str]:
    return [
        _("区间参数 %(name)s 的下限大于上限。") % {"name": name}
        for name, value in questionnaire.params.items()
        if isinstance(value, tuple) and value[0] > value[1]
    ]


def _check_item(item: Item) -> list[str]:
    where = _("项目 %(id)s（%(number)s）：") % {"id": item.id, "number": item.number}
    problems = [
        *_check_codes(item.type, item.codes),
        *_check_range(item.type, item.minimum, item.maximum),
        *_check_shape(item),
    ]
    if not item.label:
        problems.append(_("缺少标签。"))
    return [where + problem for problem in problems]


def _check_derived(derived: DerivedInput) -> list[str]:
    where = _("派生值 %(id)s：") % {"id": derived.id}
    problems = [
        *_check_codes(derived.type, derived.codes),
        *_check_range(derived.type, derived.minimum, derived.maximum),
    ]
    if derived.type in (ItemType.MULTI, ItemType.IDENTIFIER):
        problems.append(_("派生值不能是多选或标识号。"))
    return [where + problem for problem in problems]


def _check_codes(item_type: ItemType, codes: CodeList | None) -> list[str]:
    if item_type not in _CODED_TYPES:
        return [_("只有代码项和多选项可以有代码表。")] if codes else []
    if codes is None or not codes.options:
        return [_("代码项和多选项必须有代码表。")]
    values = [option.code for option in codes.options]
    problems = [
        _("代码 %(value)s 重复。") % {"value": code}
        for code in _duplicates(map(str, values))
    ]
    problems += [
        _("代码 %(code)s 超出 0 到 %(limit)s 的范围。")
        % {"code": code, "limit": MAX_CODE}
        for code in values
        if not 0 <= code <= MAX_CODE
    ]
    problems += [
        _("选项 %(code)s 缺少标签。") % {"code": option.code}
        for option in codes.options
        if not option.label
    ]
    if codes.exclusive_codes and item_type != ItemType.MULTI:
        problems.append(_("只有多选项可以有排他选项（如“无”）。"))
    return problems


def _check_range(
    item_type: ItemType, minimum: Number | None, maximum: Number | None
) -> list[str]:
    if minimum is None and maximum is None:
        return []
    if item_type not in _NUMERIC_TYPES:
        return [_("只有整数项和小数项可以设定取值范围。")]
    if item_type == ItemType.INTEGER and not all(
        isinstance(bound, int) for bound in (minimum, maximum) if bound is not None
    ):
        return [_("整数项的取值范围必须是整数。")]
    if minimum is not None and maximum is not None and minimum > maximum:
        return [
            _("取值范围的下限 %(min)s 大于上限 %(max)s。")
            % {"min": minimum, "max": maximum}
        ]
    return []


def _check_shape(item: Item) -> list[str]:
    problems: list[str] = []
    if item.type in _TEXT_TYPES and (item.max_length or 0) <= 0:
        problems.append(_("文本项和标识号项必须设定正的最大长度 max_length。"))
    if item.type not in _TEXT_TYPES and (item.max_length or item.pattern):
        problems.append(_("只有文本项和标识号项可以设定 max_length 和 pattern。"))
    if item.pattern is not None and not _compiles(item.pattern):
        problems.append(_("pattern 不是有效的正则表达式。"))
    if item.type == ItemType.DECIMAL and not _sane_digits(item):
        problems.append(_("小数位数必须在 0 与总位数之间，总位数不超过 30。"))
    shaped = item.max_digits is not None or item.decimal_places is not None
    if item.type != ItemType.DECIMAL and shaped:
        problems.append(_("只有小数项可以设定 max_digits 和 decimal_places。"))
    return problems


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def _sane_digits(item: Item) -> bool:
    digits, places = item.max_digits or 0, item.decimal_places or 0
    return 0 < digits <= 30 and 0 <= places <= digits


def _check_conditions(questionnaire: Questionnaire) -> list[str]:
    problems: list[str] = []
    for owner, condition in _all_conditions(questionnaire):
        issues = check_types(
            condition.expr,
            questionnaire.name_types,
            params=questionnaire.params,
        )
        problems += [
            _("%(owner)s 的条件“%(text)s”：%(issue)s")
            % {"owner": owner, "text": condition.text, "issue": issue.message}
            for issue in issues
        ]
    _order, cycle = _dependency_order(questionnaire)
    if cycle:
        message = _("以下项目的条件相互引用，形成循环：%(items)s。")
        problems.append(message % {"items": ", ".join(cycle)})
    return problems


def _all_conditions(questionnaire: Questionnaire) -> list[tuple[str, Condition]]:
    found = [(s.id, s.relevant) for s in questionnaire.sections]
    found += [(i.id, i.relevant) for i in questionnaire.items]
    return [(owner, condition) for owner, condition in found if condition]


def _dependency_order(
    questionnaire: Questionnaire,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(order, cycle): items sorted after what their conditions read, in
    printed order where possible; ``cycle`` lists items that could not be
    placed because their conditions depend on each other."""
    known = {item.id for item in questionnaire.items}
    needs = {
        item.id: frozenset(
            name
            for condition in questionnaire.conditions_of(item.id)
            for name in referenced_names(condition.expr)
            if name in known
        )
        for item in questionnaire.items
    }
    placed: dict[str, None] = {}
    pending = [item.id for item in questionnaire.items]
    while pending:
        ready = next((i for i in pending if needs[i] <= placed.keys()), None)
        if ready is None:
            return tuple(placed), tuple(pending)
        placed[ready] = None
        pending.remove(ready)
    return tuple(placed), ()


# --- Database columns -----------------------------------------------------------


class ColumnKind(StrEnum):
    SMALLINT = "smallint"
    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"
    DATE = "date"
    BOOL = "bool"


@dataclass(frozen=True)
class ColumnSpec:
    """One typed database column of a record table.

    Every item column is nullable: an item that does not apply (skip logic) or
    is not yet answered is NULL, never 0 or ''. The option columns of a
    multi-select item are all NULL while the item is unanswered and TRUE or
    FALSE once it is answered.
    """

    name: str
    kind: ColumnKind
    item_id: str
    label: str
    nullable: bool = True
    max_length: int | None = None
    max_digits: int | None = None
    decimal_places: int | None = None
    option_code: int | None = None


_COLUMN_KINDS = {
    ItemType.CODE: ColumnKind.SMALLINT,
    ItemType.INTEGER: ColumnKind.INTEGER,
    ItemType.DECIMAL: ColumnKind.DECIMAL,
    ItemType.TEXT: ColumnKind.TEXT,
    ItemType.IDENTIFIER: ColumnKind.TEXT,
    ItemType.DATE: ColumnKind.DATE,
}


def column_specs(questionnaire: Questionnaire) -> tuple[ColumnSpec, ...]:
    """The columns of the form's record table, in printed order."""
    return tuple(spec for item in questionnaire.items for spec in _item_columns(item))


def _item_columns(item: Item) -> list[ColumnSpec]:
    label = f"{item.number} {item.label}"
    if item.type != ItemType.MULTI:
        spec = ColumnSpec(
            name=item.column,
            kind=_COLUMN_KINDS[item.type],
            item_id=item.id,
            label=label,
            max_length=item.max_length if item.type in _TEXT_TYPES else None,
            max_digits=item.max_digits,
            decimal_places=item.decimal_places,
        )
        return [spec]
    options = item.codes.options if item.codes else ()
    return [
        ColumnSpec(
            name=item.option_column(option.code),
            kind=ColumnKind.BOOL,
            item_id=item.id,
            label=f"{label}：{option.label}",
            option_code=option.code,
        )
        for option in options
    ]
