"""The skip logic of every item group, through the entry screen's POST.

One test per section of the person form (header, A–H, footer) and per
group of the community form: a case where the group's items are asked and
stored, and one where they do not apply and are stored as NULL, although
the post carries answers for them (a stale page, or no JavaScript): the
server decides, not the browser.
"""

from __future__ import annotations

from datetime import date

import pytest

from dtgx.accounts.models import User
from dtgx.conftest import World
from dtgx.regions.codes import Level
from dtgx.regions.models import Region
from dtgx.registry.models import Person
from dtgx.survey.models import CommunityRecord, PersonRecord, Round
from dtgx.survey.tests.entry_helpers import (
    community_answers,
    person_answers,
    post_community,
    post_person,
)
from dtgx.survey.tests.helpers import store_person

YES, NO = 1, 2
NORMAL, DECEASED, MOVED_OUT = 6, 1, 2
FARM, TOWN = 1, 2

# Born so that the age on 30 June 2025 is as named.
AGED_2 = date(2023, 1, 1)
AGED_5 = date(2020, 1, 1)
AGED_10 = date(2015, 1, 1)
AGED_15 = date(2010, 1, 1)
AGED_17 = date(2008, 1, 1)
AGED_60 = date(1965, 1, 1)


class Desk:
    """A clerk of Cili county entering forms of 示例村 one after another."""

    def __init__(self, world: World, clerk: User, round: Round) -> None:
        self.world = world
        self.clerk = clerk
        self.round = round
        self.sequence = 100

    def holder(self, *, birth: date = date(1995, 1, 1)) -> Person:
        self.sequence += 1
        return store_person(self.world.village, self.sequence, birth=birth)

    def enter(
        self, *, birth: date = date(1995, 1, 1), **changes: object
    ) -> PersonRecord:
        """A holder of that birth date, entered with the adult farmer's
        answers and ``changes`` (``a__b`` is item ``a.b``)."""
        person = self.holder(birth=birth)
        return post_person(
            self.clerk, self.round, person, person_answers(person, **changes)
        )


@pytest.fixture
def desk(world: World, cili_clerk: User, round: Round) -> Desk:
    return Desk(world, cili_clerk, round)


# --- person form -------------------------------------------------------------


def test_header_is_asked_of_everyone_and_its_status_closes_the_body(
    desk: Desk,
) -> None:
    normal = desk.enter()
    deceased = desk.enter(header__person_status=DECEASED)

    assert (normal.header_region_code, normal.header_person_status) == (
        desk.world.village.code,
        NORMAL,
    )
    assert (deceased.header_survey_method, deceased.header_person_status) == (
        1,
        DECEASED,
    )
    assert deceased.basic_hukou_type is None
    assert deceased.social_security_resident_medical is None


def test_a_basic_information_follows_status_and_age(desk: Desk) -> None:
    adult = desk.enter()
    minor = desk.enter(birth=AGED_17, basic__contact_name="王母")
    deceased = desk.enter(header__person_status=DECEASED)

    assert (adult.basic_hukou_type, adult.basic_marital_status) == (FARM, 2)
    assert adult.basic_contact_name is None  # a guardian only for minors
    assert (minor.basic_marital_status, minor.basic_contact_name) == (None, "王母")
    assert deceased.basic_name is not None  # R1, R2 for everyone
    assert (deceased.basic_hukou_type, deceased.basic_lives_in_institution) == (
        None,
        None,
    )


def test_b_economy_asks_by_hukou_and_skips_institution_residents(
    desk: Desk,
) -> None:
    farmer = desk.enter(economy__urban_income_status=3)
    townsman = desk.enter(
        basic__hukou_type=TOWN,
        economy__urban_income_status=3,
        economy__urban_housing=2,
        economy__housing_support_types=[1, 4],
    )
    resident = desk.enter(basic__lives_in_institution=YES)

    assert (farmer.economy_poverty_status, farmer.economy_rural_housing) == (3, 1)
    assert farmer.economy_urban_income_status is None
    assert (townsman.economy_urban_income_status, townsman.economy_urban_housing) == (
        3,
        2,
    )
    assert townsman.economy_housing_support_types_4 is True
    assert townsman.economy_poverty_status is None
    assert resident.economy_poverty_status is None
    assert resident.economy_rural_housing is None


def test_c_education_asks_children_out_of_school_why(desk: Desk) -> None:
    child = desk.enter(
        birth=AGED_10,
        basic__contact_name="王母",
        education__level=1,
        education__not_enrolled_reason=2,
    )
    adult = desk.enter(education__not_enrolled_reason=2)
    toddler = desk.enter(birth=AGED_2, basic__contact_name="王母")

    assert (child.education_level, child.education_not_enrolled_reason) == (1, 2)
    assert child.education_literate is None  # from fifteen
    assert adult.education_literate == YES
    assert adult.education_not_enrolled_reason is None  # thirty years old
    assert toddler.education_level is None
    assert toddler.education_literate is None


def test_d_employment_is_asked_at_working_age_and_follows_r16(desk: Desk) -> None:
    employed = desk.enter(employment__livelihood_source=4)
    unemployed = desk.enter(
        employment__is_employed=NO,
        employment__livelihood_source=4,
        employment__not_employed_reason=5,
    )
    older = desk.enter(birth=AGED_60)

    assert (employed.employment_is_employed, employed.employment_form) == (YES, 6)
    assert employed.employment_livelihood_source is None
    assert employed.employment_help_received_3 is True
    assert unemployed.employment_form is None
    assert unemployed.employment_not_employed_reason == 5
    assert unemployed.employment_help_received_3 is None  # reason 5: skip R20
    assert unemployed.employment_unemployment_registered is None  # farm hukou
    assert older.employment_is_employed is None


def test_e_social_security_asks_insurance_from_sixteen_and_follows_r27(
    desk: Desk,
) -> None:
    insured = desk.enter(
        social_security__assistance=[1],
        social_security__subsistence_type=2,
        social_security__urban_subsistence_amount=1,
    )
    young = desk.enter(birth=AGED_15, basic__contact_name="王母")
    student = desk.enter(
        employment__is_employed=NO,
        employment__livelihood_source=4,
        employment__not_employed_reason=1,
    )

    assert insured.social_security_employee_insurance_4 is True
    assert (
        insured.social_security_subsistence_type,
        insured.social_security_urban_subsistence_amount,
    ) == (2, 1)
    assert young.social_security_resident_pension is None
    assert young.social_security_employee_insurance_4 is None
    assert young.social_security_resident_medical == YES  # asked at any age
    assert student.social_security_resident_pension is None


def test_e_care_services_are_asked_by_category(desk: Desk, world: World) -> None:
    person = desk.holder()
    Person.objects.filter(pk=person.pk).update(category=5)
    person.refresh_from_db()
    intellectual = post_person(
        desk.clerk,
        desk.round,
        person,
        person_answers(
            person,
            social_security__receives_care_service=NO,
            social_security__care_service_need=2,
        ),
    )
    physical = desk.enter(social_security__receives_care_service=NO)

    assert intellectual.social_security_receives_care_service == NO
    assert intellectual.social_security_care_service_need == 2
    assert physical.social_security_receives_care_service is None  # grade 3


def test_f_health_follows_illness_and_rehabilitation(desk: Desk) -> None:
    ill = desk.enter(
        health__other_illness=YES,
        health__treated=NO,
        health__untreated_reasons=[1, 2],
        health__rehab_received=[8],
        health__no_rehab_reasons=[3],
    )
    well = desk.enter(health__treated=NO, health__no_rehab_reasons=[3])

    assert ill.health_treated == NO
    assert (ill.health_untreated_reasons_1, ill.health_untreated_reasons_3) == (
        True,
        False,
    )
    assert ill.health_no_rehab_reasons_3 is True
    assert well.health_family_doctor == YES
    assert well.health_treated is None
    assert well.health_untreated_reasons_1 is None
    assert well.health_no_rehab_reasons_3 is None  # rehabilitation received


def test_g_accessibility_is_asked_of_everyone_present(desk: Desk) -> None:
    present = desk.enter()
    moved = desk.enter(header__person_status=MOVED_OUT)

    assert present.accessibility_home_modified == NO
    assert present.accessibility_modification_needs_7 is True
    assert moved.accessibility_home_modified is None
    assert moved.accessibility_modification_needs_7 is None


def test_h_culture_is_asked_from_six_of_those_living_at_home(desk: Desk) -> None:
    absent = desk.enter(culture__takes_part=NO, culture__not_taking_part_reasons=[1, 2])
    resident = desk.enter(basic__lives_in_institution=YES)
    small = desk.enter(birth=AGED_5, basic__contact_name="王母")

    assert absent.culture_takes_part == NO
    assert absent.culture_not_taking_part_reasons_2 is True
    assert resident.culture_takes_part is None
    assert small.culture_takes_part is None


def test_footer_householder_is_asked_only_of_persons_present(desk: Desk) -> None:
    present = desk.enter(footer__householder_id_number="43082119950101001X")
    deceased = desk.enter(header__person_status=DECEASED, footer__remarks="已去世")

    assert present.footer_householder_name == "王建国"
    assert present.footer_householder_id_number == "43082119950101001X"
    assert deceased.footer_householder_name is None
    assert deceased.footer_householder_id_number is None
    assert (deceased.footer_respondent, deceased.footer_collector) == (
        "王建国",
        "李采集",
    )
    assert deceased.footer_remarks == "已去世"


# --- community form ----------------------------------------------------------


@pytest.fixture
def villages(world: World) -> tuple[Region, Region]:
    other = Region.objects.create(
        code="430821100202",
        name="示例二村",
        level=Level.VILLAGE,
        parent=world.lingyang,
    )
    return world.village, other


def _two(
    clerk: User,
    round: Round,
    villages: tuple[Region, Region],
    asked: dict[str, object],
    skipped: dict[str, object],
) -> tuple[CommunityRecord, CommunityRecord]:
    first = post_community(clerk, round, villages[0].code, community_answers(**asked))
    second = post_community(
        clerk, round, villages[1].code, community_answers(**skipped)
    )
    return first, second


def test_community_sections_without_conditions_are_asked_of_every_village(
    cili_clerk: User, round: Round, villages: tuple[Region, Region]
) -> None:
    record = post_community(cili_clerk, round, villages[0].code, community_answers())

    assert record.header_region_code == villages[0].code
    assert record.header_urban_rural_class == 220
    assert record.population_registered == 1200
    assert record.accessibility_facilities_1 is not None
    assert record.footer_reporter is not None


def test_community_b_liaison_details_follow_c4(
    cili_clerk: User, round: Round, villages: tuple[Region, Region]
) -> None:
    with_liaison, without = _two(
        cili_clerk,
        round,
        villages,
        {"organisation__has_liaison": YES, "organisation__liaison_count": 2},
        {"organisation__has_liaison": NO, "organisation__liaison_count": 2},
    )

    assert with_liaison.organisation_liaison_count == 2
    assert without.organisation_liaison_count is None
    assert without.organisation_liaison_subsidised is None


def test_community_c_day_care_places_follow_c7(
    cili_clerk: User, round: Round, villages: tuple[Region, Region]
) -> None:
    with_care, without = _two(
        cili_clerk,
        round,
        villages,
        {"services__has_day_care": YES, "services__day_care_places": 12},
        {"services__has_day_care": NO, "services__day_care_places": 12},
    )

    assert with_care.services_day_care_places == 12
    assert without.services_day_care_places is None


def test_community_e_participants_only_when_activities_were_held(
    cili_clerk: User, round: Round, villages: tuple[Region, Region]
) -> None:
    active, quiet = _two(
        cili_clerk,
        round,
        villages,
        {"culture__activity_count": 3, "culture__participants": 40},
        {"culture__activity_count": 0, "culture__participants": 40},
    )

    assert active.culture_participants == 40
    assert quiet.culture_participants is None


def test_community_f_family_doctors_only_with_a_clinic(
    cili_clerk: User, round: Round, villages: tuple[Region, Region]
) -> None:
    clinic, none = _two(
        cili_clerk,
        round,
        villages,
        {"support__has_clinic": YES, "support__family_doctor_service": YES},
        {"support__has_clinic": NO, "support__family_doctor_service": YES},
    )

    assert clinic.support_family_doctor_service == YES
    assert none.support_family_doctor_service is None
