"""Benchmark of the person import (``make bench``, section ``import``).

``bench_import(rows)`` builds a county with ``3 × rows`` holders, writes a
person file of ``rows`` generated forms as xlsx and another as csv (and a
third xlsx for the reference: a third of the county each, so that every
import creates its records; files go village by village), and
imports each through the real path: upload, dry run, commit, with the
audit of every record. Each import runs in a fresh process, which reports
its time and its peak resident memory (``getrusage``), so that the
figures are those of the import and not of building the county.

The reference is django-import-export (a dev dependency) loading the same
xlsx into ``PersonRecord`` with a plain ``ModelResource``: no scope, lock,
skip-logic or identifier checks, no history, no audit. The ratio says what
the checks and the audit cost on top of a bare import.
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

CLERK = "bench_import_clerk"
COLLECTOR = "李采集"


def bench_import(rows: int) -> None:
    """Print time and peak memory of importing ``rows`` person forms as
    xlsx and as csv, and of the django-import-export reference."""
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic():
        holders = _build(3 * rows)
    print(
        f"  {'county built (' + format(3 * rows, ',') + ' holders)':<46}"
        f" {time.perf_counter() - started:>8.1f} s"
    )

    with tempfile.TemporaryDirectory() as folder:
        xlsx = Path(folder) / "persons.xlsx"
        csv = Path(folder) / "persons.csv"
        other = Path(folder) / "reference.xlsx"
        started = time.perf_counter()
        _write_files(holders[0::3], xlsx, None)
        _write_files(holders[1::3], None, csv)
        _write_files(holders[2::3], other, None)
        del holders
        print(
            f"  {'files written':<46} {time.perf_counter() - started:>8.1f} s"
            f"   xlsx {xlsx.stat().st_size / 2**20:.1f} MB,"
            f" csv {csv.stat().st_size / 2**20:.1f} MB"
        )

        ours = _in_child("import xlsx (check + commit)", _import, xlsx)
        _in_child("import csv (check + commit)", _import, csv)
        reference = _in_child("django-import-export, xlsx", _reference, other)
    if ours and reference:
        print(
            f"  {'ratio ours / django-import-export (xlsx)':<46}"
            f" {ours / reference:>8.2f} ×"
        )


def _in_child(label: str, work: Any, path: Path) -> float | None:
    """Run ``work(path)`` in a fresh process; print and return its time."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(work, path, queue))
    process.start()
    process.join()
    if process.exitcode != 0 or queue.empty():
        print(f"  {label:<46} failed (exit {process.exitcode})")
        return None
    seconds, peak_mb, note = queue.get()
    print(f"  {label:<46} {seconds:>8.1f} s   peak {peak_mb:,.0f} MB   {note}")
    return float(seconds)


def _child(work: Any, path: Path, queue: Any) -> None:
    import django

    django.setup()
    started = time.perf_counter()
    note = work(path)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB else
    queue.put((seconds, peak * scale / 2**20, note))


def _import(path: Path) -> str:
    from dtgx.accounts.models import User
    from dtgx.imports import services
    from dtgx.imports.models import ImportKind
    from dtgx.survey.models import Round

    clerk = User.objects.get(username=CLERK)
    round = Round.objects.get(year=2025)
    with path.open("rb") as handle:
        checked = time.perf_counter()
        batch = services.start_import(
            clerk,
            round,
            ImportKind.PERSON,
            iter(lambda: handle.read(2**20), b""),
            file_name=path.name,
        )
        checked = time.perf_counter() - checked
    committed = time.perf_counter()
    services.decide_import(clerk, batch, commit=True)
    committed = time.perf_counter() - committed
    batch.refresh_from_db()
    return (
        f"check {checked:.1f} s, commit {committed:.1f} s: {batch.status}, "
        f"created {batch.to_create:,}, bad {batch.rows_bad:,}"
    )


def _reference(path: Path) -> str:
    """django-import-export loading the same file with a bare resource."""
    from dtgx.imports.bench_reference import import_with_django_import_export

    return import_with_django_import_export(path, CLERK)


# --- the county and its files --------------------------------------------


def _build(holders: int) -> list[Any]:
    from dtgx.accounts.models import AgreementAcceptance, RoleGrant, User
    from dtgx.accounts.roles import Role
    from dtgx.regions.models import Region
    from dtgx.survey.models import Round
    from dtgx.validation.bench_region import (
        COUNTY,
        PERSONS_PER_VILLAGE,
        _persons,
        _regions,
    )

    round = Round.objects.create(
        year=2025,
        form_version="2018",
        rule_set_version="national-2018",
        reference_date=date(2025, 6, 30),
        campaign_start=date(2025, 7, 1),
        campaign_end=date(2025, 10, 31),
        status="open",
    )
    villages = _regions(-(-holders // PERSONS_PER_VILLAGE))
    clerk = User.objects.create(username=CLERK, region=Region.objects.get(code=COUNTY))
    RoleGrant.objects.create(user=clerk, role=Role.ENTRY_CLERK)
    from django.conf import settings

    AgreementAcceptance.objects.create(
        user=clerk, version=settings.CONFIDENTIALITY_AGREEMENT_VERSION
    )
    # Files of a county come village by village (as its exports do).
    return sorted(_persons(villages, holders, clerk, round), key=_village_order)


def _village_order(person: Any) -> tuple[str, int]:
    return (person.region_code, person.pk)


def _write_files(holders: list[Any], xlsx: Path | None, csv: Path | None) -> None:
    from dtgx.survey.models import PersonRecord
    from dtgx.survey.sheets import item_columns

    columns = item_columns(PersonRecord.questionnaire())
    header = [column.header for column in columns]
    if xlsx is not None:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("登记表")
        sheet.append(header)
        for row in _rows(holders, columns):
            sheet.append(row)
        book.save(xlsx)
    if csv is not None:
        import csv as csv_module

        with csv.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv_module.writer(handle)
            writer.writerow(header)
            for row in _rows(holders, columns):
                writer.writerow(["" if v is None else str(v) for v in row])


def _rows(holders: list[Any], columns: Any) -> Iterator[list[object]]:
    from dtgx.demo.answers import AnswerGenerator, MistakeRates
    from dtgx.survey.models import Round
    from dtgx.survey.services import COLLECTOR_ITEM, DATE_ITEM, METHOD_ITEM
    from dtgx.survey.sheets import cell_value

    round = Round.objects.get(year=2025)
    generator = AnswerGenerator(seed=2025, rates=MistakeRates(0, 0, 0, 0))
    for person in holders:
        form = generator.person(person, round, COLLECTOR)
        answers = dict(form.answers)
        answers[METHOD_ITEM] = form.survey_method
        answers[COLLECTOR_ITEM] = form.collector
        answers[DATE_ITEM] = form.survey_date
        yield [
            cell_value(c.item, _value(answers.get(c.item.id)), reveal_ids=True)
            for c in columns
        ]


def _value(value: object) -> Any:
    if isinstance(value, list | set):
        return frozenset(value)
    return value
