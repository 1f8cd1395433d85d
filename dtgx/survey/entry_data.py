"""What the entry screen reads besides the form: the person's header, last
round's community form, and who in a village is still to be entered.

The callers have fetched the person, village and round through the access
helpers; the queries here stay inside what those allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from dtgx.accounts.models import User
from dtgx.identity import mask_id_number
from dtgx.questionnaires.expressions import Value
from dtgx.regions.models import Region
from dtgx.registry.access import persons_matching
from dtgx.registry.models import BaseListEntry, Person
from dtgx.survey import access, services
from dtgx.survey.answers import values_of
from dtgx.survey.models import CommunityRecord, RecordStatus, Round

# Community items that describe this year's filling, not the village.
COMMUNITY_PER_VISIT_ITEMS = frozenset(
    {"header.region_code", "footer.fill_date", "footer.township_reviewer"}
)
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class PersonHeader:
    """The person as the entry screen's header shows them: the number
    masked unless the user may see it whole, the age on the reference date
    and the village of residence on that date (empty when unknown)."""

    name: str
    certificate_number: str
    sex: str
    category: str
    grade: str
    age: int | None
    village_name: str
    village_code: str
    reference_date: str


def build_person_header(
    person: Person, round: Round, *, reveal_ids: bool
) -> PersonHeader:
    """One query: the residence on the reference date with its village."""
    number = person.certificate_number
    age = services.person_derived(person, round)["age"]
    residence = person.residence_on(round.reference_date)
    village = residence.village if residence is not None else None
    return PersonHeader(
        name=person.name,
        certificate_number=number if reveal_ids else mask_id_number(number),
        sex=person.get_sex_display(),
        category=person.get_category_display(),
        grade=person.get_grade_display(),
        age=age if isinstance(age, int) else None,
        village_name=village.name if village else _("（标准时点无居住地记录）"),
        village_code=village.code if village else "",
        reference_date=round.reference_date.isoformat(),
    )


@dataclass(frozen=True)
class CommunityPrefill:
    year: int
    answers: dict[str, Value]


def community_prefill(village: Region, round: Round) -> CommunityPrefill | None:
    """The village's saved community form of the latest earlier round,
    without the items that describe that year's filling (one query)."""
    last = (
        CommunityRecord.objects.filter(
            village=village, round__year__lt=round.year, status=RecordStatus.SAVED
        )
        .select_related("round")
        .order_by("-round__year")
        .first()
    )
    if last is None:
        return None
    form = CommunityRecord.questionnaire()
    values = values_of(form, last)
    answers: dict[str, Value] = {
        item_id: value
        for item_id, value in values.items()
        if value is not None and item_id not in COMMUNITY_PER_VISIT_ITEMS
    }
    return CommunityPrefill(last.round.year, answers)


@dataclass(frozen=True)
class Pending:
    """Who in a village is still to be entered: the next one in the list's
    order, how many remain, and (for a search) the matching entries."""

    next: BaseListEntry | None
    remaining: int
    entries: tuple[BaseListEntry, ...]


def next_pending(user: User, round: Round, village: Region, *, query: str) -> Pending:
    """Base-list entries of ``village`` without a record in ``round`` (the
    not-yet-entered list's query), in that list's order. Three queries."""
    pending = (
        access.pending_entries_visible_to(user, round)
        .filter(village=village)
        .select_related("person")
        .order_by("village_id", "pk")
    )
    first = pending.first()
    entries: tuple[BaseListEntry, ...] = ()
    if query:
        matching = pending.filter(person__in=persons_matching(user, query))
        entries = tuple(matching[:SEARCH_LIMIT])
    elif first is not None:
        entries = (first,)
    return Pending(next=first, remaining=pending.count(), entries=entries)
