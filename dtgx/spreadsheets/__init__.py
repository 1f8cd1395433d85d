"""Reading spreadsheets people send: CSV and XLSX, streamed, and the one
type every importer uses to report a bad cell (``RowProblem``).

The writing side is :mod:`dtgx.exports`. This package has no models and
no database access; the apps that load files (the registry's base lists,
the survey imports) build on it.
"""

from dtgx.spreadsheets.problems import RowProblem
from dtgx.spreadsheets.reading import (
    MAX_BYTES,
    TableError,
    TableFile,
    header_key,
    is_blank,
    open_table,
)

__all__ = [
    "MAX_BYTES",
    "RowProblem",
    "TableError",
    "TableFile",
    "header_key",
    "is_blank",
    "open_table",
]
