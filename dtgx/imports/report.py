"""The error report of a batch: the rows that were not imported, as they
were in the file, with their line number and an error column saying what
to fix. The clerk corrects the rows in the report and imports it again.
Written with ``dtgx.exports`` (identifiers as text, formulas neutralised,
control characters removed)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.utils.translation import gettext as _

from dtgx.exports import Column, ColumnKind
from dtgx.imports.models import BadRow, ImportBatch, ImportProblem
from dtgx.questionnaires.definitions import ItemType
from dtgx.spreadsheets import header_key
from dtgx.survey.models import CommunityRecord, PersonRecord
from dtgx.survey.sheets import item_columns

ROWS_PER_QUERY = 2000


def report_columns(batch: ImportBatch) -> list[Column]:
    """行号, the file's columns (identifiers as text), 错误说明."""
    form = (PersonRecord if batch.kind == "person" else CommunityRecord).questionnaire()
    identifiers = {
        header_key(c.header)
        for c in item_columns(form)
        if c.item.type == ItemType.IDENTIFIER
    } | {
        header_key(c.item.number)
        for c in item_columns(form)
        if c.item.type == ItemType.IDENTIFIER
    }
    columns = [Column(_("行号"), ColumnKind.INTEGER)]
    for header in batch.headers:
        kind = (
            ColumnKind.IDENTIFIER
            if header_key(header) in identifiers
            else ColumnKind.TEXT
        )
        columns.append(Column(header, kind))
    columns.append(Column(_("错误说明"), ColumnKind.TEXT))
    return columns


def report_rows(batch: ImportBatch) -> Iterator[list[object]]:
    """One row per bad row, in file order; read in slices so that memory
    stays bounded however many rows were refused."""
    width = len(batch.headers)
    last = 0
    while True:
        rows = list(
            BadRow.objects.filter(batch=batch, line__gt=last).order_by("line")[
                :ROWS_PER_QUERY
            ]
        )
        if not rows:
            return
        messages = _messages(batch, rows[0].line, rows[-1].line)
        for row in rows:
            cells = [str(cell) if cell != "" else None for cell in row.cells]
            cells = (cells + [None] * width)[:width]
            yield [row.line, *cells, "；".join(messages.get(row.line, []))]
        last = rows[-1].line


def _messages(batch: ImportBatch, first: int, last: int) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    problems = ImportProblem.objects.filter(
        batch=batch, line__gte=first, line__lte=last
    ).values_list("line", "column", "value", "message")
    for line, column, value, message in problems:
        if column:
            found[line].append(
                _("%(column)s“%(value)s”：%(message)s")
                % {"column": column, "value": value, "message": message}
            )
        else:
            found[line].append(message)
    return found
