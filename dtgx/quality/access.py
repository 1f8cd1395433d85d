"""Who may see which spot checks, and who may act on them.

A spot check is visible to every user whose subtree holds the checked
region: the level above that draws and marks it, and the region itself,
which reads the results of a return. Outside the subtree it is "not
found". Names of the sampled holders are shown only to real-name roles
that accepted the confidentiality agreement (``shows_names``).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from dtgx.accounts.access import (
    has_accepted_agreement,
    may_see_real_names,
    region_scope,
)
from dtgx.accounts.models import User
from dtgx.quality.models import SpotCheck, SpotCheckItem


def get_spot_check_or_404(user: User, pk: int) -> SpotCheck:
    """The spot check with its submission, round and who drew it."""
    prefix = region_scope(user)
    if prefix is None:
        raise _not_found()
    spot_checks = SpotCheck.objects.filter(
        submission__region_code__startswith=prefix
    ).select_related("submission__round", "drawn_by")
    try:
        return spot_checks.get(pk=pk)
    except SpotCheck.DoesNotExist:
        raise _not_found() from None


def get_item_or_404(user: User, pk: int) -> SpotCheckItem:
    """A sampled record of a spot check the user may see."""
    prefix = region_scope(user)
    if prefix is None:
        raise _not_found()
    items = SpotCheckItem.objects.filter(
        spot_check__submission__region_code__startswith=prefix
    ).select_related("spot_check__submission__round")
    try:
        return items.get(pk=pk)
    except SpotCheckItem.DoesNotExist:
        raise _not_found() from None


def shows_names(user: User) -> bool:
    """Whether the spot check page names the sampled holders."""
    return may_see_real_names(user) and has_accepted_agreement(user)


def _not_found() -> Http404:
    return Http404(_("抽查不存在，或不在您的管辖范围内。"))
