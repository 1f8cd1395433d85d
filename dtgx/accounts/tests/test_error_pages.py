from __future__ import annotations

from django.test import Client

from dtgx.accounts.roles import Role
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
