"""Hooks the registry calls for the apps above it.

``base_list_checks`` run before a base list of ``year`` is loaded for a
region (dry runs included); each raises ``ValidationError`` with a message
for the user when the load must not happen. The survey registers the
region lock of the year's round: a region whose data are submitted keeps
its base list until the level above returns it.
"""

from __future__ import annotations

from collections.abc import Callable

base_list_checks: list[Callable[[int, str], None]] = []
