"""The ``region`` URL converter: exactly 12 ASCII digits.

Anything else in a region position of a URL is a plain 404 before any view
or database query runs (a NUL byte once reached PostgreSQL as a 500)."""

from __future__ import annotations


class RegionCodeConverter:
    regex = "[0-9]{12}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
