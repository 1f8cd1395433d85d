"""The authenticator app as a second factor (TOTP, RFC 6238).

A holder binds an app by scanning the QR code of a fresh secret and typing
the code it shows (``issue_secret``, ``confirm_authenticator``); signing
services then ask for a current code (``check_code``) where the province
wants it (``dtgx.reporting.policy.second_factor_required``). A user
administrator clears a lost app (``reset_authenticator``).

Codes of the step before and after the current one are accepted, for
clocks a little off. A code is good once: the step of the last accepted
code is kept and that step or an earlier one is refused, so a code seen
over a shoulder cannot be used again within its window. The secret is in
the database and on the enrolment page only: never in a log, audit event
or message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pyotp.utils import strings_equal

from dtgx.accounts import access
from dtgx.accounts.audit import record_event
from dtgx.accounts.models import Authenticator, User

ISSUER = "残疾人动态更新系统"
DIGITS = 6
STEP_SECONDS = 30
# Steps either side of the current one whose codes are accepted.
TOLERANCE_STEPS = 1
CODE_PATTERN = re.compile(r"^[0-9]{6}$")


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows once: the secret as an otpauth URI,
    as a QR code (SVG data URI) and grouped for typing by hand."""

    uri: str
    qr_data_uri: str
    secret_groups: str


def get_confirmed(user: User) -> Authenticator | None:
    """The user's bound authenticator, ``None`` when none or pending."""
    return Authenticator.objects.filter(user=user, confirmed_at__isnull=False).first()


def issue_secret(user: User) -> Enrolment:
    """Start binding an app: a new secret replaces any pending one.

    Refused once an app is bound: the holder asks a user administrator to
    reset it (a lost phone) rather than rebinding silently."""
    if get_confirmed(user) is not None:
        raise ValidationError(
            _("您已绑定身份验证器。如需更换手机，请联系本级系统管理员重置后再绑定。"),
            code="bound",
        )
    secret = pyotp.random_base32()
    Authenticator.objects.update_or_create(
        user=user,
        defaults={"secret": secret, "issued_at": timezone.now(), "confirmed_at": None},
    )
    return build_enrolment(user, secret)


def get_pending_enrolment(user: User) -> Enrolment | None:
    """The pending secret again, for a page that refused a mistyped code."""
    pending = Authenticator.objects.filter(user=user, confirmed_at__isnull=True).first()
    return build_enrolment(user, pending.secret) if pending else None


def build_enrolment(user: User, secret: str) -> Enrolment:
    uri = _totp(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    qr = segno.make(uri, error="m")
    groups = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return Enrolment(
        uri=uri, qr_data_uri=qr.svg_data_uri(scale=4), secret_groups=groups
    )


def confirm_authenticator(
    user: User, code: str, *, at: datetime | None = None
) -> Authenticator:
    """Bind the pending app once the holder types a code it shows."""
    with transaction.atomic():
        pending = (
            Authenticator.objects.select_for_update()
            .filter(user=user, confirmed_at__isnull=True)
            .first()
        )
        if pending is None:
            raise ValidationError(
                _("没有待绑定的身份验证器，请刷新页面，重新扫描二维码。"),
                code="second_factor",
            )
        pending.last_used_step = _accepted_step(pending, code, at)
        pending.confirmed_at = timezone.now()
        pending.save(update_fields=["last_used_step", "confirmed_at"])
        record_event(
            actor=user,
            action="account.authenticator.confirm",
            target_type="user",
            target_id=str(user.pk),
            region_code=user.region_id or "",
            after={"authenticator": "totp"},
        )
    return pending


def check_code(user: User, code: str, *, at: datetime | None = None) -> None:
    """Accept a current code of the user's bound app, once; raise a
    ``ValidationError`` (code ``second_factor``) saying what to do
    otherwise. Locks the user's authenticator row; joins the caller's
    transaction, so a refusal later in it leaves the code unused."""
    with transaction.atomic():
        authenticator = (
            Authenticator.objects.select_for_update()
            .filter(user=user, confirmed_at__isnull=False)
            .first()
        )
        if authenticator is None:
            raise ValidationError(
                _("您尚未绑定身份验证器，请先在“我的账户”中绑定。"),
                code="second_factor",
            )
        authenticator.last_used_step = _accepted_step(authenticator, code, at)
        authenticator.save(update_fields=["last_used_step"])


def reset_authenticator(admin: User, user: User, *, reason: str) -> bool:
    """Clear a user's app (lost or replaced phone), so that they bind a new
    one. Returns whether there was one to clear."""
    if user.region is None or not (
        access.assignable_regions(admin).filter(code=user.region.code).exists()
    ):
        raise PermissionDenied(_("您只能为本级和直接下一级区划创建或管理账号。"))
    if not reason.strip():
        raise ValidationError(_("请填写重置身份验证器的原因。"))

    with transaction.atomic():
        current = Authenticator.objects.select_for_update().filter(user=user).first()
        if current is None:
            return False
        before = {"confirmed": current.confirmed_at is not None}
        current.delete()
        record_event(
            actor=admin,
            action="account.authenticator.reset",
            target_type="user",
            target_id=str(user.pk),
            region_code=user.region.code,
            before=before,
            after={"confirmed": False},
            reason=reason,
        )
    return True


def _accepted_step(authenticator: Authenticator, code: str, at: datetime | None) -> int:
    """The time step ``code`` belongs to, if it is current and unused."""
    code = "".join((code or "").split())
    if not CODE_PATTERN.match(code):
        raise ValidationError(
            _("请输入身份验证器上的6位动态码。"), code="second_factor"
        )
    step = _matching_step(authenticator.secret, code, at or timezone.now())
    if step is None:
        raise ValidationError(
            _(
                "动态码不正确或已过期。请输入身份验证器上当前显示的6位动态码；"
                "如果一直不正确，请检查手机的时间是否准确。"
            ),
            code="second_factor",
        )
    last = authenticator.last_used_step
    if last is not None and step <= last:
        raise ValidationError(
            _("这个动态码已经使用过，请等身份验证器显示新的动态码后再输入。"),
            code="second_factor",
        )
    return step


def _matching_step(secret: str, code: str, at: datetime) -> int | None:
    totp = _totp(secret)
    current = totp.timecode(at)
    steps = range(current - TOLERANCE_STEPS, current + TOLERANCE_STEPS + 1)
    # Compare every candidate in constant time, without stopping early.
    matches = [s for s in steps if strings_equal(totp.generate_otp(s), code)]
    return max(matches) if matches else None


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
