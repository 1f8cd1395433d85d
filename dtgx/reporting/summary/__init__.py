"""The summary tables (汇总表) of a region and round.

Definitions are data (``tables/*.yaml``, see ``definitions``); the numbers
come from one conditional-aggregate query per source (``compute``); a
result is a frozen ``TableResult`` that a snapshot stores as JSON and
``write_summary_xlsx`` lays out as a government-style workbook.
"""

from dtgx.reporting.summary.compute import compute_all, compute_table, percentage
from dtgx.reporting.summary.definitions import (
    TableDefinition,
    TableDefinitionError,
    get_table,
    load_tables,
)
from dtgx.reporting.summary.result import CellValue, TableResult
from dtgx.reporting.summary.xlsx import write_summary_xlsx

__all__ = [
    "CellValue",
    "TableDefinition",
    "TableDefinitionError",
    "TableResult",
    "compute_all",
    "compute_table",
    "get_table",
    "load_tables",
    "percentage",
    "write_summary_xlsx",
]
