"""Benchmarks that print figures: ``make bench``.

Runs on ``BENCH_DATABASE_URL`` (default: a fresh SQLite file in ``var/``);
``BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/dtgx_bench make bench``
runs the same on PostgreSQL (the database is dropped and created anew).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _configure() -> str:
    url = os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'bench.sqlite3'}"
    )
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    elif url.startswith(("postgres://", "postgresql://")):
        _recreate_postgres_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DTGX_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dtgx.settings")
    return url


def _recreate_postgres_database(url: str) -> None:
    """Start each run on an empty database of the URL's name."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _timed(label: str, work: Callable[[], object], *, repeat: int = 1) -> float:
    best = float("inf")
    result: object = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    print(f"  {label:<58} {best * 1000:>10.1f} ms   -> {result}")
    return best


def bench_regions(villages_per_township: int = 12) -> None:
    """Division table load and subtree (code prefix) queries at province
    scale: every county of the built-in table gets generated townships and
    villages, about 250,000 regions in all."""
    from django.db import transaction

    from dtgx.regions.builtin import load_builtin_divisions
    from dtgx.regions.codes import Level
    from dtgx.regions.models import Region

    print("regions")
    _timed(
        "load built-in provinces, prefectures, counties",
        lambda: load_builtin_divisions().summary(),
    )
    counties = list(Region.objects.filter(level=Level.COUNTY).order_by("code"))
    rng = random.Random(7)
    started = time.perf_counter()
    with transaction.atomic():
        rows: list[Region] = []
        for county in counties:
            for t in range(1, 1 + rng.randint(6, 10)):
                town = f"{county.code[:6]}{100 + t:03d}000"
                rows.append(
                    Region(
                        code=town,
                        name="镇",
                        level=Level.TOWNSHIP,
                        parent_id=county.code,
                    )
                )
                rows += [
                    Region(
                        code=f"{town[:9]}{200 + v:03d}",
                        name="村",
                        level=Level.VILLAGE,
                        parent_id=town,
                    )
                    for v in range(villages_per_township)
                ]
        Region.objects.bulk_create(rows, batch_size=5000)
    print(
        f"  {'bulk insert of generated townships and villages':<58} "
        f"{(time.perf_counter() - started) * 1000:>10.1f} ms   -> {len(rows)} rows"
    )

    hunan, cili = "430000000000", "430821000000"
    _timed(
        "subtree count of a county (prefix match)",
        lambda: Region.objects.within(cili).count(),
        repeat=5,
    )
    _timed(
        "subtree count of a province (prefix match)",
        lambda: Region.objects.within(hunan).count(),
        repeat=5,
    )
    _timed(
        "villages of a province (prefix match + level)",
        lambda: Region.objects.within(hunan).filter(level=Level.VILLAGE).count(),
        repeat=5,
    )


# Each section runs in its own process on a freshly created database, with
# the number of records of its target: (title, runner, SQLite, PostgreSQL).
SECTIONS = {
    "audit": "logic audit, generated tables (national rule set)",
    "region": "logic audit on the real tables: on save and by county",
    "summary": "summary tables of a province",
    "import": "import of a person file (xlsx and csv)",
}
DEFAULTS = {
    "audit": ("100000", "1000000"),
    "region": ("20000", "70000"),
    "summary": ("100000", "1000000"),
    "import": ("100000", "100000"),
}


def main() -> None:
    """``python -m dtgx.bench``: every section, each in a fresh process;
    ``python -m dtgx.bench <section>``: one of them (``BENCH_SECTIONS``
    picks some, comma-separated)."""
    if len(sys.argv) > 1:
        _run_section(sys.argv[1])
        return
    wanted = os.environ.get("BENCH_SECTIONS", ",".join(SECTIONS)).split(",")
    for section in wanted:
        if section not in SECTIONS:
            raise SystemExit(
                f"unknown section {section!r}: one of {', '.join(SECTIONS)}"
            )
        command = [sys.executable, "-m", "dtgx.bench", section]
        result = subprocess.run(command, check=False)  # noqa: S603 (our own module)
        if result.returncode:
            raise SystemExit(result.returncode)


def _run_section(section: str) -> None:
    url = _configure()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    postgres = url.startswith("postgres")
    count = int(
        os.environ.get(f"BENCH_{section.upper()}_RECORDS")
        or DEFAULTS[section][1 if postgres else 0]
    )
    print(f"\n{SECTIONS[section]} — database: {url.split('@')[-1]}")
    if section == "audit":
        bench_regions()
        from dtgx.validation.bench import bench_audit

        bench_audit(count)
    elif section == "region":
        from dtgx.validation.bench_region import bench_region_audit

        bench_region_audit(count)
    elif section == "summary":
        from dtgx.reporting.bench_summary import bench_summary

        bench_summary(count)
    elif section == "import":
        try:
            from dtgx.imports.bench import bench_import
        except ImportError:
            print("  (the import benchmark is not installed)")
            return
        bench_import(count)
    else:
        raise SystemExit(f"unknown section {section!r}: one of {', '.join(SECTIONS)}")


if __name__ == "__main__":
    main()
