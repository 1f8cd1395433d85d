"""Checks every path into the survey services gets, not only the entry
screen: identifiers, invisible and control characters, bookkeeping types,
region codes in URLs, the county that enters a person who moved, and
searches by masked roles."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.conftest import World
from dtgx.identity import check_character
from dtgx.regions.models import Region
from dtgx.registry.models import Person
from dtgx.registry.services import move_person
from dtgx.survey import services
from dtgx.survey.models import PersonRecord, Round
from dtgx.survey.tests.entry_helpers import (
    client_for,
    form_data,
    person_answers,
    post_person,
)
from dtgx.survey.tests.helpers import (
    SURVEY_DATE,
    adult_answers,
    enter,
    load_base_list,
    store_person,
)

pytestmark = pytest.mark.django_db

CERTIFICATE = "basic.certificate_number"
HOUSEHOLDER_ID = "footer.householder_id_number"


def _valid_id(first17: str) -> str:
    return first17 + check_character(first17)


def _create(clerk: User, person: Person, round: Round, **changes: object) -> Any:
    return services.create_person_record(
        clerk,
        round,
        person,
        adult_answers(person, **changes),
        survey_method=1,
        collector="李采集",
        survey_date=SURVEY_DATE,
    )


def _messages(error: pytest.ExceptionInfo[ValidationError], item: str) -> str:
    return " ".join(error.value.message_dict[item])


# --- identifiers ----------------------------------------------------------------


def test_it_refuses_a_malformed_certificate_number(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    with pytest.raises(ValidationError) as error:
        _create(cili_clerk, farmer, round, basic__certificate_number="not-a-number")

    assert "R2 残疾人证号" in _messages(error, CERTIFICATE)
    assert not PersonRecord.objects.exists()


def test_it_refuses_another_persons_certificate_number(
    world: World, cili_clerk: User, farmer: Person, round: Round
) -> None:
    other = store_person(world.village, 2)

    with pytest.raises(ValidationError) as error:
        _create(
            cili_clerk,
            farmer,
            round,
            basic__certificate_number=other.certificate_number,
        )

    assert "与此人残疾人证上的证号不一致" in _messages(error, CERTIFICATE)


def test_it_stores_a_full_width_certificate_number_normalised(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    number = farmer.certificate_number
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in number)

    record = _create(cili_clerk, farmer, round, basic__certificate_number=full_width)

    assert record.basic_certificate_number == number


def test_it_stores_a_householder_id_with_lowercase_x_in_uppercase(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    number = _valid_id("11010119850612104")
    assert number.endswith("X")

    record = _create(
        cili_clerk, farmer, round, footer__householder_id_number=number.lower()
    )

    assert record.footer_householder_id_number == number


def test_it_refuses_a_householder_id_with_a_wrong_check_digit(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    with pytest.raises(ValidationError) as error:
        _create(
            cili_clerk,
            farmer,
            round,
            footer__householder_id_number="110101198506121041",
        )

    assert "F2 户主身份证号" in _messages(error, HOUSEHOLDER_ID)
    assert "校验码" in _messages(error, HOUSEHOLDER_ID)


def test_it_refuses_a_bad_householder_id_in_a_correction(
    cili_clerk: User, record: PersonRecord
) -> None:
    with pytest.raises(ValidationError) as error:
        services.change_person_record(
            cili_clerk,
            record,
            {HOUSEHOLDER_ID: "11010119850612104"},
            expected_version=1,
            reason="复核",
            responsible_person="张主任",
        )

    assert HOUSEHOLDER_ID in error.value.message_dict


def test_it_does_not_block_a_householder_id_with_an_unknown_address_code(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    number = _valid_id("43999919850612104")

    record = _create(cili_clerk, farmer, round, footer__householder_id_number=number)

    assert record.footer_householder_id_number == number


# --- a person who moved after the reference date ------------------------------------


@pytest.fixture
def moved(world: World, cili_clerk: User, round: Round) -> Person:
    """Lived in Cili on the reference date (06-30), moved to Sangzhi 08-01."""
    director = world.person("zjj_director", world.zhangjiajie, Role.OFFICE_DIRECTOR)
    person = store_person(world.village, 1, name="迁走者")
    load_base_list(world.cili, cili_clerk, [person])
    sangzhi_village = Region.objects.get(code="430822100201")
    move_person(
        director, person, sangzhi_village, on=date(2025, 8, 1), reason="迁往桑植"
    )
    return person


def test_it_lets_the_county_of_the_reference_date_enter_a_person_who_moved_later(
    world: World, cili_clerk: User, round: Round, moved: Person
) -> None:
    pending = reverse("survey:pending_list", args=[round.year, world.cili.code])
    assert "迁走者" in client_for(cili_clerk).get(pending).content.decode()
    url = reverse("survey:person_entry_new", args=[round.year, moved.pk])
    assert client_for(cili_clerk).get(url).status_code == 200

    record = post_person(cili_clerk, round, moved, person_answers(moved))

    assert record.region_code == world.village.code


def test_it_lets_the_service_enter_a_moved_person_for_the_old_county(
    world: World, cili_clerk: User, round: Round, moved: Person
) -> None:
    record = enter(cili_clerk, moved, round)

    assert record.region_code == world.village.code


def test_it_keeps_a_person_who_moved_in_later_out_of_the_new_countys_entry(
    world: World, sangzhi_clerk: User, round: Round, moved: Person
) -> None:
    client = client_for(sangzhi_clerk)
    url = reverse("survey:person_entry_new", args=[round.year, moved.pk])
    pending = reverse("survey:pending_list", args=[round.year, world.sangzhi.code])

    assert client.get(url).status_code == 404
    assert client.post(url, form_data(person_answers(moved))).status_code == 404
    assert "迁走者" not in client.get(pending).content.decode()
    with pytest.raises(PermissionDenied):
        enter(sangzhi_clerk, moved, round)
    assert not PersonRecord.objects.exists()


# --- invisible and control characters ------------------------------------------------


@pytest.mark.parametrize("blank", ["\u200b", "\u200b\u200b", "\u2060", "\ufeff"])
def test_it_counts_invisible_text_as_a_missing_answer(
    cili_clerk: User, farmer: Person, round: Round, blank: str
) -> None:
    with pytest.raises(ValidationError) as error:
        _create(cili_clerk, farmer, round, basic__name=blank)

    assert "此项必须填写" in _messages(error, "basic.name")


@pytest.mark.parametrize("blank", ["\u200b", "\u2060", "\ufeff", "\x00"])
@pytest.mark.parametrize("field", ["reason", "responsible_person"])
def test_it_refuses_an_invisible_reason_or_responsible_person(
    cili_clerk: User, record: PersonRecord, blank: str, field: str
) -> None:
    reason = blank if field == "reason" else "复核"
    responsible = blank if field == "responsible_person" else "张主任"

    with pytest.raises(ValidationError, match="请填写"):
        services.change_person_record(
            cili_clerk,
            record,
            {"basic.phone": "13900000000"},
            expected_version=1,
            reason=reason,
            responsible_person=responsible,
        )


@pytest.mark.parametrize("blank", ["\u200b", "\ufeff", "\x00"])
def test_it_refuses_an_invisible_collector(
    cili_clerk: User, farmer: Person, round: Round, blank: str
) -> None:
    with pytest.raises(ValidationError, match="请填写信息采集员"):
        services.create_person_record(
            cili_clerk,
            round,
            farmer,
            adult_answers(farmer),
            survey_method=1,
            collector=blank,
            survey_date=SURVEY_DATE,
        )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("138\x00000", "138000"),
        ("某街道\x0b3号", "某街道 3号"),
        ("备注\x16", "备注"),
        ("\u202e备注", "备注"),
        ("\ud800备注", "备注"),
        ("第一行\r\n第二行", "第一行\n第二行"),
    ],
)
def test_it_removes_control_and_format_characters_from_text(
    cili_clerk: User, farmer: Person, round: Round, typed: str, stored: str
) -> None:
    record = _create(cili_clerk, farmer, round, footer__remarks=typed)

    record.refresh_from_db()
    assert record.footer_remarks == stored


def test_it_keeps_a_short_text_answer_on_one_line(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    record = _create(cili_clerk, farmer, round, basic__name="王\n建国\x00")

    assert record.basic_name == "王 建国"


def test_it_drops_nul_from_a_reason(cili_clerk: User, record: PersonRecord) -> None:
    change = services.change_person_record(
        cili_clerk,
        record,
        {"basic.phone": "13900000000"},
        expected_version=1,
        reason="复核\x00",
        responsible_person="张\x00主任",
    )

    assert change is not None
    change.refresh_from_db()
    assert (change.reason, change.responsible_person) == ("复核", "张主任")


def test_it_saves_a_posted_nul_without_a_server_error(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    answers = person_answers(farmer, footer__remarks="备注\x00")

    record = post_person(cili_clerk, round, farmer, answers)

    assert record.footer_remarks == "备注"


# --- bookkeeping types and round years ----------------------------------------------


def test_it_refuses_true_as_the_survey_method(
    cili_clerk: User, farmer: Person, round: Round
) -> None:
    with pytest.raises(ValidationError, match="请选择调查方式"):
        services.create_person_record(
            cili_clerk,
            round,
            farmer,
            adult_answers(farmer),
            survey_method=True,
            collector="李采集",
            survey_date=SURVEY_DATE,
        )


@pytest.mark.parametrize("year", [0, -1, 1999, 2101, 40000])
def test_it_refuses_a_round_year_outside_2000_to_2100(
    national_director: User, year: int
) -> None:
    with pytest.raises(ValidationError, match="2000至2100"):
        services.create_round(
            national_director,
            year=year,
            form_version="2018",
            rule_set_version="national-2018",
            reference_date=date(2026, 6, 30),
            campaign_start=date(2026, 7, 1),
            campaign_end=date(2026, 11, 30),
        )
    assert not Round.objects.exists()


# --- URLs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/survey/2025/region/%00/",
        "/survey/2025/region/%00/persons/",
        "/survey/2025/region/%00/pending/",
        "/survey/2025/region/%00/communities/",
        "/survey/2025/region/%00/next/",
        "/survey/2025/communities/new/%00/",
        "/survey/2025/region/43082110020/",
        "/survey/2025/region/4308211002011/",
        "/survey/2025/region/４３０８２１１００２０１/",
    ],
)
def test_it_answers_404_for_a_region_code_that_is_not_12_digits(
    cili_clerk: User, round: Round, path: str
) -> None:
    assert client_for(cili_clerk).get(path).status_code == 404


# --- searches by masked roles ---------------------------------------------------------


@pytest.fixture
def collector(world: World) -> User:
    return world.person("cun_collector", world.village, Role.COLLECTOR)


@pytest.mark.parametrize("page", ["persons", "pending", "next"])
def test_it_matches_only_whole_numbers_when_a_masked_role_searches(
    world: World,
    cili_clerk: User,
    collector: User,
    farmer: Person,
    round: Round,
    page: str,
) -> None:
    load_base_list(world.cili, cili_clerk, [farmer])
    if page == "persons":
        enter(cili_clerk, farmer, round)
        url = reverse(
            "survey:person_record_list", args=[round.year, world.village.code]
        )
    elif page == "pending":
        url = reverse("survey:pending_list", args=[round.year, world.village.code])
    else:
        url = reverse("survey:entry_next", args=[round.year, world.village.code])
    client = client_for(collector)

    def finds(query: str) -> bool:
        body = client.get(url, {"q": query}).content.decode()
        return "王建国" in body.split('name="q"', 1)[1]  # among the results

    assert not finds(farmer.id_number[:14])
    assert not finds(farmer.certificate_number[:19])
    assert finds(farmer.id_number)
    assert finds(farmer.certificate_number)
    assert finds("建国")


def test_it_still_matches_prefixes_for_a_role_that_sees_whole_numbers(
    world: World, cili_clerk: User, farmer: Person, round: Round
) -> None:
    load_base_list(world.cili, cili_clerk, [farmer])
    url = reverse("survey:pending_list", args=[round.year, world.village.code])

    page = client_for(cili_clerk).get(url, {"q": farmer.id_number[:14]})

    assert "王建国" in page.content.decode()


# --- wording -------------------------------------------------------------------------


def test_it_asks_about_the_next_form_in_neutral_words(
    world: World, cili_clerk: User, round: Round
) -> None:
    url = reverse("survey:entry_next", args=[round.year, world.village.code])

    page = client_for(cili_clerk).get(url).content.decode()

    assert "手里的下一张表不是这个人？" in page
    assert "不是他" not in page
