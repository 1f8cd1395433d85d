"""Signals the survey services send, for the apps above survey.

``record_saved`` goes out inside the transaction of every write to a
person or community record (entry, import, API, bulk correction), after
the row is written: the logic audit (``dtgx.validation``) listens to
recompute the record's findings in the same transaction, so a save and
its findings commit or roll back together. Arguments:

* ``sender``: the record's model class (``PersonRecord`` or
  ``CommunityRecord``);
* ``record``: the record as stored now;
* ``actor``: the user who saved it;
* ``changed``: the ids of the items whose value changed, or ``None`` for a
  new record.
"""

from __future__ import annotations

from collections.abc import Callable

from django.dispatch import Signal

record_saved = Signal()

# Checks ``create_round`` runs on the rule-set version a new round names;
# each raises ``ValidationError`` when it cannot be used. The logic audit
# registers one that knows the rule-set files.
rule_set_checks: list[Callable[[str], None]] = []
