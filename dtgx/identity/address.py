"""The address-code lookup used to warn about unknown 地址码.

The historical code list belongs to ``dtgx.regions``; it is imported lazily so
that this package works (and its tests run) without it. Callers and tests may
inject any ``Callable[[str], bool]`` instead.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable

logger = logging.getLogger(__name__)

AddressLookup = Callable[[str], bool]

_DEFAULT_MODULE = "dtgx.regions.address_codes"

# Mainland province codes (GB/T 2260). 71 (Taiwan), 81 and 82 (Hong Kong,
# Macao) and 83 (residence permits of Taiwan residents) are left out on
# purpose: such numbers are not expected on a mainland 残疾人证, so they are
# flagged for review.
_MAINLAND_PROVINCES = frozenset(
    str(number)
    for first, last in ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65))
    for number in range(first, last + 1)
)


def resolve_lookup(known_address: AddressLookup | None) -> AddressLookup:
    """Return ``known_address``, or the project's default lookup if it is
    ``None``."""
    return known_address if known_address is not None else _default_lookup()


@functools.cache
def _default_lookup() -> AddressLookup:
    """``dtgx.regions.address_codes.is_known_address_code``, or a coarse
    province-prefix check where that module is missing (so that checking an
    identity number never fails on a deployment without the code list)."""
    try:
        module = importlib.import_module(_DEFAULT_MODULE)
        lookup: AddressLookup = module.is_known_address_code
    except (ImportError, AttributeError):
        logger.warning(
            "%s.is_known_address_code is unavailable; address codes are "
            "checked by province prefix only",
            _DEFAULT_MODULE,
        )
        return is_mainland_province_prefix
    return lookup


def is_mainland_province_prefix(code: str) -> bool:
    """Whether the first two digits of ``code`` are a mainland province."""
    return code[:2] in _MAINLAND_PROVINCES
