from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.regions.codes import Level
from dtgx.regions.models import Region


def detail(code: str) -> str:
    return reverse("regions:detail", args=[code])


def test_it_shows_a_region_with_its_visible_ancestors_and_children(
    client: Client, world: World
) -> None:
    zhangjiajie_director = world.person(
        "zhangjiajie_director", world.zhangjiajie, Role.OFFICE_DIRECTOR
    )
    client.force_login(zhangjiajie_director)

    page = client.get(detail(world.cili.code)).content.decode()

    assert "<h1>慈利县</h1>" in page
    assert "下级区划（1个）" in page
    assert "430821000000" in page
    assert f'href="{detail(world.zhangjiajie.code)}"' in page
    assert "湖南省" not in page  # above the director's own region
    assert f'href="{detail(world.lingyang.code)}">零阳镇</a>' in page
    assert "<td>1</td>" in page  # 零阳镇 has one village


def test_it_counts_grandchildren_in_one_query_however_many_children(
    client: Client, world: World
) -> None:
    client.force_login(world.person("cili_director", world.cili, Role.OFFICE_DIRECTOR))
    with CaptureQueriesContext(connection) as few:
        client.get(detail(world.cili.code))

    Region.objects.bulk_create(
        Region(
            code=f"430821{n:03d}000",
            name=f"第{n}街道",
            level=Level.TOWNSHIP,
            parent=world.cili,
        )
        for n in range(1, 31)
    )
    with CaptureQueriesContext(connection) as many:
        page = client.get(detail(world.cili.code))

    assert page.content.decode().count("街道</a>") == 30
    assert len(many) == len(few)


def test_it_hides_regions_outside_the_users_subtree(
    client: Client, world: World
) -> None:
    client.force_login(world.person("cili_clerk", world.cili, Role.ENTRY_CLERK))

    assert client.get(detail(world.sangzhi.code)).status_code == 404
    assert client.get(detail(world.zhangjiajie.code)).status_code == 404
    assert client.get("/regions/not-a-code/").status_code == 404


def test_it_sends_the_index_to_the_users_own_region(
    client: Client, world: World
) -> None:
    client.force_login(
        world.person("lingyang_collector", world.lingyang, Role.COLLECTOR)
    )

    response = client.get(reverse("regions:index"))

    assert response.status_code == 302
    assert response["Location"] == detail(world.lingyang.code)


def test_it_asks_visitors_to_log_in(client: Client, world: World) -> None:
    response = client.get(detail(world.cili.code))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("code", ["%00", "4308210000001", "43082100000x", "abc"])
def test_it_answers_404_for_anything_but_a_12_digit_code(
    client: Client, db: None, code: str
) -> None:
    assert client.get(f"/regions/{code}/").status_code == 404
