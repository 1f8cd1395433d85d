"""The printable blank form: the whole form definition as an A4 page, with
code boxes, option labels and the skip instructions written out.

It shows no personal data and no user's details, so any logged-in user
may print it; collectors take it to the field, clerks key from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from dtgx.questionnaires.definitions import (
    Item,
    ItemType,
    Option,
    Questionnaire,
    QuestionnaireNotFound,
    load_questionnaire,
)
from dtgx.questionnaires.wording import section_instruction, skip_instruction

DEFAULT_NUMBER_BOXES = 6
LONG_TEXT = 100  # a text item longer than this gets several lines


@dataclass(frozen=True)
class PrintedItem:
    number: str
    label: str
    kind: str
    boxes: int
    options: tuple[Option, ...]
    instruction: str
    optional: bool

    @property
    def box_range(self) -> range:
        return range(self.boxes)


@dataclass(frozen=True)
class PrintedSection:
    letter: str
    title: str
    instruction: str
    items: tuple[PrintedItem, ...]


def build_printed_sections(form: Questionnaire) -> tuple[PrintedSection, ...]:
    """Every section and item in printed order, ready for the template."""
    return tuple(
        PrintedSection(
            letter=section.letter or "",
            title=section.title,
            instruction=(
                section_instruction(section.relevant.expr, form)
                if section.relevant
                else ""
            ),
            items=tuple(_printed_item(form, item) for item in section.items),
        )
        for section in form.sections
    )


def _printed_item(form: Questionnaire, item: Item) -> PrintedItem:
    return PrintedItem(
        number=item.number,
        label=item.label,
        kind=_kind(item),
        boxes=_boxes(item),
        options=item.codes.options if item.codes else (),
        instruction=(
            skip_instruction(item.relevant.expr, form) if item.relevant else ""
        ),
        optional=not item.required,
    )


def _kind(item: Item) -> str:
    if item.type == ItemType.TEXT and (item.max_length or 0) > LONG_TEXT:
        return "long_text"
    return item.type.value


def _boxes(item: Item) -> int:
    """How many digit boxes the answer gets (0: a line or tick boxes)."""
    if item.type == ItemType.CODE and item.codes:
        return max(len(str(code)) for code in item.codes.codes)
    if item.type == ItemType.IDENTIFIER:
        return item.max_length or 18
    if item.type in (ItemType.INTEGER, ItemType.DECIMAL):
        top = item.maximum
        return len(str(int(top))) if top is not None else DEFAULT_NUMBER_BOXES
    return 0


@login_required
def print_form(request: HttpRequest, kind: str, version: str) -> HttpResponse:
    """The blank form ``kind``-``version`` for printing on A4."""
    try:
        form = load_questionnaire(kind, version)
    except QuestionnaireNotFound:
        raise Http404(_("没有这个版本的登记表。")) from None
    context = {"form": form, "sections": build_printed_sections(form)}
    return render(request, "survey/print_form.html", context)
