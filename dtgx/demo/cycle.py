"""The annual cycle on the demo county, as far as the system goes so far:
open the round and load the county's base list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings

from dtgx.accounts.models import User
from dtgx.demo.persons import generate_rows, write_base_list
from dtgx.regions.codes import Level
from dtgx.regions.models import Region
from dtgx.registry.checks import LoadReport
from dtgx.registry.models import BaseList
from dtgx.registry.services import load_base_list
from dtgx.survey.models import Round
from dtgx.survey.services import create_round, open_round

YEAR = 2025
REFERENCE_DATE = date(YEAR, 6, 30)


@dataclass(frozen=True)
class CycleReport:
    round: Round
    base_list_file: Path
    base_list: LoadReport | None  # None: the county's list was loaded before


def open_demo_round(director: User) -> Round:
    """The national round of ``YEAR``, created and opened if needed."""
    existing = Round.objects.filter(year=YEAR).first()
    if existing is None:
        existing = create_round(
            director,
            year=YEAR,
            form_version="2018",
            rule_set_version="national-2018",
            reference_date=REFERENCE_DATE,
            campaign_start=date(YEAR, 7, 1),
            campaign_end=date(YEAR, 10, 31),
        )
    if existing.status == "preparing":
        open_round(director, existing)
    return existing


def load_demo_base_list(clerk: User, county: Region, persons: int) -> CycleReport:
    director = User.objects.get(username="nation_director")
    round_ = open_demo_round(director)
    villages = list(
        Region.objects.within(county)
        .filter(level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", flat=True)
    )
    folder = Path(settings.BASE_DIR) / "var" / "demo"
    path = folder / f"base-list-{county.code[:6]}-{YEAR}.csv"
    if BaseList.objects.filter(region=county, year=YEAR).exists():
        # Loaded by an earlier run, whose data may be submitted (locked).
        return CycleReport(round_, path, None)
    rows = generate_rows(county.code, villages, persons, seed=int(county.code[:6]))
    write_base_list(path, rows)
    report = load_base_list(
        clerk, path, region=county, year=YEAR, reference_date=REFERENCE_DATE
    )
    return CycleReport(round_, path, report)
