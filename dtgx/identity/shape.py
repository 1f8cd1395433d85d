"""The first gate of every check: is the value there, of the right length,
and made of the right characters?"""

from __future__ import annotations

from dtgx.identity import problems
from dtgx.identity.problems import Problem


def shape_problems(
    value: str, *, label: str, size: int, x_index: int | None, rule: str
) -> tuple[Problem, ...]:
    """Problems with a normalised ``value`` that must be ``size`` ASCII
    digits, with an ``X`` allowed only at ``x_index`` (0-based; ``None``: no
    ``X`` at all). Reports the first invalid character and a wrong length
    together, so one message names everything to fix; empty for a good value.
    """
    if not value:
        return (problems.empty(label),)

    found: list[Problem] = []
    bad = _first_invalid_index(value, x_index)
    if bad is not None:
        found.append(
            problems.charset(label, position=bad + 1, char=value[bad], rule=rule)
        )
    if len(value) != size:
        found.append(problems.length(label, expected=size, actual=len(value)))
    return tuple(found)


def _first_invalid_index(value: str, x_index: int | None) -> int | None:
    for index, char in enumerate(value):
        if char in "0123456789":
            continue
        if char == "X" and index == x_index:
            continue
        return index
    return None
