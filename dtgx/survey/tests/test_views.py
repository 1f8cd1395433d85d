"""The survey pages: progress from the base list, record lists with masked
numbers and logged reveals, search, detail and history."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.test import Client
from django.urls import reverse

from dtgx.accounts.models import AccessAction, AccessLog, User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.regions.codes import Level
from dtgx.regions.models import Region
from dtgx.registry.models import Person
from dtgx.survey import services, views
from dtgx.survey.models import PersonRecord, Round
from dtgx.survey.progress import compute_progress
from dtgx.survey.tests.helpers import (
    NO,
    enter,
    load_base_list,
    store_person,
    village_answers,
)

MaxQueries = Callable[[int], AbstractContextManager[object]]


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def second_village(world: World) -> Region:
    return Region.objects.create(
        code="430821100202", name="示例二村", level=Level.VILLAGE, parent=world.lingyang
    )


# --- progress ----------------------------------------------------------------


def test_progress_counts_expected_entered_and_not_yet_entered(
    world: World, cili_clerk: User, round: Round, second_village: Region
) -> None:
    here = [store_person(world.village, n) for n in (1, 2, 3)]
    there = [store_person(second_village, n) for n in (4, 5)]
    late_comer = store_person(world.village, 6)  # not in the base list
    load_base_list(world.cili, cili_clerk, [*here, *there])
    for person in (here[0], there[0], late_comer):
        enter(cili_clerk, person, round)

    by_township = compute_progress(round, world.cili)
    by_village = compute_progress(round, world.lingyang)

    assert [(r.name, r.expected, r.entered, r.pending) for r in by_township.rows] == [
        ("零阳镇", 5, 3, 3)
    ]
    rows = {r.name: (r.expected, r.entered, r.pending) for r in by_village.rows}
    assert rows == {"示例村": (3, 2, 2), "示例二村": (2, 1, 1)}
    assert (by_village.total.expected, by_village.total.pending) == (5, 3)
    assert by_village.total.percent == 40
    assert by_village.total.villages == 2


def test_progress_counts_community_forms_by_village(
    world: World, cili_clerk: User, round: Round, second_village: Region
) -> None:
    services.create_community_record(
        cili_clerk, round, world.village, village_answers()
    )

    total = compute_progress(round, world.lingyang).total

    assert (total.villages, total.communities) == (2, 1)


def test_the_progress_page_takes_a_fixed_number_of_queries(
    world: World,
    cili_clerk: User,
    round: Round,
    second_village: Region,
    django_assert_max_num_queries: MaxQueries,
) -> None:
    persons = [store_person(v, n) for n, v in enumerate([world.village] * 4, 1)]
    load_base_list(world.cili, cili_clerk, persons)
    for person in persons[:3]:
        enter(cili_clerk, person, round)
    client = _client(cili_clerk)
    url = reverse("survey:progress", args=[round.year, world.lingyang.code])

    # Session, user, round, region, children, four grouped counts, the
    # user's region in the header, the session save.
    with django_assert_max_num_queries(14):
        response = client.get(url)

    page = response.content.decode()
    assert "示例村" in page
    assert "示例二村" in page
    assert "75%" in page


# --- record lists --------------------------------------------------------------


def test_a_collector_sees_masked_numbers_and_no_reveal_is_logged(
    world: World, cili_clerk: User, lingyang_collector: User, record: PersonRecord
) -> None:
    url = reverse("survey:person_record_list", args=[2025, world.lingyang.code])

    page = _client(lingyang_collector).get(url).content.decode()

    number = record.person.certificate_number
    assert f"{number[:4]}************{number[-4:]}" in page
    assert number not in page
    log = AccessLog.objects.get(user=lingyang_collector)
    assert (log.action, log.record_count) == (AccessAction.VIEW, 1)


def test_an_entry_clerk_sees_whole_numbers_and_the_reveal_is_logged(
    world: World, cili_clerk: User, record: PersonRecord
) -> None:
    url = reverse("survey:person_record_list", args=[2025, world.cili.code])

    page = _client(cili_clerk).get(url).content.decode()

    assert record.person.certificate_number in page
    logs = AccessLog.objects.filter(user=cili_clerk).order_by("id")
    assert [(log.action, log.record_count) for log in logs] == [
        (AccessAction.VIEW, 1),
        (AccessAction.REVEAL, 1),
    ]
    assert all(record.person.name not in log.target for log in logs)
    assert all(record.person.id_number not in log.target for log in logs)


@pytest.mark.parametrize(
    "query",
    ["王建国", "４３０８２１１９９５０１０１００１", " 430821 1995 0101 001", "王"],
)
def test_records_are_found_by_name_or_normalised_number(
    world: World, cili_clerk: User, round: Round, farmer: Person, query: str
) -> None:
    enter(cili_clerk, farmer, round)
    other = store_person(world.village, 2, name="李四")
    enter(cili_clerk, other, round)
    url = reverse("survey:person_record_list", args=[2025, world.cili.code])

    page = _client(cili_clerk).get(url, {"q": query}).content.decode()

    assert "王建国" in page
    assert "李四" not in page
    search = AccessLog.objects.get(action=AccessAction.SEARCH)
    assert query.strip() not in search.target


def test_the_record_list_pages_through_every_record(
    world: World,
    cili_clerk: User,
    round: Round,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_max_num_queries: MaxQueries,
) -> None:
    for n in range(1, 6):
        enter(cili_clerk, store_person(world.village, n), round)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = _client(cili_clerk)
    url = reverse("survey:person_record_list", args=[2025, world.cili.code])

    with django_assert_max_num_queries(14):
        last = client.get(url, {"page": 3}).content.decode()

    assert "持证人5" in last
    assert "第 3 / 3 页，共 5 条" in last


def test_the_pending_list_names_who_is_still_to_be_entered(
    world: World,
    cili_clerk: User,
    round: Round,
    django_assert_max_num_queries: MaxQueries,
) -> None:
    done, waiting = store_person(world.village, 1), store_person(world.village, 2)
    load_base_list(world.cili, cili_clerk, [done, waiting])
    enter(cili_clerk, done, round)
    client = _client(cili_clerk)
    url = reverse("survey:pending_list", args=[2025, world.cili.code])

    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()

    assert waiting.name in page
    assert done.name not in page


def test_another_county_gets_not_found(
    world: World, sangzhi_clerk: User, record: PersonRecord
) -> None:
    client = _client(sangzhi_clerk)

    urls = [
        reverse("survey:person_record_list", args=[2025, world.cili.code]),
        reverse("survey:person_record_detail", args=[record.pk]),
        reverse("survey:person_record_history", args=[record.pk]),
        reverse("survey:progress", args=[2025, world.cili.code]),
    ]

    assert [client.get(url).status_code for url in urls] == [404] * 4
    assert not AccessLog.objects.exists()


# --- detail and history -------------------------------------------------------


def test_the_detail_shows_answers_by_section_with_code_labels(
    cili_clerk: User, record: PersonRecord
) -> None:
    url = reverse("survey:person_record_detail", args=[record.pk])

    page = _client(cili_clerk).get(url).content.decode()

    assert "A 基本情况" in page
    assert "R31" in page
    assert "个人或家庭是否签订家庭医生服务协议" in page
    assert "1 是" in page
    assert "3 农村实用技术培训" in page
    assert AccessLog.objects.filter(action=AccessAction.VIEW).count() == 1


def test_pages_of_a_locked_region_say_so_and_offer_no_correction(
    cili_clerk: User, record: PersonRecord, world: World
) -> None:
    from dtgx.survey.models import RegionLock

    client = _client(cili_clerk)
    detail = reverse("survey:person_record_detail", args=[record.pk])
    edit = reverse("survey:person_entry_edit", args=[record.pk])
    progress = reverse("survey:progress", args=[2025, world.village.code])
    assert f'href="{edit}"' in client.get(detail).content.decode()

    RegionLock.objects.create(
        round=record.round, region_code=world.cili.code, reason="已验收"
    )

    page = client.get(detail).content.decode()
    assert "数据已锁定（已验收）" in page
    assert f'href="{edit}"' not in page
    assert "数据已锁定（已验收）" in client.get(progress).content.decode()


def test_the_history_shows_each_item_old_and_new_with_who_and_why(
    cili_clerk: User,
    lingyang_collector: User,
    record: PersonRecord,
    django_assert_max_num_queries: MaxQueries,
) -> None:
    # The holder was reassessed: the registry has the new certificate first.
    Person.objects.filter(pk=record.person_id).update(
        certificate_number=record.person.id_number + "44", grade=4
    )
    services.change_person_record(
        cili_clerk,
        record,
        {
            "health.family_doctor": NO,
            "basic.certificate_number": record.person.id_number + "44",
        },
        expected_version=1,
        reason="入户复核",
        responsible_person="张主任",
    )
    url = reverse("survey:person_record_history", args=[record.pk])
    client = _client(lingyang_collector)

    with django_assert_max_num_queries(11):
        page = client.get(url).content.decode()

    assert "R31 个人或家庭是否签订家庭医生服务协议" in page
    assert "1 是" in page
    assert "2 否" in page
    assert "入户复核" in page
    assert "张主任" in page
    assert "cili_clerk" in page
    number = record.person.certificate_number
    assert number not in page  # the old R2 value, masked for a collector
    assert f"{number[:4]}" in page


def test_the_community_pages_list_villages_and_show_a_record(
    world: World, cili_clerk: User, round: Round, second_village: Region
) -> None:
    record = services.create_community_record(
        cili_clerk, round, world.village, village_answers()
    )
    client = _client(cili_clerk)

    listing = client.get(
        reverse("survey:community_record_list", args=[2025, world.lingyang.code])
    ).content.decode()
    detail = client.get(
        reverse("survey:community_record_detail", args=[record.pk])
    ).content.decode()

    assert "示例二村" in listing
    assert "未录入" in listing
    assert reverse("survey:community_record_detail", args=[record.pk]) in listing
    assert "前进村" in detail
    assert "220 村庄" in detail


def test_the_record_list_queries_do_not_grow_with_the_rows(
    world: World,
    cili_clerk: User,
    round: Round,
    django_assert_max_num_queries: MaxQueries,
) -> None:
    for n in range(1, 8):
        enter(cili_clerk, store_person(world.village, n), round)
    client = _client(cili_clerk)
    url = reverse("survey:person_record_list", args=[2025, world.cili.code])

    with django_assert_max_num_queries(14):
        page = client.get(url).content.decode()

    assert page.count("持证人") == 7


def test_a_collector_sees_the_village_code_but_not_the_certificate_number(
    lingyang_collector: User, record: PersonRecord
) -> None:
    url = reverse("survey:person_record_detail", args=[record.pk])

    page = _client(lingyang_collector).get(url).content.decode()

    assert record.region_code in page
    assert record.person.certificate_number not in page
    assert not AccessLog.objects.filter(action=AccessAction.REVEAL).exists()


def test_a_user_without_a_real_name_role_sees_no_person_record(
    world: World, record: PersonRecord
) -> None:
    admin = world.person("cili_admin", world.cili, Role.USER_ADMIN)
    client = _client(admin)

    listing = client.get(
        reverse("survey:person_record_list", args=[2025, world.cili.code])
    )
    detail = client.get(reverse("survey:person_record_detail", args=[record.pk]))

    assert (listing.status_code, detail.status_code) == (403, 403)
