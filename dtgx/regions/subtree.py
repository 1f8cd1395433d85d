"""Filtering rows by the region subtree their code falls in.

Codes are digits, so "starts with the prefix" is the same as "at least the
prefix and below the prefix followed by ``:``" (the character after ``9``).
PostgreSQL answers ``LIKE 'prefix%'`` from the ``varchar_pattern_ops``
indexes on the code columns. SQLite cannot use a plain index for LIKE (its
LIKE ignores case), so a prefix filter there read every row of the round:
a village's audit during an import cost more the more records the county
already had (0.12 s of one query at 79,000 records), and a 100,000-row
import slowed down as it went. There the range is used instead, which the
indexes on the code columns answer.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

# The character after the digits: every code with the prefix sorts below
# the prefix followed by it.
_ABOVE_DIGITS = ":"


def _check(prefix: str) -> str:
    if prefix and not prefix.isdigit():
        raise ValueError("a region code prefix is digits only")
    return prefix


def in_subtree(prefix: str, field: str = "region_code") -> Q:
    """The rows whose ``field`` (a region code) starts with ``prefix``."""
    prefix = _check(prefix)
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + _ABOVE_DIGITS})
    return Q(**{f"{field}__startswith": prefix})


def subtree_sql(column: str, prefix: str) -> tuple[str, list[str]]:
    """``in_subtree`` as a condition on ``column`` (SQL, already quoted)
    with its parameters, for hand-written SQL."""
    prefix = _check(prefix)
    if connection.vendor == "sqlite":
        return f"{column} >= %s AND {column} < %s", [prefix, prefix + _ABOVE_DIGITS]
    return f"{column} LIKE %s", [prefix + "%"]


def subtree_literal(column: str, prefix: str) -> str:
    """``subtree_sql`` with the prefix written into the SQL text, for
    queries compiled once and reused (the prefix is digits only, checked
    here; a mark that the caller replaces later is allowed as it is)."""
    if connection.vendor == "sqlite":
        return f"{column} >= '{prefix}' AND {column} < '{prefix}{_ABOVE_DIGITS}'"
    return f"{column} LIKE '{prefix}%'"
