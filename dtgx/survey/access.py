"""Who may see which rounds and records.

Every survey view, export, import and API fetches records through this
module. A record outside the user's subtree is "not found", so that its
existence is not revealed. Person records are real-name data: they need a
real-name role as well. Community records describe a village, not a person,
and need the region scope only.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dtgx.accounts.access import may_see_real_names, region_scope
from dtgx.accounts.models import User
from dtgx.registry.models import BaseListEntry, Person, Residence
from dtgx.survey.models import CommunityRecord, PersonRecord, Round


def rounds_visible_to(user: User) -> QuerySet[Round]:
    """Rounds are national: every user with a region sees all of them."""
    if region_scope(user) is None:
        return Round.objects.none()
    return Round.objects.all()


def get_round_or_404(user: User, year: int) -> Round:
    try:
        return rounds_visible_to(user).get(year=year)
    except Round.DoesNotExist:
        raise Http404(_("没有%(year)s年度的动态更新。") % {"year": year}) from None


def get_round_person_or_404(user: User, round: Round, pk: int) -> Person:
    """The person to enter for ``round``: one whose residence on the round's
    reference date lies in the user's subtree, wherever they live now (a
    person who moves during the year is counted once, in the village of the
    reference date). A person without a residence on that date is found by
    the current residence, so that the service can say what is missing.
    ``Http404`` otherwise (one query)."""
    prefix = region_scope(user)
    if prefix is None or not may_see_real_names(user):
        raise _person_not_found()
    on_reference_date = Residence.objects.on(round.reference_date)
    resident_then = on_reference_date.filter(village__code__startswith=prefix).values(
        "person_id"
    )
    without_residence = Q(region_code__startswith=prefix) & ~Exists(
        on_reference_date.filter(person_id=OuterRef("pk"))
    )
    persons = Person.objects.filter(Q(pk__in=resident_then) | without_residence)
    try:
        return persons.select_related("village").get(pk=pk)
    except Person.DoesNotExist:
        raise _person_not_found() from None


def _person_not_found() -> Http404:
    return Http404(_("此人不存在，或标准时点时不在您的管辖范围内。"))


def person_records_visible_to(user: User, round: Round) -> QuerySet[PersonRecord]:
    """The round's person records in the user's subtree; none without a
    real-name role or a region. No query until evaluated."""
    prefix = region_scope(user)
    if prefix is None or not may_see_real_names(user):
        return PersonRecord.objects.none()
    return PersonRecord.objects.filter(round=round, region_code__startswith=prefix)


def get_person_record_or_404(user: User, pk: int) -> PersonRecord:
    """The record with its round, village, person and last saver, or
    ``Http404`` when it does not exist or lies outside what the user may
    see (one query)."""
    prefix = region_scope(user)
    if prefix is None or not may_see_real_names(user):
        raise _not_found()
    records = PersonRecord.objects.select_related(
        "round", "village", "person", "entered_by", "updated_by"
    )
    try:
        return records.get(pk=pk, region_code__startswith=prefix)
    except PersonRecord.DoesNotExist:
        raise _not_found() from None


def community_records_visible_to(user: User, round: Round) -> QuerySet[CommunityRecord]:
    """The round's community records in the user's subtree."""
    prefix = region_scope(user)
    if prefix is None:
        return CommunityRecord.objects.none()
    return CommunityRecord.objects.filter(round=round, region_code__startswith=prefix)


def get_community_record_or_404(user: User, pk: int) -> CommunityRecord:
    """The record with its round, village and savers, or ``Http404`` (one
    query)."""
    prefix = region_scope(user)
    if prefix is None:
        raise _not_found()
    records = CommunityRecord.objects.select_related(
        "round", "village", "entered_by", "updated_by"
    )
    try:
        return records.get(pk=pk, region_code__startswith=prefix)
    except CommunityRecord.DoesNotExist:
        raise _not_found() from None


def _not_found() -> Http404:
    return Http404(_("登记表记录不存在，或不在您的管辖范围内。"))


def pending_entries_visible_to(user: User, round: Round) -> QuerySet[BaseListEntry]:
    """Base-list entries of the round's year in the user's subtree (by the
    village at the reference date) whose person has no record in the round
    yet: who is still to be entered. Real-name data, like person records."""
    prefix = region_scope(user)
    if prefix is None or not may_see_real_names(user):
        return BaseListEntry.objects.none()
    entered = PersonRecord.objects.filter(round=round, person_id=OuterRef("person_id"))
    return BaseListEntry.objects.filter(
        year=round.year, village__code__startswith=prefix
    ).filter(~Exists(entered))
