"""The entry screen: new forms, drafts, corrections with their reason, the
refusal of a stale save, prefill from last round, masked numbers, the way
to the next person, and the community form."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date

import pytest
from django.urls import reverse

from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.registry.models import Person
from dtgx.survey import services
from dtgx.survey.models import (
    CommunityRecord,
    PersonRecord,
    RecordChange,
    RecordStatus,
    Round,
)
from dtgx.survey.tests.entry_helpers import (
    client_for,
    community_answers,
    form_data,
    person_answers,
    post_community,
    post_person,
)
from dtgx.survey.tests.helpers import enter, load_base_list, make_round, store_person

MaxQueries = Callable[[int], AbstractContextManager[object]]


def _new_url(round: Round, person: Person) -> str:
    return reverse("survey:person_entry_new", args=[round.year, person.pk])


def _edit_url(record: PersonRecord) -> str:
    return reverse("survey:person_entry_edit", args=[record.pk])


# --- a new form --------------------------------------------------------------


def test_the_screen_shows_the_person_and_every_item_in_printed_order(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    page = client_for(cili_clerk).get(_new_url(round, farmer)).content.decode()

    assert "王建国" in page
    assert farmer.certificate_number in page  # a clerk sees it whole
    assert "30岁（截至2025-06-30）" in page
    assert "示例村" in page
    numbers = [item.number for item in PersonRecord.questionnaire().items]
    positions = [page.index(f'<span class="num">{n}</span>') for n in numbers]
    assert positions == sorted(positions)
    assert '<span class="code"><b>1</b> 是</span><span class="code"><b>2</b> 否' in page
    assert 'id="entry-config"' in page


def test_items_that_do_not_apply_start_hidden_and_disabled(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    page = client_for(cili_clerk).get(_new_url(round, farmer)).content.decode()

    row = page.index('data-item="basic.hukou_type" hidden')  # H3 not yet 6
    assert "disabled" in page[row : page.index("</div>", row)]


def test_a_saved_form_leads_to_the_next_person_of_the_village(
    world: World, cili_clerk: User, farmer: Person, round: Round
) -> None:
    neighbour = store_person(world.village, 2, name="李秀英")
    load_base_list(world.cili, cili_clerk, [farmer, neighbour])
    client = client_for(cili_clerk)

    response = client.post(_new_url(round, farmer), form_data(person_answers(farmer)))

    record = PersonRecord.objects.get(person=farmer)
    assert record.status == RecordStatus.SAVED
    assert response["Location"] == (
        reverse("survey:entry_next", args=[2025, world.village.code])
        + f"?saved={record.pk}"
    )
    page = client.get(response["Location"]).content.decode()
    assert "录入下一位：李秀英" in page
    assert _new_url(round, neighbour) in page
    assert "本村还有 1 人未录入" in page


def test_the_next_page_finds_a_pending_person_by_name(
    world: World,
    cili_clerk: User,
    farmer: Person,
    round: Round,
    django_assert_max_num_queries: MaxQueries,
) -> None:
    others = [store_person(world.village, n, name=f"张{n}") for n in (2, 3)]
    load_base_list(world.cili, cili_clerk, [farmer, *others])
    url = reverse("survey:entry_next", args=[2025, world.village.code])
    client = client_for(cili_clerk)

    # Session, user, roles, agreement, round, region, the next one, the
    # search, the count, the access log (search and reveal), the user's
    # region in the page header, the session save (in a savepoint).
    with django_assert_max_num_queries(15):
        page = client.get(url, {"q": "张3"}).content.decode()

    assert _new_url(round, others[1]) in page
    assert _new_url(round, others[0]) not in page.split("</form>")[1]


def test_wrong_codes_and_missing_bookkeeping_are_shown_beside_the_items(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    answers = person_answers(farmer, basic__marital_status=9)
    data = form_data(answers, **{"header.survey_method": "", "basic.phone": "x"})
    data["economy.rural_housing"] = "abc"

    response = client_for(cili_clerk).post(_new_url(round, farmer), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert not PersonRecord.objects.exists()
    assert _message_of(page, "header.survey_method") == (
        "请填写调查方式：1 入户、2 见面、3 电话、4 失访。"
    )
    assert _message_of(page, "economy.rural_housing") == (
        "请填写代码表中的代码（数字）。"
    )
    assert 'value="abc"' in page  # what was typed stays on the page


def test_answer_problems_from_the_service_appear_beside_their_items(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    answers = person_answers(farmer, basic__marital_status=9, basic__phone=None)
    answers["social_security.assistance"] = [1, 6]

    page = (
        client_for(cili_clerk)
        .post(_new_url(round, farmer), form_data(answers))
        .content.decode()
    )

    assert "没有代码 9" in _message_of(page, "basic.marital_status")
    assert "不能与其他选项同时选择" in _message_of(page, "social_security.assistance")
    assert _message_of(page, "basic.phone") == ""  # optional
    assert not PersonRecord.objects.exists()


def test_a_survey_date_in_the_future_is_shown_beside_f5(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    answers = person_answers(farmer, footer__fill_date=date(2099, 7, 15))
    make_round(2099)
    url = reverse("survey:person_entry_new", args=[2099, farmer.pk])

    page = client_for(cili_clerk).post(url, form_data(answers)).content.decode()

    assert _message_of(page, "footer.fill_date") == (
        "调查日期2099-07-15晚于今天，请核对。"
    )


def _message_of(page: str, item_id: str) -> str:
    """The first server message shown beside ``item_id``."""
    row = page.index(f'data-item="{item_id}"')
    listing = page.index('<ul class="errorlist">', row)
    end = page.index("</ul>", listing)
    body = page[listing + len('<ul class="errorlist">') : end]
    return body.removeprefix("<li>").split("</li>")[0]


def test_a_draft_may_lack_answers_and_is_finished_later(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    answers = person_answers(farmer, health__family_doctor=None)
    client = client_for(cili_clerk)

    client.post(_new_url(round, farmer), {**form_data(answers), "action": "draft"})
    draft = PersonRecord.objects.get(person=farmer)
    page = client.get(_edit_url(draft)).content.decode()
    complete = form_data(person_answers(farmer), expected_version="1")
    response = client.post(_edit_url(draft), complete)

    assert draft.status == RecordStatus.DRAFT
    assert "保存草稿" in page
    assert "更正原因" not in page
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (RecordStatus.SAVED, 2)
    assert response.status_code == 302
    assert not RecordChange.objects.exists()  # a draft has no history yet


def test_the_form_of_someone_entered_opens_as_a_correction(
    cili_clerk: User, farmer: Person, round: Round, record: PersonRecord
) -> None:
    response = client_for(cili_clerk).get(_new_url(round, farmer))

    assert response["Location"] == _edit_url(record)


# --- prefill from last round -------------------------------------------------


def test_last_rounds_answers_are_offered_except_those_of_the_visit(
    cili_clerk: User, farmer: Person
) -> None:
    last = make_round(2024)
    enter(cili_clerk, farmer, last, economy__rural_housing=4)
    this = make_round(2025)

    page = client_for(cili_clerk).get(_new_url(this, farmer)).content.decode()

    assert "已按2024年度的登记表预填" in page
    housing = page.index('id="f-economy.rural_housing"')
    assert 'value="4" data-initial="4"' in page[housing : housing + 200]
    method = page.index('id="f-header.survey_method"')
    assert 'value="" data-initial=""' in page[method : method + 200]
    assert '"markAllChanges": true' in page


# --- corrections -------------------------------------------------------------


def test_a_correction_needs_a_reason_and_a_responsible_person(
    cili_clerk: User, farmer: Person, record: PersonRecord
) -> None:
    data = form_data(
        person_answers(farmer, economy__rural_housing=2), expected_version="1"
    )

    page = client_for(cili_clerk).post(_edit_url(record), data).content.decode()

    assert "请填写更正原因。" in page
    assert "请填写责任人。" in page
    record.refresh_from_db()
    assert (record.version, record.economy_rural_housing) == (1, 1)


def test_a_correction_records_what_changed_with_its_reason(
    cili_clerk: User, farmer: Person, record: PersonRecord
) -> None:
    data = form_data(
        person_answers(farmer, economy__rural_housing=2),
        expected_version="1",
        correction_reason="入户复核，住房已老化",
        correction_responsible="赵审核",
    )

    response = client_for(cili_clerk).post(_edit_url(record), data)

    assert response["Location"] == reverse(
        "survey:person_record_detail", args=[record.pk]
    )
    change = RecordChange.objects.get(person_record=record)
    assert change.items == [{"item": "economy.rural_housing", "old": 1, "new": 2}]
    assert (change.reason, change.responsible_person) == (
        "入户复核，住房已老化",
        "赵审核",
    )
    record.refresh_from_db()
    assert record.version == 2


def test_the_second_of_two_saves_is_refused_and_keeps_what_was_typed(
    cili_clerk: User,
    cili_auditor: User,
    farmer: Person,
    record: PersonRecord,
) -> None:
    # The auditor opened version 1 too, and saves first.
    services.change_person_record(
        cili_auditor,
        record,
        {"health.family_doctor": 2},
        expected_version=1,
        reason="电话核实",
        responsible_person="赵审核",
    )
    data = form_data(
        person_answers(farmer, economy__rural_housing=3),
        expected_version="1",
        correction_reason="复核",
        correction_responsible="钱录入",
    )

    page = client_for(cili_clerk).post(_edit_url(record), data).content.decode()

    assert 'id="conflict"' in page
    assert "第2版" in page
    assert "本次保存未生效" in page
    housing = page.index('id="f-economy.rural_housing"')
    assert 'value="3"' in page[housing : housing + 100]
    record.refresh_from_db()
    assert (record.version, record.economy_rural_housing) == (2, 1)


def test_nothing_changed_writes_nothing(
    cili_clerk: User, farmer: Person, record: PersonRecord
) -> None:
    data = form_data(
        person_answers(farmer),
        expected_version="1",
        correction_reason="核对",
        correction_responsible="钱录入",
    )

    client_for(cili_clerk).post(_edit_url(record), data)

    record.refresh_from_db()
    assert record.version == 1
    assert not RecordChange.objects.exists()


# --- roles and masked numbers ------------------------------------------------


def test_a_collector_enters_with_masked_numbers_kept_as_they_were(
    world: World, lingyang_collector: User, farmer: Person, round: Round
) -> None:
    client = client_for(lingyang_collector)
    page = client.get(_new_url(round, farmer)).content.decode()
    answers = person_answers(farmer, basic__certificate_number=None)

    record = post_person(lingyang_collector, round, farmer, answers)

    assert farmer.certificate_number not in page
    number = farmer.certificate_number
    assert f"已录入 {number[:4]}************{number[-4:]}" in page
    assert record.basic_certificate_number == farmer.certificate_number


def test_a_collector_may_enter_but_not_correct(
    lingyang_collector: User, record: PersonRecord
) -> None:
    response = client_for(lingyang_collector).get(_edit_url(record))

    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.FEDERATION_CHAIRMAN, Role.USER_ADMIN])
def test_roles_that_do_not_enter_get_no_entry_screen(
    world: World, farmer: Person, round: Round, role: Role
) -> None:
    user = world.person("other", world.cili, role)

    response = client_for(user).get(_new_url(round, farmer))

    assert response.status_code == 403


# --- community forms ---------------------------------------------------------


def test_a_village_form_is_entered_and_corrected(
    world: World, cili_clerk: User, round: Round
) -> None:
    record = post_community(cili_clerk, round, world.village.code, community_answers())
    url = reverse("survey:community_entry_edit", args=[record.pk])
    data = form_data(
        community_answers(population__registered=1250),
        expected_version="1",
        correction_reason="户籍人口核对",
        correction_responsible="孙村干",
    )

    client_for(cili_clerk).post(url, data)

    record.refresh_from_db()
    assert (record.version, record.population_registered) == (2, 1250)
    assert RecordChange.objects.get(community_record=record).items == [
        {"item": "population.registered", "old": 1200, "new": 1250}
    ]


def test_a_village_form_starts_from_last_rounds_form(
    world: World, cili_clerk: User
) -> None:
    services.create_community_record(
        cili_clerk,
        make_round(2024),
        world.village,
        {**community_answers(), "footer.fill_date": date(2024, 7, 15)},
    )
    url = reverse("survey:community_entry_new", args=[2025, world.village.code])
    make_round(2025)

    page = client_for(cili_clerk).get(url).content.decode()

    assert "已按2024年度本村(社区)的登记表预填" in page
    registered = page.index('id="f-population.registered"')
    assert 'value="1200"' in page[registered : registered + 120]
    filled = page.index('id="f-footer.fill_date"')
    assert 'value=""' in page[filled : filled + 120]


def test_a_township_has_no_community_form(
    world: World, cili_clerk: User, round: Round
) -> None:
    url = reverse("survey:community_entry_new", args=[2025, world.lingyang.code])

    assert client_for(cili_clerk).get(url).status_code == 404
    assert not CommunityRecord.objects.exists()
