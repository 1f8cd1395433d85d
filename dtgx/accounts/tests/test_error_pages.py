# ruff: noqa: F811 (the scene fixture imported from test_url_access)
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dtgx.accounts.roles import Role
from dtgx.accounts.tests.test_url_access import (  # noqa: F401 (fixture)
    RULES,
    Scene,
    scene,
)
from dtgx.conftest import World


def test_it_shows_no_internals_on_a_404(world: World) -> None:
    client = Client()
    client.force_login(world.person("clerk", world.cili, Role.ENTRY_CLERK))

    answer = client.get("/no-such-page/")

    assert answer.status_code == 404
    assert "Resolver404" not in answer.content.decode()
    assert "不存在" in answer.content.decode()


def test_it_explains_an_out_of_scope_region(world: World) -> None:
    client = Client()
    client.force_login(world.person("clerk", world.cili, Role.ENTRY_CLERK))

    answer = client.get(f"/regions/{world.sangzhi.code}/")

    assert "不在您的管辖范围内" in answer.content.decode()


def test_it_explains_a_refused_role(world: World) -> None:
    client = Client()
    client.force_login(world.person("clerk", world.cili, Role.ENTRY_CLERK))

    answer = client.get("/accounts/users/")

    assert answer.status_code == 403
    assert "您的角色不能使用此功能" in answer.content.decode()


# --- addresses that take a form's submission only -------------------------

# Django's set_language answers a GET with a redirect back.
POST_ONLY = sorted(
    name
    for name, rule in RULES.items()
    if rule.method == "post" and name != "set_language"
)


@pytest.mark.parametrize("name", POST_ONLY)
def test_it_explains_a_post_only_address_opened_directly(
    scene: Scene, name: str
) -> None:
    rule = RULES[name]
    client = Client()
    client.force_login(rule.right(scene))

    answer = client.get(reverse(name, kwargs=rule.kwargs(scene)))

    assert answer.status_code == 405
    assert "POST" in answer["Allow"]
    page = answer.content.decode()
    assert "不能直接打开这个地址" in page
    assert "返回首页" in page, "in the site's layout"


def test_it_explains_a_form_sent_without_its_security_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)

    answer = client.post(
        reverse("accounts:login"), {"username": "clerk", "password": "x"}
    )

    assert answer.status_code == 403
    page = answer.content.decode()
    assert "页面已过期或缺少安全令牌，请刷新页面后重试" in page
    assert "DEBUG" not in page


def test_it_says_a_length_limit_in_words(world: World) -> None:
    admin = world.person("cili_admin", world.cili, Role.USER_ADMIN)
    clerk = world.person("clerk", world.cili, Role.ENTRY_CLERK)
    client = Client()
    client.force_login(admin)

    answer = client.post(
        reverse("accounts:user_detail", args=[clerk.pk]),
        {"roles": ["auditor"], "reason": "因" * 201},
    )

    page = answer.content.decode()
    assert "变更原因不能超过200个字，现在有201个字，请精简后再提交。" in page
    assert "变量" not in page
