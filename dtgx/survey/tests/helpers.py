"""Test data for the survey: rounds, holders and the answers they give.

``adult_answers`` are the answers of the questionnaires' ``adult_farmer``
persona without the items the services fill themselves (village, survey
method, collector, survey date). Tests change only what a case is about.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from dtgx.accounts.models import User
from dtgx.identity import check_character
from dtgx.questionnaires.tests.personas import adult_farmer, village
from dtgx.regions.models import Region
from dtgx.registry.models import BaseList, BaseListEntry, Person, Residence, Status
from dtgx.survey import services
from dtgx.survey.models import (
    CommunityRecord,
    PersonRecord,
    Round,
    RoundStatus,
    SurveyMethod,
)

YEAR = 2025
REFERENCE_DATE = date(2025, 6, 30)
SURVEY_DATE = date(2025, 7, 15)
YES, NO = 1, 2
FIXED_ITEMS = frozenset(
    {
        "header.region_code",
        "header.survey_method",
        "footer.collector",
        "footer.fill_date",
    }
)


def make_id(sequence: int, *, birth: date = date(1995, 1, 1)) -> str:
    first17 = f"430821{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def adult_answers(person: Person, **changes: object) -> dict[str, object]:
    """``person``'s answers as the 30-year-old farmer of the questionnaire
    tests, with the person's name and certificate number; keyword ``a__b``
    sets item ``a.b``."""
    answers = {k: v for k, v in adult_farmer().items() if k not in FIXED_ITEMS}
    answers["basic.name"] = person.name
    answers["basic.certificate_number"] = person.certificate_number
    for key, value in changes.items():
        answers[key.replace("__", ".")] = value
    return answers


def village_answers() -> dict[str, object]:
    """A village's community form without H1 and with a 2025 fill date."""
    answers = {k: v for k, v in village().items() if k != "header.region_code"}
    answers["footer.fill_date"] = SURVEY_DATE
    return answers


def make_round(year: int = YEAR, *, status: RoundStatus = RoundStatus.OPEN) -> Round:
    """A round stored directly (the round services have their own tests)."""
    round, _created = Round.objects.get_or_create(
        year=year,
        defaults={
            "form_version": "2018",
            "rule_set_version": "national-2018",
            "reference_date": date(year, 6, 30),
            "campaign_start": date(year, 7, 1),
            "campaign_end": date(year, 10, 31),
            "status": status,
        },
    )
    return round


def store_person(
    village: Region,
    sequence: int,
    *,
    name: str = "",
    birth: date = date(1995, 1, 1),
    since: date = date(2020, 1, 1),
    hukou: int | None = 1,
) -> Person:
    """A holder living in ``village`` since ``since`` (aged 30 on the 2025
    reference date by default)."""
    id_number = make_id(sequence, birth=birth)
    person = Person.objects.create(
        id_number=id_number,
        certificate_number=f"{id_number}43",
        name=name or f"持证人{sequence}",
        sex=1,
        birth_date=birth,
        category=4,
        grade=3,
        hukou_type=hukou,
        village=village,
        region_code=village.code,
    )
    Residence.objects.create(person=person, village=village, valid_from=since)
    return person


def enter(
    actor: User,
    person: Person,
    round: Round | None = None,
    **changes: object,
) -> PersonRecord:
    """Enter ``person``'s form with the adult answers (and ``changes``)."""
    round = round or make_round()
    return services.create_person_record(
        actor,
        round,
        person,
        adult_answers(person, **changes),
        survey_method=SurveyMethod.VISIT,
        collector="李采集",
        survey_date=SURVEY_DATE.replace(year=round.year),
    )


def load_base_list(
    region: Region, loader: User, persons: list[Person], year: int = YEAR
) -> BaseList:
    """A base list stored directly with one entry per person."""
    base_list = BaseList.objects.create(
        year=year,
        reference_date=date(year, 6, 30),
        region=region,
        source_name="test.csv",
        sha256="0" * 64,
        loaded_by=loader,
        loaded_at=datetime(year, 7, 1, tzinfo=UTC),
        rows=len(persons),
    )
    BaseListEntry.objects.bulk_create(
        BaseListEntry(
            base_list=base_list,
            year=year,
            person=person,
            village_id=person.region_code,
            status=Status.NORMAL,
        )
        for person in persons
    )
    return base_list


def sample_person_record(village: Region, clerk: User) -> PersonRecord:
    """One record in ``village`` for the URL access table; idempotent, so
    that each of the table's visitors gets the same record."""
    existing = PersonRecord.objects.filter(region_code=village.code).first()
    if existing is not None:
        return existing
    return enter(clerk, store_person(village, 900, name="规则样本"))


def sample_community_record(village: Region, clerk: User) -> CommunityRecord:
    """One community record of ``village``, idempotent like the above."""
    existing = CommunityRecord.objects.filter(region_code=village.code).first()
    if existing is not None:
        return existing
    return services.create_community_record(
        clerk, make_round(), village, village_answers()
    )
