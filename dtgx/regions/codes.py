"""Pure rules of the 12-digit statistical division code (统计用区划代码).

A code is ``PPCCDDTTTVVV``: province, prefecture, county, township, village.
Lower parts are zero for higher levels, so the parent of a code is the code
with its lowest non-zero part zero-filled, and a region's subtree is every
code that starts with its significant prefix.

One deliberate exception, from the real code table: a few prefecture-level
cities have no counties (东莞 4419, 中山 4420, 儋州 4604), and their townships
sit directly under them with a county part of ``00`` (``441900003000``).
Zero-filling still yields the right parent (``441900000000``); only the
"no zero part above a non-zero part" rule has to allow it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.functional import Promise
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
    # The county part of a township or village may be zero: see the module doc.
    parts = (code[0:2], code[2:4], code[4:6], code[6:9])
    for index, part in enumerate(parts[: min(int(level), 4)]):
        county_part_skipped = index == 2 and level >= Level.TOWNSHIP
        if int(part) == 0 and not county_part_skipped:
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


def ancestor_codes(code: str) -> list[str]:
    """Codes of the ancestors, from the nation down to the parent."""
    chain: list[str] = []
    parent = parent_code(code)
    while parent is not None:
        chain.append(parent)
        parent = parent_code(parent)
    return list(reversed(chain))


# Number ranges of the coding rules: the number also tells the kind of unit.
TOWNSHIP_KINDS: tuple[tuple[int, int, Promise], ...] = (
    (1, 99, _("街道")),
    (100, 199, _("镇")),
    (200, 399, _("乡")),
    (400, 599, _("类似乡级单位")),
)
VILLAGE_KINDS: tuple[tuple[int, int, Promise], ...] = (
    (1, 199, _("居委会")),
    (200, 399, _("村委会")),
    (400, 599, _("类似村级单位")),
)


def unit_kind(code: str) -> str | None:
    """The kind of township or village the code's number denotes (街道, 镇,
    乡, 居委会, 村委会 …); ``None`` when the number is outside the ranges of
    the coding rules or the code is above township level."""
    level = level_of(code)
    if level == Level.TOWNSHIP:
        number, kinds = int(code[6:9]), TOWNSHIP_KINDS
    elif level == Level.VILLAGE:
        number, kinds = int(code[9:12]), VILLAGE_KINDS
    else:
        return None
    for low, high, kind in kinds:
        if low <= number <= high:
            return str(kind)
    return None


class UrbanRuralClass(models.TextChoices):
    """统计用城乡分类代码 of a village (the third column of official lists)."""

    MAIN_URBAN = "111", _("主城区")
    URBAN_FRINGE = "112", _("城乡结合区")
    TOWN_CENTRE = "121", _("镇中心区")
    TOWN_FRINGE = "122", _("镇乡结合区")
    SPECIAL_AREA = "123", _("特殊区域")
    TOWNSHIP_CENTRE = "210", _("乡中心区")
    VILLAGE = "220", _("村庄")


def common_ancestor(codes: Iterable[str]) -> str:
    """The code of the smallest region whose subtree holds every code given
    (the nation when they share no province, or when none is given)."""
    prefixes = [prefix_of(code) for code in codes]
    for length in sorted(PREFIX_LENGTH.values(), reverse=True):
        heads = {prefix[:length] for prefix in prefixes}
        if len(heads) == 1 and all(len(prefix) >= length for prefix in prefixes):
            return pad_code(heads.pop())
    return NATION_CODE
