"""Test data for the registry: valid numbers, extract files, stored persons."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook

from dtgx.identity import check_character
from dtgx.regions.models import Region
from dtgx.registry.models import Person, Residence, Status

YEAR = 2025
REFERENCE_DATE = date(2025, 6, 30)
HEADER = ("残疾人证号", "姓名", "居住地区划代码", "状态")
CILI_VILLAGE = "430821100201"
CILI_VILLAGE_2 = "430821100202"
SANGZHI_VILLAGE = "430822100201"


def make_id(sequence: int, *, birth: str = "", address: str = "430821") -> str:
    """A valid number; below 900 the holder is born on 1980-01-01 and
    ``sequence`` is the 顺序码, higher numbers move the birth date on."""
    born = birth or f"{date(1980, 1, 1) + timedelta(days=sequence // 900):%Y%m%d}"
    first17 = f"{address}{born}{sequence % 900:03d}"
    return first17 + check_character(first17)


def make_certificate(
    sequence: int, *, category: int = 4, grade: int = 2, **kwargs: str
) -> str:
    return f"{make_id(sequence, **kwargs)}{category}{grade}"


def holder_rows(
    count: int, *, village: str = CILI_VILLAGE, start: int = 1
) -> list[tuple[str, ...]]:
    """``count`` good data rows for sequence numbers from ``start``."""
    return [
        (make_certificate(n), f"持证人{n}", village, "正常")
        for n in range(start, start + count)
    ]


def write_csv(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    header: Sequence[str] = HEADER,
    encoding: str = "utf-8",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(
    path: Path, rows: Sequence[Sequence[object]], *, header: Sequence[str] = HEADER
) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def store_person(
    village: Region,
    sequence: int,
    *,
    name: str = "",
    since: date = date(2024, 6, 30),
    status: Status = Status.NORMAL,
) -> Person:
    """A person stored directly, living in ``village`` since ``since``."""
    certificate = make_certificate(sequence)
    person = Person.objects.create(
        id_number=certificate[:18],
        certificate_number=certificate,
        name=name or f"持证人{sequence}",
        sex=1,
        birth_date=date(1980, 1, 1),
        category=4,
        grade=2,
        village=village,
        region_code=village.code,
        status=status,
    )
    Residence.objects.create(person=person, village=village, valid_from=since)
    return person
