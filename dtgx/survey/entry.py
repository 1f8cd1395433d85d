"""The entry screen's model: inputs generated from the form definition, the
typed answers read back from a submitted page, and the data the browser
needs to apply the skip logic as the clerk types.

Views build an ``EntryPage`` and hand the answers to the services, which
stay the authority: the browser hides what does not apply, the server's
``clean_answers`` decides what is stored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dtgx.identity import mask_id_number, normalize_identifier
from dtgx.questionnaires.definitions import Item, ItemType, Questionnaire, Section
from dtgx.questionnaires.export import skip_logic_to_json, value_to_json
from dtgx.questionnaires.expressions import EvaluationError, Value, normalize_value
from dtgx.questionnaires.relevance import relevant_items
from dtgx.questionnaires.wording import section_instruction, skip_instruction
from dtgx.survey.answers import PUBLIC_IDENTIFIERS
from dtgx.survey.services import COLLECTOR_ITEM, DATE_ITEM, METHOD_ITEM, REGION_ITEM

# Items a new person form takes over from the previous one saved in the
# same browser tab: a batch of paper forms shares its collector and date.
CARRIED_ITEMS = (COLLECTOR_ITEM, DATE_ITEM)

# Fields of the correction block, which are not items of the form.
REASON_FIELD = "correction_reason"
RESPONSIBLE_FIELD = "correction_responsible"
VERSION_FIELD = "expected_version"

_DIGITS = re.compile(r"[0-9]+")
_INTEGER = re.compile(r"-?[0-9]+")
_SEPARATORS = re.compile(r"[\s,，、;；/]+")
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_WRITTEN_DATE = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?")


class InputError(ValueError):
    """What a clerk typed cannot be read as an answer of the item."""


# --- reading inputs ----------------------------------------------------------


def input_text(item: Item, value: Value) -> str:
    """The text an input shows for a stored or prefilled value."""
    if value is None:
        return ""
    if isinstance(value, frozenset):
        return " ".join(str(code) for code in sorted(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def parse_input(item: Item, text: str) -> Value:
    """The answer a clerk typed into ``item``'s input; ``None`` when blank.

    Codes, numbers, dates and identifiers are read after folding full-width
    characters (a Chinese input method types ``１``); names and other text
    are only stripped. Unknown codes and values out of range are left for
    ``clean_answers`` to report; what cannot be read at all raises
    ``InputError`` with a message for the clerk."""
    if item.type == ItemType.TEXT:
        return text.strip() or None
    folded = unicodedata.normalize("NFKC", text).strip()
    if not folded:
        return None
    reader = _READERS[item.type]
    return reader(item, folded)


def _code(item: Item, text: str) -> Value:
    if not _DIGITS.fullmatch(text):
        raise InputError(_("请填写代码表中的代码（数字）。"))
    return int(text)


def _codes(item: Item, text: str) -> Value:
    tokens = [token for token in _SEPARATORS.split(text) if token]
    single_digit = item.codes is not None and all(c < 10 for c in item.codes.codes)
    if single_digit:
        tokens = [digit for token in tokens for digit in token]
    if not all(_DIGITS.fullmatch(token) for token in tokens):
        raise InputError(_("请填写所选各项的代码，用空格隔开。"))
    return frozenset(int(token) for token in tokens) or None


def _integer(item: Item, text: str) -> Value:
    if not _INTEGER.fullmatch(text):
        raise InputError(_("请填写整数。"))
    return int(text)


def _decimal(item: Item, text: str) -> Value:
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise InputError(_("请填写数值。"))
    return number


def _date(item: Item, text: str) -> Value:
    match = _COMPACT_DATE.fullmatch(text) or _WRITTEN_DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise InputError(_("请按 2025-07-15 或 20250715 的格式填写日期。")) from None


def _identifier(item: Item, text: str) -> Value:
    value = normalize_identifier(text)
    if item.pattern and not re.search(item.pattern, value):
        raise InputError(_("号码的位数或格式不对，请对照登记表核对。"))
    return value


_READERS = {
    ItemType.CODE: _code,
    ItemType.MULTI: _codes,
    ItemType.INTEGER: _integer,
    ItemType.DECIMAL: _decimal,
    ItemType.DATE: _date,
    ItemType.IDENTIFIER: _identifier,
}


@dataclass(frozen=True)
class ParsedAnswers:
    """A submitted page: the answers (every item not filled by the system;
    ``None`` where blank or hidden), the texts to show again, and the
    inputs that could not be read, by item id."""

    answers: dict[str, Value]
    texts: dict[str, str]
    errors: dict[str, list[str]]


def parse_answers(
    form: Questionnaire,
    data: Mapping[str, str],
    *,
    kept: Mapping[str, Value],
) -> ParsedAnswers:
    """Read every input of the page. An input absent from ``data`` (the
    browser does not send hidden, disabled inputs) is ``None``. ``kept``
    maps the masked identifiers to the value a blank input keeps."""
    answers: dict[str, Value] = {}
    texts: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for item in form.items:
        if item.id == REGION_ITEM:
            continue  # filled by the services from the village
        text = str(data.get(item.id, ""))
        texts[item.id] = text
        try:
            value = parse_input(item, text)
        except InputError as error:
            errors[item.id] = [str(error)]
            value = None
        if value is None and item.id in kept:
            value = kept[item.id]
        answers[item.id] = value
    return ParsedAnswers(answers, texts, errors)


def bookkeeping_errors(answers: Mapping[str, Value]) -> dict[str, list[str]]:
    """A person form needs the survey method, collector and date even as a
    draft: the services store them in their own columns."""
    needed = {
        METHOD_ITEM: _("请填写调查方式：1 入户、2 见面、3 电话、4 失访。"),
        COLLECTOR_ITEM: _("请填写信息采集员。"),
        DATE_ITEM: _("请填写填表日期。"),
    }
    return {
        item_id: [message]
        for item_id, message in needed.items()
        if answers.get(item_id) is None
    }


# Refusals of the services that concern one item, by their error code.
_ITEM_OF_CODE = {"method": METHOD_ITEM, "survey_date": DATE_ITEM}


def split_errors(
    form: Questionnaire, error: ValidationError
) -> tuple[dict[str, list[str]], list[str]]:
    """A service's refusal as (messages by item id, other messages)."""
    if not hasattr(error, "error_dict"):
        item_id = _ITEM_OF_CODE.get(getattr(error, "code", None) or "")
        if item_id in form.item_ids:
            return {item_id: list(error.messages)}, []
        return {}, list(error.messages)
    by_item: dict[str, list[str]] = {}
    other: list[str] = []
    for key, messages in error.message_dict.items():
        if key in form.item_ids:
            by_item[key] = list(messages)
        else:
            other += messages
    return by_item, other


def masked_identifiers(form: Questionnaire, *, reveal_ids: bool) -> frozenset[str]:
    """Identifier items whose stored value the user may not see whole."""
    if reveal_ids:
        return frozenset()
    return frozenset(
        item.id
        for item in form.items
        if item.type == ItemType.IDENTIFIER and item.id not in PUBLIC_IDENTIFIERS
    )


# --- the page ----------------------------------------------------------------


@dataclass(frozen=True)
class EntryField:
    """One input: the item, what it shows, the value it started from (last
    round's or the stored one, for the changed marker) and its messages."""

    item: Item
    text: str
    initial: str
    errors: tuple[str, ...]
    relevant: bool
    readonly: bool
    masked_hint: str
    instruction: str

    @property
    def input_id(self) -> str:
        return "f-" + self.item.id

    @property
    def max_length(self) -> int | None:
        if self.item.type in (ItemType.TEXT, ItemType.IDENTIFIER):
            return self.item.max_length
        return None

    @property
    def numeric(self) -> bool:
        return self.item.type in (ItemType.CODE, ItemType.MULTI, ItemType.INTEGER)


@dataclass(frozen=True)
class EntrySection:
    section: Section
    fields: tuple[EntryField, ...]
    relevant: bool
    instruction: str


@dataclass(frozen=True)
class EntryPage:
    sections: tuple[EntrySection, ...]
    client: dict[str, Any]
    errors: list[str] = field(default_factory=list)


def build_entry_page(
    form: Questionnaire,
    *,
    texts: Mapping[str, str],
    initial: Mapping[str, Value],
    derived: Mapping[str, object],
    fixed: Mapping[str, str],
    errors: Mapping[str, list[str]],
    masked: frozenset[str],
    mark_all_changes: bool,
    carry_over: bool = False,
) -> EntryPage:
    """Every section and input in printed order. ``texts`` are the inputs'
    contents, ``initial`` the values they started from, ``fixed`` the items
    the system fills (shown read-only). Items that do not apply to the
    current texts start hidden; the browser takes over from there. With
    ``carry_over`` the browser fills the blank ``CARRIED_ITEMS`` from the
    form saved before in the same tab, and marks them."""
    values = _readable_values(form, texts, fixed)
    relevant = relevant_items(form, values, derived)
    shown = {
        item.id: _field(
            form,
            item,
            text=fixed.get(item.id, texts.get(item.id, "")),
            initial=initial.get(item.id),
            errors=errors.get(item.id, []),
            relevant=item.id in relevant,
            readonly=item.id in fixed,
            masked=item.id in masked,
        )
        for item in form.items
    }
    sections = tuple(
        EntrySection(
            section=section,
            fields=tuple(shown[item.id] for item in section.items),
            relevant=any(item.id in relevant for item in section.items),
            instruction=(
                section_instruction(section.relevant.expr, form)
                if section.relevant
                else ""
            ),
        )
        for section in form.sections
    )
    client = client_config(form, derived, mark_all_changes=mark_all_changes)
    client["carried"] = list(CARRIED_ITEMS) if carry_over else []
    return EntryPage(sections, client)


def _readable_values(
    form: Questionnaire, texts: Mapping[str, str], fixed: Mapping[str, str]
) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for item in form.items:
        try:
            values[item.id] = parse_input(
                item, fixed.get(item.id, texts.get(item.id, ""))
            )
        except InputError:
            values[item.id] = None
    return values


def _field(
    form: Questionnaire,
    item: Item,
    *,
    text: str,
    initial: Value,
    errors: list[str],
    relevant: bool,
    readonly: bool,
    masked: bool,
) -> EntryField:
    initial_text = input_text(item, initial)
    hint = ""
    if masked:
        hint = mask_id_number(initial_text) if initial_text else ""
        text = "" if text == initial_text else text
        initial_text = ""
    return EntryField(
        item=item,
        text=text,
        initial=initial_text,
        errors=tuple(errors),
        relevant=relevant,
        readonly=readonly,
        masked_hint=hint,
        instruction=(
            skip_instruction(item.relevant.expr, form) if item.relevant else ""
        ),
    )


def client_config(
    form: Questionnaire, derived: Mapping[str, object], *, mark_all_changes: bool
) -> dict[str, Any]:
    """What ``entry.js`` reads from the page (through ``json_script``): the
    skip logic, the derived inputs, and each item's type and code list."""
    return {
        "skip": skip_logic_to_json(form),
        "derived": {name: _typed(value) for name, value in derived.items()},
        "items": {item.id: _item_config(item) for item in form.items},
        "sections": {s.id: [item.id for item in s.items] for s in form.sections},
        "markAllChanges": mark_all_changes,
        "messages": _client_messages(),
    }


def _typed(value: object) -> object:
    try:
        return value_to_json(normalize_value(value))
    except EvaluationError:
        return None


def _item_config(item: Item) -> dict[str, Any]:
    codes = item.codes
    return {
        "number": item.number,
        "type": item.type.value,
        "codes": sorted(codes.codes) if codes else [],
        "exclusive": sorted(codes.exclusive_codes) if codes else [],
        "min": None if item.minimum is None else str(item.minimum),
        "max": None if item.maximum is None else str(item.maximum),
        "pattern": item.pattern,
    }


def _client_messages() -> dict[str, str]:
    return {
        "unknownCode": _("代码表中没有代码 {code}。"),
        "notACode": _("请填写代码表中的代码（数字）。"),
        "notAnInteger": _("请填写整数。"),
        "outOfRange": _("超出允许的范围 {min}–{max}。"),
        "notADate": _("请按 2025-07-15 或 20250715 的格式填写日期。"),
        "badIdentifier": _("号码的位数或格式不对，请对照登记表核对。"),
        "hiddenSection": _("本部分不适用，已跳过。"),
        "changed": _("改"),
    }


def initial_texts(form: Questionnaire, values: Mapping[str, Value]) -> dict[str, str]:
    """The inputs' texts for ``values`` (a prefill or a stored record)."""
    return {item.id: input_text(item, values.get(item.id)) for item in form.items}


def item_numbers(form: Questionnaire, ids: Iterable[str]) -> list[str]:
    return [form.item(item_id).number for item_id in ids if item_id in form.item_ids]
