"""Helpers shared by the regions tests."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from dtgx.regions.importer import ImportReport, import_code_list

# The real national table beside the project (absent on a fresh machine).
REAL_DIVISIONS = Path(__file__).resolve().parents[3].parent / "shared/data/divisions"

# A small county with its ancestors: 北京市 › 市辖区 › 东城区 › two streets.
BASE_ROWS = [
    ("code", "name"),
    ("110000000000", "北京市"),
    ("110100000000", "市辖区"),
    ("110101000000", "东城区"),
    ("110101001000", "东华门街道"),
    ("110101002000", "景山街道"),
]


def write_csv(
    path: Path, rows: Sequence[Sequence[str]], *, encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def import_rows(
    tmp_path: Path,
    rows: Sequence[Sequence[str]],
    *,
    year: int = 2024,
    name: str = "list.csv",
    withdraw_missing: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    return import_code_list(
        write_csv(tmp_path / name, rows),
        year=year,
        withdraw_missing=withdraw_missing,
        dry_run=dry_run,
    )
