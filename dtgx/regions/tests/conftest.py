from __future__ import annotations

from pathlib import Path

import pytest

from dtgx.regions.importer import ImportReport
from dtgx.regions.tests.helpers import BASE_ROWS, import_rows


@pytest.fixture
def base_county(tmp_path: Path, db: None) -> ImportReport:
    report = import_rows(tmp_path, BASE_ROWS, year=2023, name="base.csv")
    assert report.ok, report.errors
    return report
