"""Pure rules of the 12-digit statistical division code (统计用区划代码).

A code is ``PPCCDDTTTVVV``: province, prefecture, county, township, village.
Lower parts are zero for higher levels, so the parent of a code is the code
with its lowest non-zero part zero-filled, and a region's subtree is every
code that starts with its significant prefix.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

NATION_CODE = "000000000000"
CODE_LENGTH = 12


class Level(models.IntegerChoices):
    NATION = 0, _("国家")
    PROVINCE = 1, _("省")
    PREFECTURE = 2, _("市")
    COUNTY = 3, _("县")
    TOWNSHIP = 4, _("乡镇/街道")
    VILLAGE = 5, _("村/社区")


# Number of significant leading digits of a code at each level.
PREFIX_LENGTH: dict[int, int] = {
    Level.NATION: 0,
    Level.PROVINCE: 2,
    Level.PREFECTURE: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}


class CodeError(ValueError):
    """A code that is not a well-formed 12-digit division code."""


def is_well_formed(code: str) -> bool:
    return len(code) == CODE_LENGTH and code.isascii() and code.isdigit()


def level_of(code: str) -> Level:
    """Return the level a well-formed code denotes; raise ``CodeError`` if the
    code is malformed or has a non-zero part below a zero part."""
    if not is_well_formed(code):
        raise CodeError(code)
    if code == NATION_CODE:
        return Level.NATION
    if code[2:] == "0" * 10:
        level = Level.PROVINCE
    elif code[4:] == "0" * 8:
        level = Level.PREFECTURE
    elif code[6:] == "0" * 6:
        level = Level.COUNTY
    elif code[9:] == "000":
        level = Level.TOWNSHIP
    else:
        level = Level.VILLAGE
    # Every part down to the level's own must be non-zero: 110000000000 is a
    # province, but 110001000000 (county part set, prefecture part zero) is not.
    parts = (code[0:2], code[2:4], code[4:6], code[6:9])
    for part in parts[: min(int(level), 4)]:
        if int(part) == 0:
            raise CodeError(code)
    return level


def prefix_of(code: str) -> str:
    """The significant prefix: every code in the subtree starts with it."""
    return code[: PREFIX_LENGTH[level_of(code)]]


def parent_code(code: str) -> str | None:
    """The parent's code, derived by zero-filling; ``None`` for the nation."""
    level = level_of(code)
    if level == Level.NATION:
        return None
    if level == Level.PROVINCE:
        return NATION_CODE
    keep = PREFIX_LENGTH[Level(level - 1)]
    return code[:keep].ljust(CODE_LENGTH, "0")


def pad_code(short: str) -> str:
    """Pad a 2/4/6/9-digit official code to the 12-digit form."""
    return short.ljust(CODE_LENGTH, "0")


def is_in_subtree(code: str, ancestor: str) -> bool:
    return code.startswith(prefix_of(ancestor))
