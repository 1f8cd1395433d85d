"""Entry progress of a round in a region, one row per child region.

Expected persons come from the base lists of the round's year (底册): an
entry counts for the village it names at the reference date. A person is
entered once the round has a record for them, wherever it was entered.
Villages expect one community form each. Counts are grouped in the
database by the code prefix of the child level, so the number of queries
does not depend on the number of regions or persons.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr

from dtgx.regions.codes import PREFIX_LENGTH, Level, pad_code
from dtgx.regions.models import Region
from dtgx.registry.models import BaseListEntry
from dtgx.survey.models import CommunityRecord, PersonRecord, Round


@dataclass(frozen=True)
class ProgressRow:
    """Counts of one region: persons expected by the base list, person
    records entered there, expected persons without a record, current
    villages and community records entered."""

    code: str
    name: str
    expected: int
    entered: int
    pending: int
    villages: int
    communities: int

    @property
    def percent(self) -> int | None:
        """Share of expected persons entered, in whole percent."""
        if not self.expected:
            return None
        return round(100 * (self.expected - self.pending) / self.expected)


@dataclass(frozen=True)
class Progress:
    region: Region
    rows: tuple[ProgressRow, ...]
    total: ProgressRow


def compute_progress(round: Round, region: Region) -> Progress:
    """Progress of ``round`` in ``region`` by child region (by the village
    itself for a village). Five queries: the children, then one grouped
    count each of base-list entries, person records, villages and
    community records."""
    children = list(region.children.order_by("code"))
    length = PREFIX_LENGTH[children[0].level] if children else len(region.code)
    prefix = region.prefix
    counts = _Counts(
        *_entry_counts(round, prefix, length),
        _grouped(
            PersonRecord.objects.filter(round=round), "region_code", prefix, length
        ),
        _village_counts(prefix, length),
        _grouped(
            CommunityRecord.objects.filter(round=round), "region_code", prefix, length
        ),
    )
    names = {child.code[:length]: child.name for child in children} or {
        region.code[:length]: region.name
    }
    keys = sorted(set(names) | counts.keys())
    rows = tuple(counts.row(key, names.get(key, "")) for key in keys)
    return Progress(region, rows, counts.total(region))


@dataclass(frozen=True)
class _Counts:
    expected: Counter[str]
    done: Counter[str]
    entered: Counter[str]
    villages: Counter[str]
    communities: Counter[str]

    def keys(self) -> set[str]:
        found = (self.expected, self.entered, self.villages, self.communities)
        return {key for counter in found for key in counter}

    def row(self, key: str, name: str) -> ProgressRow:
        code = pad_code(key)
        return ProgressRow(
            code=code,
            name=name or code,
            expected=self.expected[key],
            entered=self.entered[key],
            pending=self.expected[key] - self.done[key],
            villages=self.villages[key],
            communities=self.communities[key],
        )

    def total(self, region: Region) -> ProgressRow:
        expected = self.expected.total()
        return ProgressRow(
            code=region.code,
            name=region.name,
            expected=expected,
            entered=self.entered.total(),
            pending=expected - self.done.total(),
            villages=self.villages.total(),
            communities=self.communities.total(),
        )


def _entry_counts(
    round: Round, prefix: str, length: int
) -> tuple[Counter[str], Counter[str]]:
    """(expected, expected with a record) per key, in one query."""
    has_record = Exists(
        PersonRecord.objects.filter(round=round, person_id=OuterRef("person_id"))
    )
    rows = (
        BaseListEntry.objects.filter(year=round.year, village__code__startswith=prefix)
        .annotate(key=Substr("village_id", 1, length))
        .values("key")
        .annotate(expected=Count("pk"), done=Count("pk", filter=Q(has_record)))
        .order_by()
    )
    expected: Counter[str] = Counter()
    done: Counter[str] = Counter()
    for row in rows:
        expected[row["key"]] = row["expected"]
        done[row["key"]] = row["done"]
    return expected, done


def _village_counts(prefix: str, length: int) -> Counter[str]:
    villages = Region.objects.current().filter(level=Level.VILLAGE)
    return _grouped(villages, "code", prefix, length)


def _grouped(
    queryset: QuerySet[Any], field: str, prefix: str, length: int
) -> Counter[str]:
    """Rows of ``queryset`` whose ``field`` starts with ``prefix``, counted
    by the first ``length`` characters of ``field`` (one query)."""
    rows = (
        queryset.filter(**{f"{field}__startswith": prefix})
        .annotate(key=Substr(field, 1, length))
        .values("key")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return Counter({row["key"]: row["count"] for row in rows})
