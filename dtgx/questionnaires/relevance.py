"""Skip logic applied to one record.

An item applies (is relevant) when its section's condition and its own
condition both hold (missing counts as not holding; see ``expressions``). A
condition that reads an item which does not apply sees that item as missing,
whatever was entered for it, so a chain of skips behaves like the paper form:
when R16 is skipped, R17 is skipped too.

Items that do not apply are stored as NULL. ``clean_answers`` produces the
values to store and reports what cannot be stored as entered; it never
repairs an answer silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.utils.translation import gettext as _

from dtgx.questionnaires.definitions import Item, ItemType, Questionnaire
from dtgx.questionnaires.expressions import (
    EvaluationError,
    Value,
    normalize_value,
    truthy,
)


class ProblemKind(StrEnum):
    EXCLUSIVE_OPTION = "exclusive_option"  # "无" ticked together with others
    UNKNOWN_ITEM = "unknown_item"
    UNKNOWN_CODE = "unknown_code"
    INVALID_VALUE = "invalid_value"  # wrong kind of value for the item
    OUT_OF_RANGE = "out_of_range"  # number outside min/max, text too long


@dataclass(frozen=True)
class AnswerProblem:
    item_id: str
    kind: ProblemKind
    message: str


@dataclass(frozen=True)
class CleanedAnswers:
    """The values to store for a record, and what is wrong with them.

    ``values`` holds every item of the form: the normalised answer if the
    item applies, otherwise ``None``. ``cleared`` lists items that had an
    answer but do not apply; ``missing_required`` lists required items that
    apply but have no answer, in printed order.
    """

    values: Mapping[str, Value]
    relevant: frozenset[str]
    cleared: frozenset[str]
    missing_required: tuple[str, ...]
    problems: tuple[AnswerProblem, ...]

    @property
    def is_clean(self) -> bool:
        return not self.problems


def relevant_items(
    questionnaire: Questionnaire,
    answers: Mapping[str, object],
    derived: Mapping[str, object],
) -> set[str]:
    """The ids of the items that apply, given the answers so far.

    ``answers`` maps item ids to answers (a multi-select answer is a
    collection of codes); an answer of the wrong kind counts as missing.
    ``derived`` maps derived inputs such as ``age``; a derived value of the
    wrong kind raises ``EvaluationError``. Absent entries are missing.
    """
    values, _problems = _normalise(questionnaire, answers)
    return _resolve(questionnaire, values, derived)


def clean_answers(
    questionnaire: Questionnaire,
    answers: Mapping[str, object],
    derived: Mapping[str, object],
) -> CleanedAnswers:
    """Apply the skip logic: items that do not apply become ``None``.

    Also reports, without changing them, answers that cannot be stored as
    entered: an exclusive option ticked together with others, an unknown
    item or code, a value of the wrong kind (which is then treated as
    missing) or outside the item's range or length. Arguments are as for
    ``relevant_items``.
    """
    values, problems = _normalise(questionnaire, answers)
    relevant = _resolve(questionnaire, values, derived)

    cleared = {i for i, v in values.items() if v is not None and i not in relevant}
    stored = {i: (v if i in relevant else None) for i, v in values.items()}
    for item in questionnaire.items:
        if item.id in relevant and stored[item.id] is not None:
            problems += _value_problems(item, stored[item.id])

    missing = tuple(
        item.id
        for item in questionnaire.items
        if item.required and item.id in relevant and stored[item.id] is None
    )
    return CleanedAnswers(
        values=stored,
        relevant=frozenset(relevant),
        cleared=frozenset(cleared),
        missing_required=missing,
        problems=tuple(problems),
    )


def _normalise(
    questionnaire: Questionnaire, answers: Mapping[str, object]
) -> tuple[dict[str, Value], list[AnswerProblem]]:
    """Every item's normalised answer; unusable answers become problems."""
    problems = [
        _problem(name, ProblemKind.UNKNOWN_ITEM, _("登记表中没有项目 %(item)s。"))
        for name in answers
        if name not in questionnaire.item_ids
    ]
    values: dict[str, Value] = {}
    for item in questionnaire.items:
        try:
            value = normalize_value(answers.get(item.id))
        except EvaluationError:
            value = None
            problems.append(_invalid(item))
        if value is not None and not _fits_type(item, value):
            value = None
            problems.append(_invalid(item))
        values[item.id] = value
    return values, problems


def _resolve(
    questionnaire: Questionnaire,
    answers: Mapping[str, Value],
    derived: Mapping[str, object],
) -> set[str]:
    """Decide relevance item by item, in dependency order, hiding each item
    that does not apply from the conditions evaluated after it."""
    visible: dict[str, object] = {**derived, **answers}
    relevant: set[str] = set()
    for item_id, conditions in questionnaire.compiled_relevance:
        for condition in conditions:
            if not truthy(condition(visible)):
                visible[item_id] = None
                break
        else:
            relevant.add(item_id)
    return relevant


def _value_problems(item: Item, value: Value) -> list[AnswerProblem]:
    if item.type == ItemType.MULTI and isinstance(value, frozenset):
        return _multi_problems(item, value)
    if item.type == ItemType.CODE and isinstance(value, int):
        return _code_problems(item, frozenset({value}))
    return _range_problems(item, value)


_PYTHON_TYPES: dict[ItemType, tuple[type, ...]] = {
    ItemType.CODE: (int,),
    ItemType.MULTI: (frozenset,),
    ItemType.INTEGER: (int,),
    ItemType.DECIMAL: (int, Decimal),
    ItemType.TEXT: (str,),
    ItemType.IDENTIFIER: (str,),
    ItemType.DATE: (date,),
}


def _fits_type(item: Item, value: Value) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, _PYTHON_TYPES[item.type])


def _multi_problems(item: Item, ticked: frozenset[int]) -> list[AnswerProblem]:
    problems = _code_problems(item, ticked)
    exclusive = item.codes.exclusive_codes & ticked if item.codes else frozenset()
    if exclusive and len(ticked) > 1:
        label = item.codes.label_of(min(exclusive)) if item.codes else None
        message = _("%(number)s %(label)s：“%(option)s”不能与其他选项同时选择。")
        problems.append(
            _problem(
                item.id,
                ProblemKind.EXCLUSIVE_OPTION,
                message,
                number=item.number,
                label=item.label,
                option=label or "",
            )
        )
    return problems


def _code_problems(item: Item, codes: frozenset[int]) -> list[AnswerProblem]:
    known = item.codes.codes if item.codes else frozenset()
    unknown = codes - known
    if not unknown:
        return []  # the usual case: no message to translate
    message = _("%(number)s %(label)s：没有代码 %(code)s。")
    return [
        _problem(
            item.id,
            ProblemKind.UNKNOWN_CODE,
            message,
            number=item.number,
            label=item.label,
            code=str(code),
        )
        for code in sorted(unknown)
    ]


def _range_problems(item: Item, value: Value) -> list[AnswerProblem]:
    if not _out_of_range(item, value):
        return []
    message = _("%(number)s %(label)s：%(value)s 超出允许的范围或长度。")
    return [
        _problem(
            item.id,
            ProblemKind.OUT_OF_RANGE,
            message,
            number=item.number,
            label=item.label,
            value=str(value)[:40],
        )
    ]


def _out_of_range(item: Item, value: Value) -> bool:
    if isinstance(value, str):
        return item.max_length is not None and len(value) > item.max_length
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        too_low = item.minimum is not None and value < item.minimum
        return too_low or (item.maximum is not None and value > item.maximum)
    return False


def _invalid(item: Item) -> AnswerProblem:
    message = _("%(number)s %(label)s：答案的类型不对，已按未填写处理。")
    return _problem(
        item.id,
        ProblemKind.INVALID_VALUE,
        message,
        number=item.number,
        label=item.label,
    )


def _problem(
    item_id: str, kind: ProblemKind, message: str, **placeholders: str
) -> AnswerProblem:
    return AnswerProblem(item_id, kind, message % {"item": item_id, **placeholders})
