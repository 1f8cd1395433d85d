"""Benchmarks that print figures: ``make bench``.

Runs on ``BENCH_DATABASE_URL`` (default: a fresh SQLite file in ``var/``);
``BENCH_DATABASE_URL=postgres://root@127.0.0.1:5432/dtgx_bench make bench``
runs the same on PostgreSQL (the database is dropped and created anew).
"""

from __future__ import annotations

import os
import random
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


def main() -> None:
    url = _configure()
    import django
    from django.core.management import call_command

    django.setup()
    print(f"database: {url.split('@')[-1]}")
    call_command("migrate", verbosity=0)
    bench_regions()

    from dtgx.validation.bench import bench_audit

    # SQLite gets a tenth of the national-scale figure to keep `make bench`
    # short; PostgreSQL runs the full million of the target.
    default = "1000000" if url.startswith("postgres") else "100000"
    print("\nlogic audit (national rule set)")
    bench_audit(int(os.environ.get("BENCH_AUDIT_RECORDS", default)))


if __name__ == "__main__":
    main()
