"""Registry pages: scope, masking, the agreement gate, the access log, and
the two-step base-list upload."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dtgx.accounts.models import AccessAction, AccessLog, User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.identity import mask_id_number
from dtgx.regions.models import Region
from dtgx.registry.models import BaseList, BaseListEntry, Person
from dtgx.registry.services import move_person
from dtgx.registry.tests.helpers import (
    CILI_VILLAGE,
    HEADER,
    SANGZHI_VILLAGE,
    holder_rows,
    make_certificate,
    store_person,
)
from dtgx.registry.uploads import SESSION_KEY

pytestmark = pytest.mark.django_db

MaxQueries = Callable[[int], AbstractContextManager[object]]


def person_list(region: Region) -> str:
    return reverse("registry:person_list", args=[region.code])


def person_detail(person: Person) -> str:
    return reverse("registry:person_detail", args=[person.pk])


def logged(action: AccessAction) -> list[tuple[str, str, int]]:
    rows = AccessLog.objects.filter(action=action).order_by("id")
    return list(rows.values_list("region_code", "target", "record_count"))


@pytest.fixture
def cili_chairman(world: World) -> User:
    return world.person("cili_chairman", world.cili, Role.FEDERATION_CHAIRMAN)


# --- persons ---------------------------------------------------------------


def test_it_masks_numbers_for_roles_that_may_not_see_them_whole(
    client: Client, world: World, cili_chairman: User
) -> None:
    people = [store_person(world.village, n) for n in (1, 2, 3)]
    client.force_login(cili_chairman)

    page = client.get(person_list(world.cili)).content.decode()

    for person in people:
        assert person.name in page
        assert person.certificate_number not in page
        assert mask_id_number(person.certificate_number) in page
    assert logged(AccessAction.VIEW) == [(world.cili.code, "残疾人名单", 3)]
    assert logged(AccessAction.REVEAL) == []


def test_it_shows_whole_numbers_to_a_clerk_and_logs_the_reveal(
    client: Client, world: World, cili_clerk: User
) -> None:
    person = store_person(world.village, 1)
    client.force_login(cili_clerk)

    page = client.get(person_list(world.cili)).content.decode()

    assert person.certificate_number in page
    assert logged(AccessAction.VIEW) == [(world.cili.code, "残疾人名单", 1)]
    assert logged(AccessAction.REVEAL) == [(world.cili.code, "残疾人名单", 1)]


def test_it_finds_persons_by_name_or_by_a_number_typed_any_way(
    client: Client, world: World, cili_chairman: User
) -> None:
    sequence = next(n for n in range(1, 900) if make_certificate(n)[17] == "X")
    wanted = store_person(world.village, sequence, name="张小明")
    other = store_person(world.village, sequence + 1, name="李四")
    typed = wanted.id_number.lower().translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    client.force_login(cili_chairman)

    by_name = client.get(person_list(world.cili), {"q": "小明"}).content.decode()
    by_number = client.get(person_list(world.cili), {"q": f" {typed} "}).content

    assert "张小明" in by_name
    assert other.name not in by_name
    assert "张小明" in by_number.decode()
    assert other.name not in by_number.decode()
    searches = logged(AccessAction.SEARCH)
    assert [count for _code, _target, count in searches] == [1, 1]
    assert {target for _code, target, _count in searches} == {"残疾人名单查询"}


def test_it_keeps_the_search_when_paging(
    client: Client, world: World, cili_clerk: User
) -> None:
    for n in range(1, 53):
        store_person(world.village, n)
    client.force_login(cili_clerk)

    page = client.get(person_list(world.cili), {"q": "持证人"}).content.decode()

    assert "q=%E6%8C%81%E8%AF%81%E4%BA%BA&amp;page=2" in page
    assert "第 1 / 2 页，共 52 条" in page


def test_the_list_costs_the_same_queries_for_five_or_fifty_persons(
    client: Client,
    world: World,
    cili_clerk: User,
    django_assert_max_num_queries: MaxQueries,
) -> None:
    for n in range(1, 6):
        store_person(world.village, n)
    client.force_login(cili_clerk)
    with django_assert_max_num_queries(13):
        client.get(person_list(world.cili))

    for n in range(6, 51):
        store_person(world.village, n)
    with django_assert_max_num_queries(13):
        page = client.get(person_list(world.cili))

    assert page.content.decode().count("/registry/persons/") >= 50


def test_it_asks_for_the_confidentiality_agreement_first(
    client: Client, world: World
) -> None:
    newcomer = world.person("new_clerk", world.cili, Role.ENTRY_CLERK, agreed=False)
    person = store_person(world.village, 1)
    client.force_login(newcomer)

    for url in (person_list(world.cili), person_detail(person)):
        response = client.get(url)
        assert response.status_code == 403
        assert "请先签署保密协议" in response.content.decode()
    assert not AccessLog.objects.exists()


def test_it_hides_persons_of_another_county(
    client: Client, world: World, sangzhi_village: Region
) -> None:
    cili_person = store_person(world.village, 1)
    sangzhi_person = store_person(sangzhi_village, 2)
    client.force_login(world.person("sangzhi_clerk", world.sangzhi, Role.ENTRY_CLERK))

    assert client.get(person_list(world.cili)).status_code == 404
    assert client.get(person_detail(cili_person)).status_code == 404
    own = client.get(person_list(world.sangzhi)).content.decode()
    assert sangzhi_person.name in own
    assert cili_person.name not in own


def test_the_detail_shows_the_residence_history_and_is_logged(
    client: Client, world: World, cili_clerk: User, second_village: Region
) -> None:
    person = store_person(world.village, 1, since=date(2024, 6, 30))
    move_person(cili_clerk, person, second_village, on=date(2025, 9, 15), reason="投亲")
    client.force_login(cili_clerk)

    page = client.get(person_detail(person)).content.decode()

    assert "示例村" in page
    assert "示例二村" in page
    assert "2025-09-15" in page
    assert "投亲" in page
    assert person.id_number in page
    target = f"残疾人详情#{person.pk}"
    assert logged(AccessAction.VIEW) == [(second_village.code, target, 1)]
    assert logged(AccessAction.REVEAL) == [(second_village.code, target, 1)]


def test_the_access_log_never_holds_personal_data(
    client: Client, world: World, cili_clerk: User
) -> None:
    person = store_person(world.village, 1, name="王五")
    client.force_login(cili_clerk)

    client.get(person_list(world.cili), {"q": "王五"})
    client.get(person_list(world.cili), {"q": person.id_number})
    client.get(person_detail(person))

    for target in AccessLog.objects.values_list("target", flat=True):
        assert "王五" not in target
        assert person.id_number[:10] not in target


# --- base lists ------------------------------------------------------------


def csv_upload(
    rows: list[tuple[str, ...]], name: str = "底册.csv"
) -> SimpleUploadedFile:
    lines = [",".join(HEADER), *(",".join(row) for row in rows)]
    return SimpleUploadedFile(name, "\n".join(lines).encode("utf-8"))


def upload(client: Client, world: World, file: SimpleUploadedFile) -> str:
    response = client.post(
        reverse("registry:base_list_upload"),
        {
            "file": file,
            "region": world.cili.code,
            "year": 2025,
            "reference_date": "2025-06-30",
        },
    )
    assert response.status_code == 200
    return response.content.decode()


def test_it_previews_an_upload_then_loads_it_on_confirmation(
    client: Client, world: World, cili_clerk: User, upload_dir: Path
) -> None:
    client.force_login(cili_clerk)

    preview = upload(client, world, csv_upload(holder_rows(3)))

    assert "新增3人" in preview
    assert "确认载入" in preview
    assert not Person.objects.exists()
    [token] = client.session[SESSION_KEY]
    assert len(list(upload_dir.iterdir())) == 1

    response = client.post(reverse("registry:base_list_confirm"), {"token": token})

    assert response.status_code == 302
    assert response["Location"] == reverse("registry:base_list_index")
    assert Person.objects.count() == 3
    assert BaseList.objects.get().source_name == "底册.csv"
    assert list(upload_dir.iterdir()) == []
    assert client.session[SESSION_KEY] == {}
    index = client.get(reverse("registry:base_list_index")).content.decode()
    assert "底册.csv" in index


def test_the_preview_lists_every_bad_row_and_offers_no_confirmation(
    client: Client, world: World, cili_clerk: User, upload_dir: Path
) -> None:
    rows = [*holder_rows(2), ("123", "甲", CILI_VILLAGE, "正常")]
    rows.append((make_certificate(9), "乙", SANGZHI_VILLAGE, "正常"))
    client.force_login(cili_clerk)

    preview = upload(client, world, csv_upload(rows))

    assert "其中2行有错误" in preview
    assert "残疾人证号应为 20 位" in preview
    assert "不在慈利县范围内" in preview
    assert "确认载入" not in preview
    assert not Person.objects.exists()
    assert logged(AccessAction.VIEW) == [(world.cili.code, "底册载入预览", 2)]


def test_it_explains_a_file_it_cannot_read(
    client: Client, world: World, cili_clerk: User, upload_dir: Path
) -> None:
    client.force_login(cili_clerk)
    file = SimpleUploadedFile("list.csv", "姓名\n张三\n".encode())

    page = upload(client, world, file)

    assert "表头缺少" in page
    assert list(upload_dir.iterdir()) == []


def test_a_confirmation_without_a_pending_upload_goes_back(
    client: Client, world: World, cili_clerk: User, upload_dir: Path
) -> None:
    client.force_login(cili_clerk)

    response = client.post(reverse("registry:base_list_confirm"), {"token": "0" * 32})

    assert response.status_code == 302
    assert response["Location"] == reverse("registry:base_list_upload")
    assert not BaseList.objects.exists()


def test_only_county_level_clerks_and_directors_upload(
    client: Client, world: World
) -> None:
    township_clerk = world.person("lingyang_clerk", world.lingyang, Role.ENTRY_CLERK)
    chairman = world.person("cili_chairman", world.cili, Role.FEDERATION_CHAIRMAN)

    for user in (township_clerk, chairman):
        client.force_login(user)
        assert client.get(reverse("registry:base_list_upload")).status_code == 403


def test_the_index_shows_base_lists_of_the_users_subtree_only(
    client: Client, world: World, cili_clerk: User, sangzhi_village: Region
) -> None:
    BaseList.objects.create(
        year=2025,
        reference_date=date(2025, 6, 30),
        region=world.sangzhi,
        source_name="桑植底册.csv",
        sha256="0" * 64,
        loaded_by=cili_clerk,
        loaded_at=date(2025, 7, 1).isoformat() + "T08:00+08:00",
    )
    client.force_login(cili_clerk)

    page = client.get(reverse("registry:base_list_index")).content.decode()

    assert "桑植底册.csv" not in page
    assert "载入底册" in page


def test_an_upload_of_the_loaded_file_says_so_and_keeps_nothing(
    client: Client, world: World, cili_clerk: User, upload_dir: Path
) -> None:
    client.force_login(cili_clerk)
    preview = upload(client, world, csv_upload(holder_rows(2)))
    [token] = client.session[SESSION_KEY]
    client.post(reverse("registry:base_list_confirm"), {"token": token})

    again = upload(client, world, csv_upload(holder_rows(2)))

    assert "确认载入" in preview
    assert "同一个文件，没有任何变化" in again
    assert "确认载入" not in again
    assert list(upload_dir.iterdir()) == []
    assert BaseList.objects.count() == 1


def test_posts_need_the_csrf_token(world: World, cili_clerk: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cili_clerk)

    response = client.post(reverse("registry:base_list_confirm"), {"token": "0" * 32})

    assert response.status_code == 403


# --- searching masked numbers --------------------------------------------


def test_it_finds_by_a_number_prefix_only_for_roles_that_see_whole_numbers(
    client: Client, world: World, cili_clerk: User, cili_chairman: User
) -> None:
    wanted = store_person(world.village, 1, name="张小明")

    client.force_login(cili_clerk)
    by_clerk = client.get(person_list(world.cili), {"q": wanted.id_number[:6]})
    client.force_login(cili_chairman)
    prefixes = [
        client.get(person_list(world.cili), {"q": wanted.id_number[:n]})
        for n in (4, 5, 10, 14, 17)
    ]
    by_id = client.get(person_list(world.cili), {"q": wanted.id_number})
    by_certificate = client.get(
        person_list(world.cili), {"q": wanted.certificate_number}
    )
    by_partial_certificate = client.get(
        person_list(world.cili), {"q": wanted.certificate_number[:19]}
    )

    assert "张小明" in by_clerk.content.decode()
    for page in [*prefixes, by_partial_certificate]:
        body = page.content.decode()
        assert "张小明" not in body
        assert "完整的18位身份证号或20位残疾人证号" in body
    assert "张小明" in by_id.content.decode()
    assert "张小明" in by_certificate.content.decode()


# --- uploads that must be refused ----------------------------------------


def test_it_explains_a_damaged_upload_and_keeps_no_file(
    client: Client, world: World, cili_clerk: User, upload_dir: Path
) -> None:
    client.force_login(cili_clerk)
    body = ",".join(HEADER) + f'\n{make_certificate(1)},"王\n' + "x" * 200_000
    broken_csv = SimpleUploadedFile("list.csv", body.encode())
    broken_xlsx = SimpleUploadedFile("list.xlsx", b"PK\x03\x04" + b"\x00" * 100)

    for file in (broken_csv, broken_xlsx):
        page = upload(client, world, file)

        assert "无法" in page
        assert "XLSX" in page
        assert list(upload_dir.iterdir()) == []


def test_it_asks_to_confirm_removals_before_a_reload_removes_entries(
    client: Client, world: World, cili_clerk: User, upload_dir: Path
) -> None:
    client.force_login(cili_clerk)
    upload(client, world, csv_upload(holder_rows(3)))
    [token] = client.session[SESSION_KEY]
    client.post(reverse("registry:base_list_confirm"), {"token": token})

    preview = upload(client, world, csv_upload(holder_rows(1), name="新.csv"))

    assert "将从已载入的底册中移除2条条目" in preview
    assert 'name="allow_removals"' in preview
    [token] = client.session[SESSION_KEY]
    refused = client.post(
        reverse("registry:base_list_confirm"), {"token": token}, follow=True
    )
    assert "移除2条条目" in refused.content.decode()
    assert BaseListEntry.objects.count() == 3

    preview = upload(client, world, csv_upload(holder_rows(1), name="新.csv"))
    [token] = client.session[SESSION_KEY]
    client.post(
        reverse("registry:base_list_confirm"),
        {"token": token, "allow_removals": "on"},
    )

    assert BaseListEntry.objects.count() == 1
    assert list(upload_dir.iterdir()) == []


def test_it_answers_not_found_for_a_region_code_that_is_not_twelve_digits(
    client: Client, world: World, cili_clerk: User
) -> None:
    client.force_login(cili_clerk)

    for code in ("%00", "43082100000", "4308210000000", "43082100000x"):
        response = client.get(f"/registry/persons/region/{code}/")

        assert response.status_code == 404
