"""The Excel template of a form, generated from its definition.

Sheet one is the form: row 1 holds one header per item (printed number and
label, ``R17 残疾人就业形式``, see ``dtgx.survey.sheets``), each with a
comment saying what to type; data go from row 2, one row per person (or
village). Code items get a drop-down of ``1 是``-style choices from the
sheet 代码表 (typing the bare code is accepted too); a multi-select item is
one text column taking codes separated by commas. Identifier, text and
multi-select columns are formatted as text (``@``) for the whole column,
so Excel keeps the digits of an identity number (FC-09, FC-11) — by column
style, not by formatting a million rows (FC-35). Sheet 填写说明 explains
the rules. The import reads only the first sheet.
"""

from __future__ import annotations

from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from dtgx.questionnaires.definitions import Item, ItemType, Questionnaire
from dtgx.survey.sheets import code_choices, item_columns

TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
LAST_ROW = 1_048_576
CODE_SHEET = "代码表"
_TEXT_TYPES = frozenset({ItemType.IDENTIFIER, ItemType.TEXT, ItemType.MULTI})
_WIDTH = {ItemType.IDENTIFIER: 24, ItemType.TEXT: 14, ItemType.DATE: 12}


def write_template(
    form: Questionnaire, target: IO[bytes], *, fixed: dict[str, str] | None = None
) -> None:
    """Write the template of ``form`` to ``target``. ``fixed`` adds a note
    to items the system fills itself (item id → note)."""
    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_title(form)
    codes = book.create_sheet(CODE_SHEET)
    notes = book.create_sheet(_("填写说明"))

    code_column = 0
    for index, column in enumerate(item_columns(form), start=1):
        item = column.item
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.comment = Comment(_hint(item, (fixed or {}).get(item.id)), "dtgx")
        _format_column(sheet, letter, item)
        if item.type == ItemType.CODE and item.codes:
            code_column += 1
            sheet.add_data_validation(_drop_down(codes, code_column, item, letter))
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 45
    _write_notes(notes)
    book.save(target)


def _sheet_title(form: Questionnaire) -> str:
    return (form.title or _("登记表"))[:31]


def _format_column(sheet: Any, letter: str, item: Item) -> None:
    dimension = sheet.column_dimensions[letter]
    dimension.width = _WIDTH.get(item.type, 10)
    if item.type in _TEXT_TYPES:
        dimension.number_format = TEXT_FORMAT
    elif item.type == ItemType.DATE:
        dimension.number_format = DATE_FORMAT


def _drop_down(codes: Any, number: int, item: Item, letter: str) -> DataValidation:
    """List the item's choices in column ``number`` of 代码表 and return a
    list validation over the data rows of column ``letter``."""
    code_letter = get_column_letter(number)
    codes.cell(row=1, column=number, value=item.number).font = Font(bold=True)
    choices = list(code_choices(item))
    for row, choice in enumerate(choices, start=2):
        codes.cell(row=row, column=number, value=choice)
    end = len(choices) + 1
    validation = DataValidation(
        type="list",
        formula1=f"'{CODE_SHEET}'!${code_letter}$2:${code_letter}${end}",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle=_("代码"),
        error=_("请从下拉列表中选择，或只填代码（如“1”）。"),
    )
    validation.add(f"{letter}2:{letter}{LAST_ROW}")
    return validation


def _hint(item: Item, fixed: str | None) -> str:
    match item.type:
        case ItemType.CODE:
            text = _("单选：从下拉列表选择，或只填代码（如“1”）。")
        case ItemType.MULTI:
            text = _("多选：填代码，用英文逗号分隔，如“1,3”。可填：%(choices)s") % {
                "choices": "、".join(code_choices(item))
            }
        case ItemType.IDENTIFIER:
            text = _("文本格式：按证件原样填写全部位数，不要改成数字格式。")
        case ItemType.DATE:
            text = _("日期：如“2025-07-15”。")
        case ItemType.INTEGER:
            text = _("整数。")
        case ItemType.DECIMAL:
            text = _("数字。")
        case _unused:
            text = _("文本。")
    if item.relevant is not None:
        text += _("按跳转规则不适用时留空。")
    if fixed:
        text += fixed
    return text


def _write_notes(sheet: Any) -> None:
    lines = [
        _("填写说明"),
        _("1. 第一个工作表每行填写一份登记表，第1行是表头，请不要增删、改名或合并列。"),
        _(
            "2. 单选项从下拉列表选择，或只填代码；"
            "多选项填代码，用英文逗号分隔，如“1,3”。"
        ),
        _(
            "3. 身份证号、残疾人证号和区划代码列已设为文本格式，请按原件填写全部位数，"
            "不要改成数字格式，也不要用科学计数法。"
        ),
        _("4. 调查方式、信息采集员和填表日期每行都要填写。"),
        _("5. 按跳转规则不适用的项目请留空。"),
        _("6. 不要合并单元格；空行会被跳过。"),
        _(
            "7. 上传后系统先检查，列出每一处错误（行号、列、内容、改正方法），"
            "再由您选择导入无误的行或整个文件暂不导入。"
        ),
    ]
    for row, line in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=line)
    sheet.column_dimensions["A"].width = 100
    sheet["A1"].font = Font(bold=True)
