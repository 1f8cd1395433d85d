"""Access helpers: the one place that decides who may see or change what.

Every view, API and export fetches protected objects through a helper of
this module (or of the owning app's ``access`` module, built on
``region_scope``). Objects outside the user's subtree are reported as not
found, so that their existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from dtgx.accounts.models import AccessLog, AgreementAcceptance, User
from dtgx.accounts.roles import REAL_NAME_LIST_ROLES, REAL_NAME_ROLES, Role
from dtgx.regions.codes import Level, prefix_of
from dtgx.regions.models import Region, RegionQuerySet

View = TypeVar("View", bound=Callable[..., HttpResponse])


def acting_user(request: HttpRequest) -> User:
    """The logged-in user of a request that passed ``login_required``."""
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        raise PermissionDenied
    return user


# --- regions -------------------------------------------------------------


def region_scope(user: User) -> str | None:
    """The code prefix of everything the user may see; ``None`` for nothing."""
    if user.region_id is None or not user.is_active:
        return None
    return prefix_of(user.region_id)


def is_in_scope(user: User, code: str) -> bool:
    prefix = region_scope(user)
    return prefix is not None and code.startswith(prefix)


def visible_regions(user: User) -> RegionQuerySet:
    prefix = region_scope(user)
    if prefix is None:
        return Region.objects.none()
    return Region.objects.filter(code__startswith=prefix)


def get_region_or_404(user: User, code: str) -> Region:
    try:
        return visible_regions(user).select_related("parent").get(code=code)
    except Region.DoesNotExist:
        raise Http404(_("区划不存在，或不在您的管辖范围内。")) from None


# --- user accounts -------------------------------------------------------


def assignable_regions(admin: User) -> RegionQuerySet:
    """Regions an administrator may give accounts to: its own and the level
    directly below, never above or sideways."""
    if not admin.has_role(Role.USER_ADMIN) or admin.region_id is None:
        return Region.objects.none()
    return Region.objects.filter(code=admin.region_id) | Region.objects.filter(
        parent_id=admin.region_id
    )


def manageable_users(admin: User) -> Any:
    """Accounts an administrator may create, change or disable."""
    if not admin.has_role(Role.USER_ADMIN) or admin.region_id is None:
        return User.objects.none()
    return User.objects.filter(region__in=assignable_regions(admin)).exclude(
        pk=admin.pk
    )


def get_managed_user_or_404(admin: User, pk: int) -> User:
    try:
        user: User = manageable_users(admin).select_related("region").get(pk=pk)
    except User.DoesNotExist:
        raise Http404(_("账号不存在，或不归您管理。")) from None
    return user


# --- access log ----------------------------------------------------------


def can_read_access_log(user: User) -> bool:
    return user.has_role(Role.OFFICE_DIRECTOR) and region_scope(user) is not None


def visible_access_log(user: User) -> Any:
    """Access-log rows about data of the director's subtree."""
    prefix = region_scope(user)
    if not can_read_access_log(user) or prefix is None:
        return AccessLog.objects.none()
    return AccessLog.objects.filter(region_code__startswith=prefix)


# --- confidentiality agreement and roles ---------------------------------


def has_accepted_agreement(user: User) -> bool:
    return AgreementAcceptance.objects.filter(
        user=user, version=settings.CONFIDENTIALITY_AGREEMENT_VERSION
    ).exists()


def may_see_real_names(user: User) -> bool:
    return bool(user.role_set & REAL_NAME_ROLES) and region_scope(user) is not None


def may_list_real_names(user: User) -> bool:
    """Whether the user may list and export real-name data (persons,
    records, findings), not only see the records a spot check sampled."""
    return may_see_real_names(user) and bool(user.role_set & REAL_NAME_LIST_ROLES)


def role_required(*roles: Role) -> Callable[[View], View]:
    """Allow the view to users holding any of ``roles``."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not acting_user(request).has_role(*roles):
                raise PermissionDenied(_("您的角色不能使用此功能。"))
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def real_name_view(view: View) -> View:
    """Guard a page that shows real-name data of persons with disabilities.

    The user needs a real-name role and an accepted confidentiality agreement
    of the current version; until then the page explains what to do."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = acting_user(request)
        if not may_see_real_names(user):
            raise PermissionDenied(_("您的角色不能查看实名数据。"))
        if not has_accepted_agreement(user):
            return render(request, "accounts/agreement_required.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


def real_name_list_view(view: View) -> View:
    """Guard a list or export of real-name data: ``real_name_view``, and
    a role that may take whole lists (``may_list_real_names``)."""
    guarded = real_name_view(view)

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Anonymous visitors go on to the login page, other roles without
        # real names to ``real_name_view``'s own refusal.
        user = request.user
        expert_only = (
            isinstance(user, User)
            and may_see_real_names(user)
            and not may_list_real_names(user)
        )
        if expert_only:
            raise PermissionDenied(list_refused_message())
        return guarded(request, *args, **kwargs)

    wrapped.lists_real_names = True  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def list_refused_message() -> str:
    return _(
        "专家/第三方评估账号可以查看汇总表和抽查样本中的登记表，不能列出或"
        "导出持证残疾人名单、登记表名单和审核发现。如评估需要，请联系本级"
        "动态更新办主任提供。"
    )


def level_of_user(user: User) -> Level | None:
    if user.region is None:
        return None
    return Level(user.region.level)
