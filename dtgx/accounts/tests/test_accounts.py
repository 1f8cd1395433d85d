"""Accounts: who may create whom, login security, the confidentiality
agreement, the access log and the audit trail."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

from dtgx.accounts import access, services
from dtgx.accounts.audit import record_event
from dtgx.accounts.models import (
    AccessAction,
    AccessLog,
    AgreementAcceptance,
    AuditEvent,
    User,
)
from dtgx.accounts.roles import Role
from dtgx.conftest import PASSWORD, World
from dtgx.regions.models import Region
from dtgx.urls import urlpatterns as site_urlpatterns


def _new(username: str, region: Region, *roles: Role) -> services.NewAccount:
    return services.NewAccount(
        username=username,
        display_name="张三",
        region=region,
        roles=frozenset(roles),
        initial_password="Initial-Pass-2026",
    )


# --- who administers whom ------------------------------------------------


def test_it_lets_a_county_admin_create_accounts_of_its_county(world: World) -> None:
    admin = world.person("cili_admin", world.cili, Role.USER_ADMIN)

    created = services.create_account(admin, _new("a1", world.cili, Role.AUDITOR))

    assert created.region == world.cili
    assert created.role_set == {Role.AUDITOR}
    assert created.must_change_password


def test_it_lets_a_county_admin_create_accounts_one_level_down(world: World) -> None:
    admin = world.person("cili_admin", world.cili, Role.USER_ADMIN)

    created = services.create_account(admin, _new("t1", world.lingyang, Role.COLLECTOR))

    assert created.region == world.lingyang


@pytest.mark.parametrize("where", ["village", "zhangjiajie", "sangzhi", "hunan"])
def test_it_refuses_accounts_two_levels_down_above_or_sideways(
    world: World, where: str
) -> None:
    admin = world.person("cili_admin", world.cili, Role.USER_ADMIN)
    region = getattr(world, where)

    with pytest.raises(PermissionDenied):
        services.create_account(admin, _new("x", region, Role.AUDITOR))

    assert not User.objects.filter(username="x").exists()


def test_it_refuses_a_role_at_a_level_where_it_does_not_exist(world: World) -> None:
    admin = world.person("cili_admin", world.cili, Role.USER_ADMIN)

    with pytest.raises(ValidationError, match="不能设在"):
        services.create_account(admin, _new("x", world.lingyang, Role.OFFICE_DIRECTOR))


def test_it_refuses_account_administration_to_other_roles(world: World) -> None:
    director = world.person("cili_director", world.cili, Role.OFFICE_DIRECTOR)

    with pytest.raises(PermissionDenied):
        services.create_account(director, _new("x", world.cili, Role.AUDITOR))


def test_it_refuses_weak_initial_passwords(world: World) -> None:
    admin = world.person("cili_admin", world.cili, Role.USER_ADMIN)
    weak = _new("x", world.cili, Role.AUDITOR)

    for password in ["short1A!", "alllowercaseletters", "12345678901234"]:
        with pytest.raises(ValidationError):
            services.create_account(
                admin,
                services.NewAccount(**{**weak.__dict__, "initial_password": password}),
            )


def test_it_disables_accounts_with_a_reason_and_never_deletes(world: World) -> None:
    admin = world.person("cili_admin", world.cili, Role.USER_ADMIN)
    clerk = world.person("clerk", world.lingyang, Role.ENTRY_CLERK)

    services.set_account_active(admin, clerk, active=False, reason="调离岗位")

    clerk.refresh_from_db()
    assert not clerk.is_active
    event = AuditEvent.objects.get(action="account.disable")
    assert event.actor == admin
    assert event.before is not None
    assert event.before["is_active"] is True
    assert event.after is not None
    assert event.after["is_active"] is False
    assert event.reason == "调离岗位"


def test_it_keeps_users_outside_the_admins_reach_out_of_its_list(world: World) -> None:
    admin = world.person("cili_admin", world.cili, Role.USER_ADMIN)
    mine = world.person("mine", world.lingyang, Role.COLLECTOR)
    world.person("too_deep", world.village, Role.COLLECTOR)
    world.person("neighbour", world.sangzhi, Role.ENTRY_CLERK)
    world.person("boss", world.zhangjiajie, Role.AUDITOR)

    assert list(access.manageable_users(admin)) == [mine]


# --- login security --------------------------------------------------------


def test_it_locks_an_account_after_repeated_failures(world: World) -> None:
    world.person("clerk", world.cili, Role.ENTRY_CLERK)
    client = Client()
    url = reverse("accounts:login")

    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "clerk", "password": "wrong"})
    locked = client.post(url, {"username": "clerk", "password": PASSWORD})

    assert locked.status_code == 429
    assert "暂时锁定" in locked.content.decode()


def test_it_lets_the_admin_unlock_a_locked_account(world: World) -> None:
    admin = world.person("cili_admin", world.cili, Role.USER_ADMIN)
    clerk = world.person("clerk", world.lingyang, Role.ENTRY_CLERK)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "clerk", "password": "x"})
    assert services.is_locked_out(clerk)

    services.unlock_account(admin, clerk)
    answer = client.post(
        reverse("accounts:login"), {"username": "clerk", "password": PASSWORD}
    )

    assert not services.is_locked_out(clerk)
    assert answer.status_code == 302
    assert AuditEvent.objects.filter(action="account.unlock").count() == 1


def test_it_tells_a_disabled_account_why_it_cannot_log_in(world: World) -> None:
    clerk = world.person("clerk", world.cili, Role.ENTRY_CLERK)
    clerk.is_active = False
    clerk.save()

    answer = Client().post(
        reverse("accounts:login"), {"username": "clerk", "password": PASSWORD}
    )

    assert answer.status_code == 200
    assert "此账号已停用" in answer.content.decode()


def test_it_ends_the_session_of_an_account_when_disabled(world: World) -> None:
    admin = world.person("cili_admin", world.cili, Role.USER_ADMIN)
    clerk = world.person("clerk", world.cili, Role.ENTRY_CLERK)
    client = Client()
    client.force_login(clerk)

    services.set_account_active(admin, clerk, active=False, reason="离职")

    assert client.get(reverse("home")).status_code == 302


def test_it_logs_in_with_the_right_password(world: World) -> None:
    world.person("clerk", world.cili, Role.ENTRY_CLERK)

    answer = Client().post(
        reverse("accounts:login"), {"username": "clerk", "password": PASSWORD}
    )

    assert answer.status_code == 302


def test_it_forces_a_password_change_at_first_login(world: World) -> None:
    admin = world.person("cili_admin", world.cili, Role.USER_ADMIN)
    services.create_account(admin, _new("newbie", world.cili, Role.AUDITOR))
    client = Client()
    client.post(
        reverse("accounts:login"),
        {"username": "newbie", "password": "Initial-Pass-2026"},
    )

    assert client.get(reverse("home"))["Location"] == reverse(
        "accounts:password_change"
    )
    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "Initial-Pass-2026",
            "new_password1": "My-Own-Secret-31",
            "new_password2": "My-Own-Secret-31",
        },
    )

    assert client.get(reverse("home")).status_code == 200
    assert not User.objects.get(username="newbie").must_change_password


def test_it_refuses_to_keep_the_administrators_password(world: World) -> None:
    admin = world.person("cili_admin", world.cili, Role.USER_ADMIN)
    services.create_account(admin, _new("newbie", world.cili, Role.AUDITOR))
    client = Client()
    client.post(
        reverse("accounts:login"),
        {"username": "newbie", "password": "Initial-Pass-2026"},
    )

    answer = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "Initial-Pass-2026",
            "new_password1": "Initial-Pass-2026",
            "new_password2": "Initial-Pass-2026",
        },
    )

    assert "不能与原密码相同" in answer.content.decode()
    assert User.objects.get(username="newbie").must_change_password


def test_it_expires_idle_sessions() -> None:
    assert settings.SESSION_SAVE_EVERY_REQUEST
    assert 0 < settings.SESSION_COOKIE_AGE <= 60 * 60


# --- the confidentiality agreement ------------------------------------------


@access.real_name_view
def _real_name_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("实名名单")


# The site's own URLs plus one real-name page, to test the guard through HTTP.
urlpatterns = [path("names/", _real_name_page), *site_urlpatterns]


@pytest.mark.urls(__name__)
def test_it_refuses_real_name_pages_until_the_agreement_is_accepted(
    world: World,
) -> None:
    clerk = world.person("clerk", world.cili, Role.ENTRY_CLERK, agreed=False)
    client = Client()
    client.force_login(clerk)

    refused = client.get("/names/")
    services.accept_agreement(clerk, ip_address="127.0.0.1")
    shown = client.get("/names/")

    assert refused.status_code == 403
    assert "保密协议" in refused.content.decode()
    assert shown.status_code == 200
    acceptance = AgreementAcceptance.objects.get(user=clerk)
    assert acceptance.version == settings.CONFIDENTIALITY_AGREEMENT_VERSION
    assert acceptance.accepted_at is not None


@pytest.mark.urls(__name__)
def test_it_refuses_real_name_pages_to_roles_without_need(world: World) -> None:
    admin = world.person("admin", world.cili, Role.USER_ADMIN)
    client = Client()
    client.force_login(admin)

    assert client.get("/names/").status_code == 403


def test_it_records_agreement_through_the_page(world: World) -> None:
    clerk = world.person("clerk", world.cili, Role.ENTRY_CLERK, agreed=False)
    client = Client()
    client.force_login(clerk)

    client.post(reverse("accounts:agreement"), {"confirm": "on"})

    assert access.has_accepted_agreement(clerk)
    assert AuditEvent.objects.filter(action="agreement.accept").count() == 1


# --- access log and audit trail ---------------------------------------------


def test_it_keeps_the_access_log_unchangeable(world: World) -> None:
    clerk = world.person("clerk", world.cili, Role.ENTRY_CLERK)
    row = AccessLog.objects.create(
        user=clerk,
        action=AccessAction.EXPORT,
        region_code=world.cili.code,
        target="名单.xlsx",
        record_count=20,
    )

    row.record_count = 1
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.update(record_count=0)
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()


def test_it_shows_the_access_log_to_the_directors_of_the_subtree(world: World) -> None:
    clerk = world.person("clerk", world.lingyang, Role.ENTRY_CLERK)
    county = world.person("county", world.cili, Role.OFFICE_DIRECTOR)
    city = world.person("city", world.zhangjiajie, Role.OFFICE_DIRECTOR)
    neighbour = world.person("neighbour", world.sangzhi, Role.OFFICE_DIRECTOR)
    AccessLog.objects.create(
        user=clerk,
        action=AccessAction.VIEW,
        region_code=world.lingyang.code,
        target="零阳镇名单",
        record_count=5,
    )

    assert access.visible_access_log(county).count() == 1
    assert access.visible_access_log(city).count() == 1
    assert access.visible_access_log(neighbour).count() == 0
    assert access.visible_access_log(clerk).count() == 0


@pytest.mark.django_db(transaction=True)
def test_it_writes_audit_events_only_inside_the_change_transaction() -> None:
    with pytest.raises(RuntimeError):
        record_event(
            actor=None,
            action="x",
            target_type="t",
            target_id="1",
            region_code="430821000000",
        )


def test_it_rolls_back_the_change_with_its_audit_event(world: World) -> None:
    admin = world.person("cili_admin", world.cili, Role.USER_ADMIN)

    def create_then_fail() -> None:
        with transaction.atomic():
            services.create_account(admin, _new("ghost", world.cili, Role.AUDITOR))
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        create_then_fail()

    assert not User.objects.filter(username="ghost").exists()
    assert not AuditEvent.objects.filter(action="account.create").exists()


def test_it_refuses_access_log_changes_in_the_database_itself(world: World) -> None:
    clerk = world.person("clerk", world.cili, Role.ENTRY_CLERK)
    AccessLog.objects.create(
        user=clerk,
        action=AccessAction.VIEW,
        region_code=world.cili.code,
        target="名单",
        record_count=1,
    )

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE accounts_accesslog SET record_count = 0")

    assert AccessLog.objects.get().record_count == 1


# --- language ----------------------------------------------------------------


def test_it_speaks_chinese_whatever_the_browser_asks() -> None:
    answer = Client().get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US")

    assert answer["Content-Language"] == "zh-hans"
    assert "登录" in answer.content.decode()


def test_it_switches_to_english_when_the_user_chooses_it() -> None:
    client = Client()

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    answer = client.get(reverse("accounts:login"))

    assert answer["Content-Language"] == "en"
