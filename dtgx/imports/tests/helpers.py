"""Filling the generated template as a clerk would, with openpyxl."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from dtgx.accounts.models import User
from dtgx.imports import services
from dtgx.imports.models import ImportBatch, ImportKind
from dtgx.imports.workbook import write_template
from dtgx.registry.models import Person
from dtgx.survey.models import CommunityRecord, PersonRecord, Round
from dtgx.survey.sheets import item_columns
from dtgx.survey.tests.helpers import SURVEY_DATE, adult_answers, village_answers


def person_cells(person: Person, **changes: object) -> dict[str, object]:
    """The adult farmer's answers of ``person`` as cells keyed by item id
    (H1 left empty: the system fills it); ``a__b=value`` changes item a.b."""
    answers = adult_answers(person)
    answers |= {
        "header.survey_method": 1,
        "footer.collector": "李采集",
        "footer.fill_date": SURVEY_DATE,
    }
    for key, value in changes.items():
        answers[key.replace("__", ".")] = value
    return {item_id: _cell(value) for item_id, value in answers.items()}


def village_cells(code: str, **changes: object) -> dict[str, object]:
    answers = village_answers() | {"header.region_code": code}
    for key, value in changes.items():
        answers[key.replace("__", ".")] = value
    return {item_id: _cell(value) for item_id, value in answers.items()}


def _cell(value: object) -> object:
    if isinstance(value, list | set | frozenset):
        return ",".join(str(code) for code in sorted(value))
    return value


def _columns(kind: str) -> list[Any]:
    model = PersonRecord if kind == "person" else CommunityRecord
    return list(item_columns(model.questionnaire()))


def header(kind: str = "person") -> list[str]:
    return [column.header for column in _columns(kind)]


def row_values(rows: dict[str, object], kind: str = "person") -> list[object]:
    return [rows.get(column.item.id) for column in _columns(kind)]


def filled_template(
    path: Path, rows: Sequence[dict[str, object]], kind: str = "person"
) -> Path:
    """The downloaded template with ``rows`` typed in from row 2."""
    model = PersonRecord if kind == "person" else CommunityRecord
    with path.open("wb") as handle:
        write_template(model.questionnaire(), handle)
    book = load_workbook(path)
    sheet = book.worksheets[0]
    for number, cells in enumerate(rows, start=2):
        for index, value in enumerate(row_values(cells, kind), start=1):
            sheet.cell(row=number, column=index, value=value)
    book.save(path)
    return path


def csv_bytes(
    rows: Sequence[Sequence[object]], *, head: Sequence[str], encoding: str = "utf-8"
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(head)
    for row in rows:
        writer.writerow(["" if v is None else _text(v) for v in row])
    return buffer.getvalue().encode(encoding)


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def upload(
    actor: User,
    round: Round,
    path_or_bytes: Path | bytes,
    *,
    name: str = "",
    kind: ImportKind = ImportKind.PERSON,
    reason: str = "",
    responsible_person: str = "",
) -> ImportBatch:
    """Upload and check (the immediate task backend runs the check)."""
    if isinstance(path_or_bytes, Path):
        data = path_or_bytes.read_bytes()
        name = name or path_or_bytes.name
    else:
        data = path_or_bytes
    batch = services.start_import(
        actor,
        round,
        kind,
        [data],
        file_name=name,
        reason=reason,
        responsible_person=responsible_person,
    )
    return batch


def problems(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return [(p.line, p.column, p.message) for p in batch.problems.all()]


def commit(actor: User, batch: ImportBatch) -> ImportBatch:
    services.decide_import(actor, batch, commit=True)
    batch.refresh_from_db()
    return batch
