"""Region pages: a region with its ancestors and children."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dtgx.accounts.access import acting_user, get_region_or_404, visible_regions
from dtgx.regions.codes import ancestor_codes


@login_required
def region_index(request: HttpRequest) -> HttpResponse:
    """Send the user to the page of their own region."""
    user = acting_user(request)
    if user.region_id is None:
        raise Http404(_("您的账号还没有所属区划，请联系系统管理员。"))
    return redirect("regions:detail", code=user.region_id)


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A region, the ancestors the user may see (as links), and its current
    children with the number of their own current children (one query)."""
    user = acting_user(request)
    region = get_region_or_404(user, code)

    ancestors = visible_regions(user).filter(code__in=ancestor_codes(region.code))
    children = (
        region.children.current()
        .annotate(
            child_count=Count("children", filter=Q(children__valid_to__isnull=True))
        )
        .order_by("code")
    )
    context = {
        "region": region,
        "ancestors": ancestors.order_by("code"),
        "children": children,
    }
    return render(request, "regions/region_detail.html", context)
