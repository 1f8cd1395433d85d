"""The demo county: real county, real or generated townships, generated
villages; all written through the division importer."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from dtgx.demo.villages import GeneratedUnit, generate_townships, generate_villages
from dtgx.regions.builtin import load_builtin_divisions
from dtgx.regions.codes import Level, pad_code
from dtgx.regions.importer import ImportReport, import_source
from dtgx.regions.models import DivisionTable, Region
from dtgx.regions.sources import (
    DivisionFileError,
    Source,
    SourceRow,
    read_division_dir,
)

DEFAULT_COUNTY = "430821"  # 湖南省张家界市慈利县
DEMO_YEAR = 2025
SEED = 2026


@dataclass(frozen=True)
class DemoCounty:
    county: Region
    townships: int
    villages: int
    builtin: ImportReport
    reports: tuple[ImportReport, ...]


class DemoError(Exception):
    pass


def build_demo_county(
    county_code: str = DEFAULT_COUNTY, *, divisions_dir: Path | None = None
) -> DemoCounty:
    """Load the built-in table, then the county's townships (real ones from
    ``divisions_dir`` when given) and generated villages. Idempotent."""
    if not (county_code.isascii() and county_code.isdigit()) or len(
        county_code
    ) not in (6, 12):
        raise DemoError(f"--county must be a 6- or 12-digit code, got {county_code!r}")
    builtin = load_builtin_divisions()
    code = pad_code(county_code)
    county = Region.objects.filter(code=code, level=Level.COUNTY).first()
    if county is None:
        raise DemoError(f"{county_code} is not a county in the built-in table")

    reports = [_import_townships(county, divisions_dir)]
    townships = list(
        Region.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("code")
    )
    reports.append(_import_villages(county, townships))
    villages = Region.objects.within(county).filter(level=Level.VILLAGE).count()
    return DemoCounty(county, len(townships), villages, builtin, tuple(reports))


def _import_townships(county: Region, divisions_dir: Path | None) -> ImportReport:
    if divisions_dir is not None:
        try:
            source = read_division_dir(divisions_dir)
        except DivisionFileError as error:
            raise DemoError(str(error)) from None
        prefix = county.code[:6]
        rows = [
            row
            for row in source.rows
            if row.level == Level.TOWNSHIP and row.code.startswith(prefix)
        ]
        if not rows:
            raise DemoError(f"no townships of {prefix} in {divisions_dir}")
        return _import(f"{source.name} ({prefix})", rows, DivisionTable.Kind.FOUR_FILES)
    units = generate_townships(
        county.code, streets=2, towns=12, townships=11, seed=SEED
    )
    return _import_units(f"demo townships {county.code[:6]}", units)


def _import_villages(county: Region, townships: list[Region]) -> ImportReport:
    units: list[GeneratedUnit] = []
    for index, township in enumerate(townships):
        is_street = township.code[6:9] < "100"
        units += generate_villages(
            township.code,
            communities=6 if is_street else 2,
            villages=0 if is_street else 14 + index % 7,
            seed=SEED,
        )
    return _import_units(f"demo villages {county.code[:6]}", units)


def _import_units(name: str, units: list[GeneratedUnit]) -> ImportReport:
    rows = [
        SourceRow(
            file=name,
            line=line,
            code=unit.code,
            name=unit.name,
            urban_rural_class=unit.urban_rural_class,
        )
        for line, unit in enumerate(units, start=1)
    ]
    return _import(name, rows, DivisionTable.Kind.CODE_LIST)


def _import(name: str, rows: list[SourceRow], kind: DivisionTable.Kind) -> ImportReport:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(f"{row.code},{row.name},{row.urban_rural_class}\n".encode())
    report = import_source(
        Source(name, digest.hexdigest(), rows), kind=kind, year=DEMO_YEAR
    )
    if report.errors:
        raise DemoError(report.summary())
    return report
