"""Cleaning typed, pasted and imported text before it is checked.

Identifiers (identity numbers, certificate numbers, codes) and names are
cleaned differently: an identifier is folded to plain ASCII and loses every
invisible character, while a name keeps its characters and only has its
spacing tidied.
"""

from __future__ import annotations

import unicodedata

# Unicode categories removed from identifiers: separators (spaces, line and
# paragraph separators), control characters and format characters (which
# include U+200B zero width space, U+200D joiners and U+FEFF byte order mark).
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})

# Characters that render as blank but sit in other categories.
_BLANK_LOOKING = frozenset(
    {
        "\u034f",  # combining grapheme joiner
        "\u115f",  # hangul choseong filler
        "\u1160",  # hangul jungseong filler
        "\u17b4",  # khmer vowel inherent aq
        "\u17b5",  # khmer vowel inherent aa
        "\u2800",  # braille pattern blank
        "\u3164",  # hangul filler
        "\uffa0",  # halfwidth hangul filler
    }
)

# Characters removed from names: pasted zero-width marks. Joiners (U+200C,
# U+200D) stay, since some scripts need them inside a name.
_NAME_INVISIBLE = frozenset({"\u200b", "\u2060", "\ufeff"})

# Folding rarely needs more than two passes; the bound only guards the loop.
_MAX_PASSES = 8


def normalize_identifier(raw: object) -> str:
    """Return ``raw`` as a clean identifier; never raises.

    ``None`` becomes ``""``; any other object is turned into text with
    ``str()`` (or its default ``repr`` if ``str()`` fails). The text is
    NFKC-folded (full-width digits and letters become ASCII), stripped of
    every whitespace, control, format and zero-width character (also inside
    the value) and upper-cased, so ``x`` becomes ``X``.
    The result is a fixed point: normalising it again returns it unchanged.
    """
    text = _as_text(raw)
    if text.isascii() and text.isalnum():
        # The common case, already clean: NFKC leaves ASCII letters and
        # digits alone and there is nothing invisible to remove.
        return text.upper()
    for _pass in range(_MAX_PASSES):
        folded = _fold_once(text)
        if folded == text:
            break
        text = folded
    return text


def normalize_name(raw: object) -> str:
    """Return a person's name with its spacing tidied; never raises.

    Runs of whitespace (including no-break and ideographic spaces) become one
    space, leading and trailing whitespace goes, and zero-width marks and
    control characters are removed. Nothing else changes: no NFKC folding,
    no case change, so legitimate characters of a name are kept.
    """
    text = "".join(char for char in _as_text(raw) if not _is_name_noise(char))
    return " ".join(text.split())


def raw_if_changed(raw: object, normalised: str) -> str | None:
    """The raw text when normalisation changed it, for the audit trail
    ("recorded as typed: …"); ``None`` if it did not or ``raw`` is ``None``."""
    if raw is None:
        return None
    text = _as_text(raw)
    return text if text != normalised else None


def _as_text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw
    try:
        return str(raw)
    except Exception:
        # A broken __str__ must not break a batch import: fall back to the
        # default representation, which then fails the charset check.
        return object.__repr__(raw)


def _fold_once(text: str) -> str:
    # Remove before folding (so a hidden mark cannot block composition) and
    # after it (NFKC turns some characters into spaces, e.g. U+00A8).
    text = _remove_invisible(text)
    text = unicodedata.normalize("NFKC", text).upper()
    return _remove_invisible(text)


def _remove_invisible(text: str) -> str:
    return "".join(char for char in text if not _is_invisible(char))


def _is_invisible(char: str) -> bool:
    return (
        char in _BLANK_LOOKING
        or char.isspace()
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
    )


def _is_name_noise(char: str) -> bool:
    if char in _NAME_INVISIBLE:
        return True
    return unicodedata.category(char) == "Cc" and not char.isspace()
