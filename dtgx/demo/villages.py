"""Townships and villages generated under a real county's code.

Used when no official village list is given: codes follow the statistical
coding rules (township 001–099 街道, 100–199 镇, 200–399 乡; village 001–199
居委会, 200–399 村委会) and names are plausible but invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

_FIRST = "杨李黄石双青龙白高新金桃柳马长枫溪花茶竹"
_SECOND = ["家坪", "溪", "桥", "家湾", "冲", "家岗", "峪", "台", "坡", "塔", "垭", "田"]


@dataclass(frozen=True)
class GeneratedUnit:
    code: str
    name: str
    urban_rural_class: str = ""


def _name(rng: random.Random, used: set[str], suffix: str) -> str:
    while True:
        name = rng.choice(_FIRST) + rng.choice(_SECOND) + suffix
        if name not in used:
            used.add(name)
            return name


def generate_townships(
    county_code: str, *, streets: int, towns: int, townships: int, seed: int
) -> list[GeneratedUnit]:
    rng = random.Random(seed)
    used: set[str] = set()
    prefix = county_code[:6]
    units = [
        GeneratedUnit(f"{prefix}{n:03d}000", _name(rng, used, "街道"))
        for n in range(1, streets + 1)
    ]
    units += [
        GeneratedUnit(f"{prefix}{n:03d}000", _name(rng, used, "镇"))
        for n in range(100, 100 + towns)
    ]
    units += [
        GeneratedUnit(f"{prefix}{n:03d}000", _name(rng, used, "乡"))
        for n in range(200, 200 + townships)
    ]
    return units


def generate_villages(
    township_code: str, *, communities: int, villages: int, seed: int
) -> list[GeneratedUnit]:
    """Urban communities (居委会, class 111/121) and villages (村委会, 220)."""
    rng = random.Random(f"{seed}-{township_code}")
    used: set[str] = set()
    prefix = township_code[:9]
    units = [
        GeneratedUnit(f"{prefix}{n:03d}", _name(rng, used, "社区"), "121")
        for n in range(1, communities + 1)
    ]
    units += [
        GeneratedUnit(f"{prefix}{n:03d}", _name(rng, used, "村"), "220")
        for n in range(200, 200 + villages)
    ]
    return units
