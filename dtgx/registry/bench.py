"""Timing the base-list loader on a generated county:
``DTGX_ENV=test python -m dtgx.registry.bench [ROWS]`` (default 20,000).

Runs on a fresh SQLite file ``var/registry_bench.sqlite3`` unless
``BENCH_DATABASE_URL`` names another (empty) database. Prints the time of a
dry run, the first load, a reload of the same file, a reload of the same
rows in another order, and next year's list with moves and renames.
"""

from __future__ import annotations

import csv
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
COUNTY = "430821000000"
HEADER = ("残疾人证号", "姓名", "居住地区划代码", "状态", "户口性质")


def _configure() -> str:
    default = f"sqlite:///{BASE_DIR / 'var' / 'registry_bench.sqlite3'}"
    url = os.environ.get("BENCH_DATABASE_URL", default)
    if url == default:
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DTGX_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dtgx.settings")
    return url


def _timed(label: str, work: Callable[[], object]) -> None:
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    print(f"  {label:<46} {elapsed:>8.2f} s   -> {result}")


def _villages() -> list[str]:
    """A county of 20 townships with 15 villages each."""
    from dtgx.regions.codes import level_of, parent_code
    from dtgx.regions.models import Region

    towns = [f"430821{100 + t:03d}000" for t in range(20)]
    villages = [f"{town[:9]}{200 + v:03d}" for town in towns for v in range(15)]
    codes = ["000000000000", "430000000000", "430800000000", COUNTY]
    Region.objects.bulk_create(
        Region(code=code, name=code, level=level_of(code), parent_id=parent_code(code))
        for code in [*codes, *towns, *villages]
    )
    return villages


def _rows(count: int, villages: list[str], rng: random.Random) -> list[list[str]]:
    from dtgx.identity import check_character

    rows = []
    for n in range(count):
        birth = date(1940, 1, 1).toordinal() + n // 900
        first17 = f"430821{date.fromordinal(birth):%Y%m%d}{n % 900:03d}"
        certificate = f"{first17}{check_character(first17)}{rng.randint(1, 7)}"
        certificate += str(rng.randint(1, 4))
        status = "正常" if rng.random() < 0.95 else rng.choice(["死亡", "迁出"])
        rows.append([certificate, f"持证人{n}", rng.choice(villages), status, "1"])
    return rows


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _next_year(rows: list[list[str]], villages: list[str], rng: random.Random) -> None:
    """5 % move, 2 % are renamed."""
    for row in rows:
        draw = rng.random()
        if draw < 0.05:
            row[2] = rng.choice(villages)
        elif draw < 0.07:
            row[1] += "改"


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    url = _configure()
    import django
    from django.core.management import call_command

    django.setup()
    from dtgx.accounts.models import RoleGrant, User
    from dtgx.accounts.roles import Role
    from dtgx.regions.models import Region
    from dtgx.registry.services import load_base_list

    call_command("migrate", verbosity=0)
    villages = _villages()
    county = Region.objects.get(code=COUNTY)
    clerk = User.objects.create_user("bench_clerk", region=county)
    RoleGrant.objects.create(user=clerk, role=Role.ENTRY_CLERK)
    rng = random.Random(2025)  # noqa: S311 (test data, not secrets)
    rows = _rows(count, villages, rng)

    def load(path: Path, year: int = 2025, *, dry_run: bool = False) -> str:
        report = load_base_list(
            clerk,
            path,
            region=county,
            year=year,
            reference_date=date(year, 6, 30),
            dry_run=dry_run,
        )
        assert report.ok, report.errors[:3]
        return report.summary()

    print(f"database: {url.split('@')[-1]}; {count} rows")
    with tempfile.TemporaryDirectory() as folder:
        first = _write(Path(folder) / "2025.csv", rows)
        _timed("dry run (check and plan, no writes)", lambda: load(first, dry_run=True))
        _timed("first load", lambda: load(first))
        _timed("same file again (digest)", lambda: load(first))
        rng.shuffle(rows)
        shuffled = _write(Path(folder) / "2025-shuffled.csv", rows)
        _timed("same rows in another order", lambda: load(shuffled))
        _next_year(rows, villages, rng)
        later = _write(Path(folder) / "2026.csv", rows)
        _timed("next year: 5 % moves, 2 % renames", lambda: load(later, 2026))


if __name__ == "__main__":
    main()
