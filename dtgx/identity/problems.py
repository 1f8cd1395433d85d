"""Problems found in an identifier, with stable codes and Chinese messages.

Every check in this package reports through :class:`Problem`: callers branch on
``code`` (stable, English) and show ``message`` (translated at the moment the
problem is built, so in the active language). The builders below hold every
user-facing sentence of the package in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.utils.translation import gettext as _


class ProblemCode(StrEnum):
    """Stable codes; compare with plain strings (``problem.code == "length"``)."""

    EMPTY = "empty"
    LENGTH = "length"
    CHARSET = "charset"
    DATE = "date"
    FUTURE_DATE = "future_date"
    CHECKSUM = "checksum"
    EXCEL_NUMBER = "excel_number"
    LEGACY_15 = "legacy_15"
    ADDRESS_UNKNOWN = "address_unknown"
    CATEGORY = "category"
    GRADE = "grade"
    MISMATCH = "mismatch"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding. ``field`` names the recorded field a mismatch is about
    (``"id_number"``, ``"category"``, ``"grade"``); it is empty otherwise."""

    code: ProblemCode
    message: str
    field: str = ""


def id_label() -> str:
    return _("身份证号")


def legacy_label() -> str:
    return _("15 位旧身份证号")


def certificate_label() -> str:
    return _("残疾人证号")


def empty(label: str) -> Problem:
    return Problem(ProblemCode.EMPTY, _("%(label)s为空，请填写。") % {"label": label})


def length(label: str, *, expected: int, actual: int) -> Problem:
    message = _(
        "%(label)s应为 %(expected)d 位，当前为 %(actual)d 位，请核对是否漏录或多录。"
    ) % {"label": label, "expected": expected, "actual": actual}
    return Problem(ProblemCode.LENGTH, message)


def fifteen_digits_for_id18() -> Problem:
    message = _(
        "身份证号应为 18 位，当前为 15 位：如是 15 位旧号码，"
        "请按身份证原件录入 18 位号码；否则请核对是否漏录。"
    )
    return Problem(ProblemCode.LENGTH, message)


def charset(label: str, *, position: int, char: str, rule: str) -> Problem:
    shown = char if char.isprintable() else f"U+{ord(char):04X}"
    message = _("%(label)s第 %(position)d 位“%(char)s”无效：%(rule)s，请更正。") % {
        "label": label,
        "position": position,
        "char": shown,
        "rule": rule,
    }
    return Problem(ProblemCode.CHARSET, message)


def id_charset_rule() -> str:
    return _("只能是数字，最后一位可以是 X")


def legacy_charset_rule() -> str:
    return _("只能是数字")


def certificate_charset_rule() -> str:
    return _("只能是数字，第 18 位可以是 X")


def invalid_date(digits: str) -> Problem:
    message = _(
        "出生日期无效：“%(digits)s”不是真实的日期，请核对身份证上的出生日期。"
    ) % {"digits": digits}
    return Problem(ProblemCode.DATE, message)


def year_too_early(year: int, minimum: int) -> Problem:
    message = _(
        "出生日期无效：出生年份 %(year)d 早于 %(minimum)d 年，"
        "请核对身份证上的出生日期。"
    ) % {"year": year, "minimum": minimum}
    return Problem(ProblemCode.DATE, message)


def future_date(birth: date, reference: date) -> Problem:
    message = _(
        "出生日期 %(birth)s 晚于统计时点 %(reference)s，请核对身份证上的出生日期。"
    ) % {"birth": birth.isoformat(), "reference": reference.isoformat()}
    return Problem(ProblemCode.FUTURE_DATE, message)


def checksum() -> Problem:
    message = _("身份证号校验码不符，请逐位核对，常见原因是某位录错或相邻两位颠倒。")
    return Problem(ProblemCode.CHECKSUM, message)


def excel_number(label: str) -> Problem:
    message = _("%(label)s被 Excel 转为数字，请将该列设为文本后重新录入") % {
        "label": label
    }
    return Problem(ProblemCode.EXCEL_NUMBER, message)


def legacy_15(upgrade: str) -> Problem:
    message = _(
        "这是 15 位旧身份证号，对应的 18 位号码为 %(upgrade)s，"
        "请对照身份证原件确认后改用 18 位号码。"
    ) % {"upgrade": upgrade}
    return Problem(ProblemCode.LEGACY_15, message)


def address_unknown(code: str) -> Problem:
    message = _(
        "地址码 %(code)s 不在现行区划表中，可能是已撤销或调整的旧代码；"
        "核对身份证无误后可继续登记。"
    ) % {"code": code}
    return Problem(ProblemCode.ADDRESS_UNKNOWN, message)


def category(digit: str) -> Problem:
    message = _(
        "残疾类别代码“%(digit)s”无效（证号第 19 位）：应为 1–7"
        "（1 视力 2 听力 3 言语 4 肢体 5 智力 6 精神 7 多重），请核对残疾人证。"
    ) % {"digit": digit}
    return Problem(ProblemCode.CATEGORY, message)


def grade(digit: str) -> Problem:
    message = _(
        "残疾等级代码“%(digit)s”无效（证号第 20 位）：应为 1–4，请核对残疾人证。"
    ) % {"digit": digit}
    return Problem(ProblemCode.GRADE, message)


def id_mismatch() -> Problem:
    message = _("残疾人证号前 18 位与登记的身份证号不一致，请核对两者。")
    return Problem(ProblemCode.MISMATCH, message, field="id_number")


def category_mismatch(certified: str, recorded: str) -> Problem:
    message = _(
        "残疾人证号显示残疾类别为%(certified)s，登记的残疾类别为%(recorded)s，请核对。"
    ) % {"certified": certified, "recorded": recorded}
    return Problem(ProblemCode.MISMATCH, message, field="category")


def grade_mismatch(certified: str, recorded: str) -> Problem:
    message = _(
        "残疾人证号显示残疾等级为%(certified)s，登记的残疾等级为%(recorded)s，请核对。"
    ) % {"certified": certified, "recorded": recorded}
    return Problem(ProblemCode.MISMATCH, message, field="grade")
