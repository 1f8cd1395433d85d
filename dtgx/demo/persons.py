"""A generated base list (底册) for the demo county.

Holders get valid identity numbers whose address codes are the county's own
(with a few from elsewhere in the province and one withdrawn code, as in
real extracts), and categories, grades, sexes, ages and hukou types drawn
from rough national proportions of certificate holders.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from dtgx.identity import check_character

HEADER = ("残疾人证号", "姓名", "居住地区划代码", "状态", "户口性质")

# Rough shares among certificate holders (physical disability dominates).
CATEGORY_WEIGHTS = {1: 10, 2: 9, 3: 1, 4: 52, 5: 10, 6: 12, 7: 6}
GRADE_WEIGHTS = {1: 15, 2: 30, 3: 25, 4: 30}
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江"
)
GIVEN = "建国红梅秀英志强丽华春兰桂芳海军玉兰德明小平文华金凤永红淑珍伟东晓燕光荣"
# Address codes seen on holders' cards besides the county's own: other
# counties of the province, and 430822 twice as often as the rest.
OTHER_ADDRESSES = ("430822", "430802", "430811", "430822", "430102")


def generate_rows(
    county_code: str, villages: list[str], count: int, *, seed: int
) -> list[tuple[str, str, str, str, str]]:
    """``count`` base-list rows: certificate number, name, village, status,
    hukou (1 agricultural, 2 non-agricultural)."""
    rng = random.Random(seed)
    used: set[str] = set()
    rows: list[tuple[str, str, str, str, str]] = []
    while len(rows) < count:
        first17 = _first17(county_code[:6], rng)
        if first17 in used:
            continue
        used.add(first17)
        category = rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))
        grade = rng.choices(list(GRADE_WEIGHTS), list(GRADE_WEIGHTS.values()))
        certificate = f"{first17}{check_character(first17)}{category[0]}{grade[0]}"
        village = rng.choice(villages)
        hukou = "2" if village[9] in "01" and rng.random() < 0.7 else "1"
        rows.append((certificate, _name(rng), village, "正常", hukou))
    return rows


def write_base_list(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _first17(county: str, rng: random.Random) -> str:
    address = county if rng.random() < 0.93 else rng.choice(OTHER_ADDRESSES)
    # Holders are older than the population: most were born 1940–1975.
    year = min(2022, max(1930, int(rng.triangular(1930, 2022, 1960))))
    birth = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    male = rng.random() < 0.58
    sequence = rng.randrange(0, 999) // 2 * 2 + (1 if male else 0)
    return f"{address}{birth:%Y%m%d}{min(sequence, 999):03d}"


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(SURNAMES) + given
