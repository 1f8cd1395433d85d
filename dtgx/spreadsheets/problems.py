"""The bad-row type every file import reports with."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A problem with one cell of a file: the line (as the spreadsheet
    numbers it), the column's header, the value as read and a Chinese
    message saying what to fix. ``column`` and ``value`` are empty for a
    problem of the whole row."""

    line: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        return _("第%(line)s行 %(column)s“%(value)s”：%(message)s") % {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }
