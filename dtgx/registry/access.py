"""Who may see which persons and base lists, and how identity numbers show.

Every registry view, export and API fetches persons through this module.
A person outside the user's subtree is "not found", so that their existence
is not revealed.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dtgx.accounts.access import may_see_real_names, region_scope
from dtgx.accounts.models import User
from dtgx.accounts.roles import UNMASKED_ID_ROLES, Role
from dtgx.identity import mask_id_number
from dtgx.regions.codes import Level, level_of
from dtgx.regions.models import Region, RegionQuerySet
from dtgx.registry.models import BaseList, Person, PersonQuerySet

LOADER_ROLES = (Role.ENTRY_CLERK, Role.OFFICE_DIRECTOR)


def persons_visible_to(user: User) -> PersonQuerySet:
    """Persons whose current residence lies in the user's subtree; none for
    a user without a real-name role or region. No query until evaluated
    (the user's roles are read once per request)."""
    prefix = region_scope(user)
    if prefix is None or not may_see_real_names(user):
        return Person.objects.none()
    return Person.objects.filter(region_code__startswith=prefix)


def get_person_or_404(user: User, pk: int) -> Person:
    """The person with its current village, or ``Http404`` when it does not
    exist or lies outside the user's subtree (one query)."""
    try:
        return persons_visible_to(user).select_related("village").get(pk=pk)
    except Person.DoesNotExist:
        raise Http404(_("此人不存在，或不在您的管辖范围内。")) from None


def shows_full_id_numbers(user: User) -> bool:
    """Whether the user's pages show whole identity and certificate numbers
    (each page that does logs a reveal); others see them masked."""
    return bool(user.role_set & UNMASKED_ID_ROLES)


def persons_matching(user: User, query: str) -> PersonQuerySet:
    """Persons a search box entry of ``user`` finds. Roles that see masked
    numbers match whole numbers only, so that searching by prefixes cannot
    reveal the hidden digits. Not scoped: filter the result by scope."""
    return Person.objects.matching(query, partial_numbers=shows_full_id_numbers(user))


def id_for_display(user: User, value: str) -> str:
    return value if shows_full_id_numbers(user) else mask_id_number(value)


def base_lists_visible_to(user: User) -> QuerySet[BaseList]:
    """Base lists of regions in the user's subtree (no personal data)."""
    prefix = region_scope(user)
    if prefix is None:
        return BaseList.objects.none()
    return BaseList.objects.filter(region__code__startswith=prefix)


def may_load_base_lists(user: User) -> bool:
    """Entry clerks and office directors of a county or a higher level."""
    if user.region_id is None or not user.has_role(*LOADER_ROLES):
        return False
    return level_of(user.region_id) <= Level.COUNTY


def loadable_regions(user: User) -> RegionQuerySet:
    """Current regions of county level or above in the user's subtree: the
    regions a base list may be loaded for."""
    prefix = region_scope(user)
    if prefix is None or not may_load_base_lists(user):
        return Region.objects.none()
    return (
        Region.objects.current()
        .filter(code__startswith=prefix, level__lte=Level.COUNTY)
        .order_by("code")
    )
