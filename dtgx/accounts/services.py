"""State changes of accounts. Each runs in one transaction and writes its
audit event; callers have already fetched objects through ``access``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from dtgx.accounts import access
from dtgx.accounts.audit import record_event
from dtgx.accounts.models import AgreementAcceptance, RoleGrant, User
from dtgx.accounts.roles import ROLE_LEVELS, Role
from dtgx.regions.codes import Level
from dtgx.regions.models import Region


@dataclass(frozen=True)
class NewAccount:
    username: str
    display_name: str
    region: Region
    roles: frozenset[Role]
    initial_password: str
    phone: str = ""


def check_roles_fit_region(roles: Iterable[Role], region: Region) -> None:
    level = Level(region.level)
    misplaced = [role for role in roles if level not in ROLE_LEVELS[role]]
    if misplaced:
        names = "、".join(str(role.label) for role in misplaced)
        raise ValidationError(
            _("角色“%(roles)s”不能设在%(level)s级，请改选角色或所属区划。")
            % {"roles": names, "level": level.label}
        )


def _check_admin_may_place(admin: User, region: Region) -> None:
    if not access.assignable_regions(admin).filter(code=region.code).exists():
        raise PermissionDenied(_("您只能为本级和直接下一级区划创建或管理账号。"))


def _snapshot(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "region": user.region_id,
        "is_active": user.is_active,
        "roles": sorted(user.role_grants.values_list("role", flat=True)),
    }


def create_account(admin: User, new: NewAccount) -> User:
    """Create an account of the admin's level or the level directly below.

    The holder must change the initial password at first login."""
    _check_admin_may_place(admin, new.region)
    if not new.roles:
        raise ValidationError(_("请至少选择一个角色。"))
    check_roles_fit_region(new.roles, new.region)
    if User.objects.filter(username=new.username).exists():
        raise ValidationError(
            _("登录名“%(name)s”已被使用，请换一个。") % {"name": new.username}
        )
    candidate = User(
        username=new.username, display_name=new.display_name, region=new.region
    )
    validate_password(new.initial_password, candidate)

    with transaction.atomic():
        candidate.phone = new.phone
        candidate.must_change_password = True
        candidate.created_by = admin
        candidate.set_password(new.initial_password)
        candidate.save()
        RoleGrant.objects.bulk_create(
            RoleGrant(user=candidate, role=role, granted_by=admin)
            for role in sorted(new.roles)
        )
        record_event(
            actor=admin,
            action="account.create",
            target_type="user",
            target_id=str(candidate.pk),
            region_code=new.region.code,
            after=_snapshot(candidate),
        )
    return candidate


def change_roles(
    admin: User, user: User, roles: frozenset[Role], *, reason: str
) -> None:
    if user.region is None:
        raise PermissionDenied
    _check_admin_may_place(admin, user.region)
    if not roles:
        raise ValidationError(_("请至少选择一个角色；不再使用的账号请停用。"))
    check_roles_fit_region(roles, user.region)

    with transaction.atomic():
        before = _snapshot(user)
        RoleGrant.objects.filter(user=user).exclude(role__in=roles).delete()
        existing = set(
            RoleGrant.objects.filter(user=user).values_list("role", flat=True)
        )
        RoleGrant.objects.bulk_create(
            RoleGrant(user=user, role=role, granted_by=admin)
            for role in sorted(roles)
            if role not in existing
        )
        user.__dict__.pop("_role_cache", None)
        record_event(
            actor=admin,
            action="account.change_roles",
            target_type="user",
            target_id=str(user.pk),
            region_code=user.region.code,
            before=before,
            after=_snapshot(user),
            reason=reason,
        )


def set_account_active(admin: User, user: User, *, active: bool, reason: str) -> None:
    """Disable (or re-enable) an account. Accounts are never deleted: their
    actions stay attributed in the audit trail."""
    if user.region is None:
        raise PermissionDenied
    _check_admin_may_place(admin, user.region)
    if user.pk == admin.pk:
        raise PermissionDenied(_("不能停用自己的账号。"))
    if not reason.strip():
        raise ValidationError(_("请填写停用或启用的原因。"))

    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active == active:
            return
        before = _snapshot(locked)
        locked.is_active = active
        locked.save(update_fields=["is_active"])
        record_event(
            actor=admin,
            action="account.enable" if active else "account.disable",
            target_type="user",
            target_id=str(locked.pk),
            region_code=user.region.code,
            before=before,
            after=_snapshot(locked),
            reason=reason,
        )
    user.is_active = active


def reset_password(admin: User, user: User, *, new_password: str) -> None:
    if user.region is None:
        raise PermissionDenied
    _check_admin_may_place(admin, user.region)
    validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = True
        user.save(update_fields=["password", "must_change_password"])
        record_event(
            actor=admin,
            action="account.reset_password",
            target_type="user",
            target_id=str(user.pk),
            region_code=user.region.code,
        )


def complete_password_change(user: User) -> None:
    """Called after the user set a new password of their own."""
    with transaction.atomic():
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
        record_event(
            actor=user,
            action="account.change_password",
            target_type="user",
            target_id=str(user.pk),
            region_code=user.region_id or "",
        )


def accept_agreement(user: User, *, ip_address: str | None) -> AgreementAcceptance:
    version = settings.CONFIDENTIALITY_AGREEMENT_VERSION
    with transaction.atomic():
        acceptance, created = AgreementAcceptance.objects.get_or_create(
            user=user, version=version, defaults={"ip_address": ip_address}
        )
        if created:
            record_event(
                actor=user,
                action="agreement.accept",
                target_type="user",
                target_id=str(user.pk),
                region_code=user.region_id or "",
                after={"version": version},
            )
    return acceptance


def bootstrap_account(new: NewAccount, *, must_change_password: bool = True) -> User:
    """Create an account from the command line (no acting administrator):
    the first administrator of a deployment, or the demo accounts."""
    check_roles_fit_region(new.roles, new.region)
    candidate = User(
        username=new.username, display_name=new.display_name, region=new.region
    )
    validate_password(new.initial_password, candidate)

    with transaction.atomic():
        candidate.phone = new.phone
        candidate.must_change_password = must_change_password
        candidate.set_password(new.initial_password)
        candidate.save()
        RoleGrant.objects.bulk_create(
            RoleGrant(user=candidate, role=role) for role in sorted(new.roles)
        )
        record_event(
            actor=None,
            action="account.bootstrap",
            target_type="user",
            target_id=str(candidate.pk),
            region_code=new.region.code,
            after=_snapshot(candidate),
        )
    return candidate


def is_locked_out(user: User) -> bool:
    """Whether repeated login failures have locked the account (django-axes)."""
    from axes.models import AccessAttempt

    locked: bool = AccessAttempt.objects.filter(
        username=user.username,
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
    ).exists()
    return locked


def unlock_account(admin: User, user: User) -> None:
    """Clear the login failures that locked an account."""
    from axes.utils import reset

    if user.region is None:
        raise PermissionDenied
    _check_admin_may_place(admin, user.region)
    with transaction.atomic():
        cleared = reset(username=user.username)
        record_event(
            actor=admin,
            action="account.unlock",
            target_type="user",
            target_id=str(user.pk),
            region_code=user.region.code,
            after={"failures_cleared": cleared},
        )


class AccountLockedOut(PermissionDenied):
    """Too many wrong passwords: the account is locked like after failed
    logins, and the session that tried has been logged out."""


def confirm_password(request: HttpRequest, user: User, password: str) -> bool:
    """Check the password the logged-in ``user`` typed again to confirm an
    act (a signature). It goes through ``authenticate`` like the login
    form, so django-axes counts a wrong password towards the same lockout
    (``LOGIN_FAILURE_LIMIT`` failures lock the account for
    ``LOGIN_LOCKOUT_MINUTES``) and refuses a locked account even with the
    right password. Every failure is an audit event, without the password.

    Returns whether the password is right; raises ``AccountLockedOut``
    (after logging the session out) once the account is locked."""
    confirmed = authenticate(request, username=user.username, password=password)
    if confirmed is not None and confirmed.pk == user.pk:
        return True

    locked = bool(getattr(request, "axes_locked_out", False))
    with transaction.atomic():
        record_event(
            actor=user,
            action="account.confirm_password_failed",
            target_type="user",
            target_id=str(user.pk),
            region_code=user.region_id or "",
            after={"path": request.path[:200], "locked_out": locked},
        )
    if locked:
        logout(request)
        raise AccountLockedOut(
            _(
                "密码连续输错次数过多，账号已暂时锁定并已退出登录。"
                "请%(minutes)s分钟后再登录，或联系本级系统管理员解锁。"
            )
            % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}
        )
    return False
