"""The authenticator app (TOTP): binding it with a code, codes good once
and only near their time, the enrolment page, the reset by a user
administrator, and no secret in the audit trail."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pyotp
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dtgx.accounts import authenticator
from dtgx.accounts.models import AuditEvent, Authenticator, User
from dtgx.accounts.roles import Role
from dtgx.conftest import World

STEP = timedelta(seconds=authenticator.STEP_SECONDS)


def bind(user: User) -> pyotp.TOTP:
    """Bind an app for ``user`` with the code of the step before now, so
    that the current code is still unused; returns the app."""
    authenticator.issue_secret(user)
    app = pyotp.TOTP(Authenticator.objects.get(user=user).secret)
    earlier = timezone.now() - STEP
    authenticator.confirm_authenticator(user, app.at(earlier), at=earlier)
    return app


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clerk(world: World) -> User:
    return world.person("cili_clerk", world.cili, Role.ENTRY_CLERK)


# --- binding ---------------------------------------------------------------


def test_it_binds_an_app_once_the_holder_types_its_code(clerk: User) -> None:
    enrolment = authenticator.issue_secret(clerk)
    secret = Authenticator.objects.get(user=clerk).secret
    assert authenticator.get_confirmed(clerk) is None
    assert enrolment.uri.startswith("otpauth://totp/")
    assert f"secret={secret}" in enrolment.uri
    assert enrolment.qr_data_uri.startswith("data:image/svg+xml")

    authenticator.confirm_authenticator(clerk, pyotp.TOTP(secret).now())

    assert authenticator.get_confirmed(clerk) is not None
    event = AuditEvent.objects.get(action="account.authenticator.confirm")
    assert event.actor == clerk
    assert secret not in json.dumps([event.before, event.after, event.reason])


def test_it_refuses_to_bind_with_a_wrong_code(clerk: User) -> None:
    authenticator.issue_secret(clerk)

    with pytest.raises(ValidationError, match="动态码不正确或已过期"):
        authenticator.confirm_authenticator(clerk, "000000")
    with pytest.raises(ValidationError, match="请输入身份验证器上的6位动态码"):
        authenticator.confirm_authenticator(clerk, "12ab")

    assert authenticator.get_confirmed(clerk) is None
    assert not AuditEvent.objects.filter(action__startswith="account.authenticator")


def test_a_new_secret_replaces_the_pending_one(clerk: User) -> None:
    authenticator.issue_secret(clerk)
    first = pyotp.TOTP(Authenticator.objects.get(user=clerk).secret)
    authenticator.issue_secret(clerk)

    with pytest.raises(ValidationError, match="动态码不正确"):
        authenticator.confirm_authenticator(clerk, first.now())


def test_it_refuses_a_new_secret_once_an_app_is_bound(clerk: User) -> None:
    bind(clerk)

    with pytest.raises(ValidationError, match="请联系本级系统管理员重置"):
        authenticator.issue_secret(clerk)


# --- codes -----------------------------------------------------------------


def test_it_accepts_codes_one_step_either_side_of_now(clerk: User) -> None:
    app = bind(clerk)
    now = timezone.now()

    authenticator.check_code(clerk, app.at(now + STEP), at=now)
    with pytest.raises(ValidationError, match="动态码不正确或已过期"):
        authenticator.check_code(clerk, app.at(now + 2 * STEP), at=now)
    with pytest.raises(ValidationError, match="动态码不正确或已过期"):
        authenticator.check_code(clerk, app.at(now - 3 * STEP), at=now)


def test_a_code_is_good_once(clerk: User) -> None:
    app = bind(clerk)
    now = timezone.now()
    authenticator.check_code(clerk, app.at(now), at=now)

    with pytest.raises(ValidationError, match="这个动态码已经使用过"):
        authenticator.check_code(clerk, app.at(now), at=now)
    with pytest.raises(ValidationError, match="这个动态码已经使用过"):
        authenticator.check_code(clerk, app.at(now - STEP), at=now)
    authenticator.check_code(clerk, app.at(now + STEP), at=now)


def test_it_asks_to_bind_an_app_first(clerk: User) -> None:
    authenticator.issue_secret(clerk)  # pending, not bound

    with pytest.raises(ValidationError, match="您尚未绑定身份验证器"):
        authenticator.check_code(clerk, "123456")


# --- the pages -------------------------------------------------------------


def test_the_enrolment_page_shows_the_secret_once_and_binds(clerk: User) -> None:
    client = as_user(clerk)
    url = reverse("accounts:authenticator")

    page = client.get(url)
    html = page.content.decode()
    secret = Authenticator.objects.get(user=clerk).secret
    assert "no-store" in page["Cache-Control"]
    assert 'src="data:image/svg+xml' in html
    assert "otpauth://totp/" in html
    assert 'name="code"' in html

    wrong = client.post(url, {"code": "000000"})
    assert "动态码不正确或已过期" in wrong.content.decode()
    assert "otpauth://totp/" in wrong.content.decode()  # still pending

    bound = client.post(url, {"code": pyotp.TOTP(secret).now()})
    assert bound.status_code == 302
    assert bound["Location"] == reverse("accounts:my_account")
    again = client.get(url).content.decode()
    assert "您已于" in again
    assert "otpauth" not in again
    assert secret not in again
    mine = client.get(reverse("accounts:my_account")).content.decode()
    assert "已绑定" in mine


def test_an_admin_resets_a_lost_app_with_a_reason(world: World, clerk: User) -> None:
    admin = world.person("cili_admin", world.cili, Role.USER_ADMIN)
    bind(clerk)
    detail = reverse("accounts:user_detail", args=[clerk.pk])
    reset = reverse("accounts:user_reset_authenticator", args=[clerk.pk])
    assert "重置身份验证器</button>" in as_user(admin).get(detail).content.decode()

    refused = as_user(admin).post(reset, {"reason": ""})
    assert refused.status_code == 302
    assert authenticator.get_confirmed(clerk) is not None

    response = as_user(admin).post(reset, {"reason": "手机丢失"})

    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=clerk).exists()
    event = AuditEvent.objects.get(action="account.authenticator.reset")
    assert (event.actor, event.reason) == (admin, "手机丢失")
    assert event.target_id == str(clerk.pk)
    page = as_user(clerk).get(reverse("accounts:authenticator")).content.decode()
    assert re.search(r'name="code"', page)


def test_only_an_admin_within_reach_resets(world: World, clerk: User) -> None:
    bind(clerk)
    sangzhi_admin = world.person("sangzhi_admin", world.sangzhi, Role.USER_ADMIN)

    with pytest.raises(PermissionDenied):
        authenticator.reset_authenticator(sangzhi_admin, clerk, reason="手机丢失")
    url = reverse("accounts:user_reset_authenticator", args=[clerk.pk])
    assert as_user(clerk).post(url, {"reason": "x"}).status_code == 403
    assert authenticator.get_confirmed(clerk) is not None
