"""The GB 11643-1999 check character (ISO 7064 MOD 11-2).

With weights 2^(17-i) mod 11 for positions i = 0..16, and the check character
worth 1 (X = 10), every valid number satisfies Σ aᵢwᵢ + check ≡ 1 (mod 11).
Every weight is non-zero modulo the prime 11, so changing any one character
changes the sum and is always detected; adjacent weights differ by a non-zero
amount too, so swapping two adjacent different digits is always detected.
"""

from __future__ import annotations

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)

# Indexed by the weighted sum modulo 11.
CHECK_CHARACTERS = "10X98765432"


def check_character(first17: str) -> str:
    """The check character ("0"–"9" or "X") for 17 ASCII digits.

    Raises ``ValueError`` if ``first17`` is not exactly 17 ASCII digits; the
    ``check_*`` functions never call it with anything else.
    """
    if len(first17) != len(WEIGHTS) or not _is_ascii_digits(first17):
        raise ValueError("check_character needs exactly 17 ASCII digits")
    total = sum(
        int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True)
    )
    return CHECK_CHARACTERS[total % 11]


def has_valid_check_character(id18: str) -> bool:
    """Whether an 18-character value of the shape ``\\d{17}[\\dX]`` ends in
    its check character. Any other value gives ``False``."""
    if len(id18) != 18 or not _is_ascii_digits(id18[:17]):
        return False
    return check_character(id18[:17]) == id18[17]


def _is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()
