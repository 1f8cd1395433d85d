"""From a file's header and cells to item answers, refusing what is unsafe.

Header cells are matched to the form's items by the template's header
(``R17 残疾人就业形式``) or the printed number alone (``R17``), tolerant of
a BOM, spaces (also no-break and zero-width ones), letter case and
full-width parentheses (FC-15, FC-18). A file whose header lacks an item,
repeats one or has a column the template does not know is refused as a
whole: imports use the fixed template, they do not guess (FC-36).

Cells become answers of the item's type. Nothing is repaired silently:

* an identity or certificate number in a numeric cell, in scientific
  notation or with its last digits zeroed is refused (FC-09, FC-12);
* full-width digits, a lowercase ``x`` and invisible spaces are removed
  from identifiers and codes (FC-17, FC-18), names keep their characters;
* a number that lost digits in a text column is refused (FC-11);
* codes may be typed (``1``) or picked from the drop-down (``1 是``);
  multi-select codes are separated by commas (``1,3``; also ``，``、``、``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from dtgx.identity import normalize_identifier
from dtgx.identity.excel import excel_damage
from dtgx.questionnaires.definitions import Item, ItemType, Questionnaire
from dtgx.spreadsheets import TableError, header_key
from dtgx.spreadsheets.reading import cell_text
from dtgx.survey.answers import PUBLIC_IDENTIFIERS
from dtgx.survey.sheets import ItemColumn, export_only_headers, item_columns

# Excel keeps 15 significant digits; a longer number in a cell lost some.
EXACT_DIGITS = 15
_CODE = re.compile(r"(\d+)(?:\s+\S.*)?")
_MULTI_SPLIT = re.compile(r"[,，、;；\s]+")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


@dataclass(frozen=True)
class Layout:
    """Which file column holds which item; ``width`` header cells."""

    columns: tuple[tuple[int, ItemColumn], ...]
    headers: tuple[str, ...]

    def column_of(self, item_id: str) -> ItemColumn | None:
        return next((c for _i, c in self.columns if c.item.id == item_id), None)


def build_layout(form: Questionnaire, header: Sequence[object], line: int) -> Layout:
    """Match ``header`` to the form's items; ``TableError`` listing every
    missing, repeated or unknown column otherwise."""
    wanted: dict[str, ItemColumn] = {}
    for column in item_columns(form):
        wanted[header_key(column.header)] = column
        wanted.setdefault(header_key(column.item.number), column)
    ignored = {header_key(text) for text in export_only_headers()}

    found: list[tuple[int, ItemColumn]] = []
    unknown: list[str] = []
    seen: set[str] = set()
    repeated: list[str] = []
    for index, cell in enumerate(header):
        key = header_key(cell)
        if not key or key in ignored:
            continue
        match = wanted.get(key)
        if match is None:
            unknown.append(cell_text(cell))
        elif match.item.id in seen:
            repeated.append(match.header)
        else:
            seen.add(match.item.id)
            found.append((index, match))
    missing = [c.header for c in item_columns(form) if c.item.id not in seen]
    _refuse_bad_header(line, missing, repeated, unknown)
    return Layout(tuple(found), tuple(cell_text(cell) for cell in header))


def _refuse_bad_header(
    line: int, missing: list[str], repeated: list[str], unknown: list[str]
) -> None:
    problems = []
    if missing:
        problems.append(_("缺少“%(names)s”列") % {"names": "”“".join(missing[:10])})
    if repeated:
        problems.append(_("“%(names)s”列重复") % {"names": "”“".join(repeated)})
    if unknown:
        problems.append(
            _("“%(names)s”不是模板中的列") % {"names": "”“".join(unknown[:10])}
        )
    if problems:
        raise TableError(
            _(
                "第%(line)s行的表头与登记表模板不一致：%(problems)s。请从本系统"
                "下载模板，按模板填写（不要增删列、不要合并表头）后重新上传。"
            )
            % {"line": line, "problems": "；".join(problems)}
        )


def parse_cell(item: Item, raw: object) -> tuple[object, str | None]:
    """The answer a cell gives for ``item``, or ``None`` and a message
    saying what to fix. A blank cell is ``(None, None)``."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    match item.type:
        case ItemType.IDENTIFIER:
            return _identifier(item, raw)
        case ItemType.CODE:
            return _code(item, raw)
        case ItemType.MULTI:
            return _codes(item, raw)
        case ItemType.INTEGER:
            return _integer(raw)
        case ItemType.DECIMAL:
            return _decimal(raw)
        case ItemType.DATE:
            return _date(raw)
        case ItemType.TEXT:
            return _text(raw)
    return None, _("无法识别此格的内容。")


def _identifier(item: Item, raw: object) -> tuple[object, str | None]:
    exact_code = item.id in PUBLIC_IDENTIFIERS and len(str(raw)) == 12
    if isinstance(raw, int) and not isinstance(raw, bool) and exact_code:
        return str(raw), None  # a 12-digit code is exact in a number cell
    value = normalize_identifier(raw) if isinstance(raw, str) else ""
    length = len(value) if len(value) in (18, 20) else 18
    damage = excel_damage(raw, length=length, label=item.label)
    if damage is not None:
        return None, damage.message
    if not isinstance(raw, str):
        return None, _("应填写文本，请将该列设为文本后重新录入。")
    return value or None, None


def _code(item: Item, raw: object) -> tuple[object, str | None]:
    number = _whole_number(raw)
    if number is None and isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
        match = _CODE.fullmatch(text)
        if match:
            number = int(match.group(1))
        elif item.codes:
            number = next((o.code for o in item.codes.options if o.label == text), None)
    if number is None:
        return None, _unknown_code(item)
    if item.codes and number not in item.codes.codes:
        return None, _unknown_code(item)
    return number, None


def _codes(item: Item, raw: object) -> tuple[object, str | None]:
    number = _whole_number(raw)
    if number is not None:
        parts = [str(number)]
    elif isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
        parts = [part for part in _MULTI_SPLIT.split(text) if part]
    else:
        parts = []
    if not parts or not all(part.isdigit() for part in parts):
        return None, _multi_help(item)
    codes = frozenset(int(part) for part in parts)
    if item.codes and not codes <= item.codes.codes:
        return None, _multi_help(item)
    return codes, None


def _integer(raw: object) -> tuple[object, str | None]:
    number = _whole_number(raw)
    if number is None and isinstance(raw, str):
        text = normalize_identifier(raw)
        if re.fullmatch(r"-?\d+", text):
            number = int(text)
    if number is None:
        return None, _("应填写整数，请核对。")
    return number, None


def _decimal(raw: object) -> tuple[object, str | None]:
    if isinstance(raw, bool):
        return None, _("应填写数字，请核对。")
    if isinstance(raw, int | Decimal):
        return Decimal(raw), None
    if isinstance(raw, float):
        return Decimal(repr(raw)), None
    text = normalize_identifier(raw) if isinstance(raw, str) else ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("应填写数字，请核对。")
    if not value.is_finite():
        return None, _("应填写数字，请核对。")
    return value, None


def _date(raw: object) -> tuple[object, str | None]:
    if isinstance(raw, datetime):
        return raw.date(), None
    if isinstance(raw, date):
        return raw, None
    if isinstance(raw, str):
        text = unicodedata.normalize("NFKC", raw).strip()
        for pattern in _DATE_FORMATS:
            try:
                return datetime.strptime(text, pattern).date(), None
            except ValueError:
                continue
    return None, _("日期无法识别：请按“2025-07-15”的格式填写，或把此列设为日期格式。")


def _text(raw: object) -> tuple[object, str | None]:
    if isinstance(raw, str):
        return raw, None
    if isinstance(raw, bool):
        return str(raw), None
    if isinstance(raw, int) and len(str(abs(raw))) <= EXACT_DIGITS:
        return str(raw), None
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 10**EXACT_DIGITS:
        return str(int(raw)), None
    if isinstance(raw, datetime | date):
        return raw.isoformat()[:10], None
    return None, _(
        "这个数字在Excel中已丢失精度或变成了科学计数法：请将该列设为文本，"
        "按原件重新录入。"
    )


def _whole_number(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    return None


def _unknown_code(item: Item) -> str:
    return _("不是本项代码表中的代码，可填：%(choices)s。") % {
        "choices": _choices(item)
    }


def _multi_help(item: Item) -> str:
    return _("多选题请填写代码并用英文逗号分隔（如“1,3”），可填：%(choices)s。") % {
        "choices": _choices(item)
    }


def _choices(item: Item) -> str:
    options = item.codes.options if item.codes else ()
    return "、".join(f"{o.code} {o.label}" for o in options)
