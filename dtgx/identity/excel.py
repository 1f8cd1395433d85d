"""Recognising identifiers that Excel has turned into numbers (FC-09).

Excel keeps 15 significant digits, so an 18-digit identity number stored as a
number comes back as ``3.20102E+17`` or with its last three digits zeroed.
Such a value must be re-entered from the source, never "repaired".
"""

from __future__ import annotations

import re
from decimal import Decimal

from dtgx.identity import problems
from dtgx.identity.checksum import has_valid_check_character
from dtgx.identity.normalize import normalize_identifier
from dtgx.identity.problems import Problem

# 3.20102E+17, 3.20102198808153E17, 1E+17 (after normalisation: upper case).
_SCIENTIFIC = re.compile(r"\d+(?:\.\d*)?E[+-]?\d+")
# 320102198808153000.0 (a number written back as text with its decimals).
_DECIMAL = re.compile(r"\d+\.\d*")


def looks_like_excel_number(raw: object) -> Problem | None:
    """A problem with code ``excel_number`` if ``raw`` shows the marks of an
    18-digit identity number that went through a numeric spreadsheet cell,
    else ``None``. Never raises.

    Recognised: any int, float or Decimal (a numeric cell; ``bool`` is not
    one); text in scientific notation or with a decimal point; 18 digits
    ending in ``000`` whose check character fails (a valid number may end
    in ``000``, so the checksum decides).
    """
    return excel_damage(raw, length=18, label=problems.id_label())


def excel_damage(raw: object, *, length: int, label: str) -> Problem | None:
    """Like :func:`looks_like_excel_number`, for an identifier of ``length``
    characters (15, 18 or 20) named ``label`` in the message."""
    if _is_number(raw):
        return problems.excel_number(label)
    if isinstance(raw, str) and _is_damaged_text(normalize_identifier(raw), length):
        return problems.excel_number(label)
    return None


def _is_damaged_text(value: str, length: int) -> bool:
    if _SCIENTIFIC.fullmatch(value) or _DECIMAL.fullmatch(value):
        return True
    # Digits past the 15th significant one come back as zeros; an 18-digit
    # number can legitimately end in 000, so its failing checksum decides.
    zeroed = length - 15
    if zeroed <= 0 or len(value) != length or not _is_ascii_digits(value):
        return False
    return value.endswith("0" * zeroed) and not has_valid_check_character(value[:18])


def _is_number(raw: object) -> bool:
    return isinstance(raw, int | float | Decimal) and not isinstance(raw, bool)


def _is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
