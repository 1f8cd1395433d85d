"""Benchmark of the audit on the real tables (``make bench``).

Builds one county of generated holders straight into the database (the
registry's persons, residences and base list, one person record each with
answers from ``dtgx.demo.answers``, a community record per village), then
times the two audits as the system runs them:

* the audit on save (``audit_saved_record``: inputs, the per-record
  evaluator and the findings of one record, with its queries), per record;
* the bulk audit of the county (``audit_region``: inputs of every record
  recomputed, the rules compiled to SQL, findings raised and resolved).

The records are inserted directly, not through the entry services, so that
building a county of tens of thousands takes seconds; the audits under
test are the ones the services and the interface call.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

COUNTY = "430821000000"
TOWNSHIPS = 10
PERSONS_PER_VILLAGE = 80
LATENCY_SAMPLE = 300


def bench_region_audit(persons: int) -> None:
    """Print the per-record and bulk audit figures for ``persons``."""
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic():
        world = _build(persons)
    print(
        f"  {'county built (' + format(persons, ',') + ' records)':<46} "
        f"{time.perf_counter() - started:>10.1f} s"
    )
    _print_latency(world)
    _print_bulk(world, persons)


class _World:
    def __init__(self, round: Any, auditor: Any, records: list[Any]) -> None:
        self.round = round
        self.auditor = auditor
        self.records = records


def _build(persons: int) -> _World:
    from dtgx.accounts.models import User
    from dtgx.accounts.roles import Role
    from dtgx.demo.answers import AnswerGenerator
    from dtgx.regions.models import Region
    from dtgx.survey.models import Round

    auditor = User.objects.create(username="bench_auditor", region_id=None)
    round = Round.objects.create(
        year=2025,
        form_version="2018",
        rule_set_version="national-2018",
        reference_date=date(2025, 6, 30),
        campaign_start=date(2025, 7, 1),
        campaign_end=date(2025, 10, 31),
        status="open",
    )
    villages = _regions(-(-persons // PERSONS_PER_VILLAGE))
    holders = _persons(villages, persons, auditor, round)
    generator = AnswerGenerator(seed=2025)
    records = _person_records(generator, round, holders, auditor)
    _community_records(generator, round, villages, holders, auditor)
    county = Region.objects.get(code=COUNTY)
    auditor.region = county
    auditor.save()
    auditor.role_grants.create(role=Role.AUDITOR)
    return _World(round, auditor, records)


def _regions(villages: int) -> list[Any]:
    from dtgx.regions.codes import Level
    from dtgx.regions.models import Region

    rows = [
        Region(code="430000000000", name="湖南省", level=Level.PROVINCE),
        Region(
            code="430800000000",
            name="张家界市",
            level=Level.PREFECTURE,
            parent_id="430000000000",
        ),
        Region(
            code=COUNTY, name="慈利县", level=Level.COUNTY, parent_id="430800000000"
        ),
    ]
    created: list[Region] = []
    per_township = -(-villages // TOWNSHIPS)
    for t in range(TOWNSHIPS):
        township = f"430821{100 + t:03d}000"
        rows.append(
            Region(
                code=township,
                name=f"第{t + 1}镇",
                level=Level.TOWNSHIP,
                parent_id=COUNTY,
            )
        )
        for v in range(per_township):
            if len(created) == villages:
                break
            village = Region(
                code=f"{township[:9]}{200 + v:03d}",
                name=f"第{t + 1}镇{v + 1}村",
                level=Level.VILLAGE,
                parent_id=township,
            )
            created.append(village)
    # ignore_conflicts: the regions benchmark may have made some of them.
    Region.objects.bulk_create(rows + created, ignore_conflicts=True)
    return created


def _persons(villages: list[Any], count: int, user: Any, round: Any) -> list[Any]:
    from dtgx.demo.persons import generate_rows
    from dtgx.registry.models import BaseList, BaseListEntry, Person, Residence

    codes = [village.code for village in villages]
    rows = generate_rows(COUNTY, codes, count, seed=2025)
    people = []
    for certificate, name, village, _status, hukou in rows:
        id_number = certificate[:18]
        born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
        people.append(
            Person(
                id_number=id_number,
                certificate_number=certificate,
                name=name,
                sex=1 if int(id_number[16]) % 2 else 2,
                birth_date=born,
                category=int(certificate[18]),
                grade=int(certificate[19]),
                hukou_type=int(hukou),
                village_id=village,
                region_code=village,
            )
        )
    people = Person.objects.bulk_create(people, batch_size=2000)
    Residence.objects.bulk_create(
        (
            Residence(person=p, village_id=p.region_code, valid_from=date(2020, 1, 1))
            for p in people
        ),
        batch_size=2000,
    )
    base_list = BaseList.objects.create(
        year=round.year,
        reference_date=round.reference_date,
        region_id=COUNTY,
        source_name="bench.csv",
        sha256="0" * 64,
        loaded_by=user,
        loaded_at=datetime(round.year, 7, 1, tzinfo=UTC),
        rows=len(people),
    )
    # One holder in two hundred is missing from the base list.
    BaseListEntry.objects.bulk_create(
        (
            BaseListEntry(
                base_list=base_list,
                year=round.year,
                person=p,
                village_id=p.region_code,
                status="normal",
            )
            for n, p in enumerate(people)
            if n % 200 != 7
        ),
        batch_size=2000,
    )
    return people


def _person_records(
    generator: Any, round: Any, holders: list[Any], user: Any
) -> list[Any]:
    from django.utils import timezone

    from dtgx.survey.answers import columns_of
    from dtgx.survey.models import PersonRecord

    form = PersonRecord.questionnaire()
    now = timezone.now()
    rows = []
    for person in holders:
        generated = generator.person(person, round, "李采集")
        values = generated.answers | {
            "header.region_code": person.region_code,
            "header.survey_method": generated.survey_method,
            "footer.collector": generated.collector,
            "footer.fill_date": generated.survey_date,
        }
        rows.append(
            PersonRecord(
                round=round,
                person=person,
                village_id=person.region_code,
                region_code=person.region_code,
                survey_method=generated.survey_method,
                collector=generated.collector,
                survey_date=generated.survey_date,
                status="saved",
                entered_by=user,
                updated_by=user,
                updated_at=now,
                **columns_of(form, values),
            )
        )
    return PersonRecord.objects.bulk_create(rows, batch_size=1000)


def _community_records(
    generator: Any, round: Any, villages: list[Any], holders: list[Any], user: Any
) -> None:
    from django.utils import timezone

    from dtgx.survey.answers import columns_of
    from dtgx.survey.models import CommunityRecord

    form = CommunityRecord.questionnaire()
    counts: dict[str, Counter[int]] = {v.code: Counter() for v in villages}
    for person in holders:
        counts[person.region_code][person.category] += 1
    now = timezone.now()
    rows = []
    for village in villages:
        values = generator.village(village.name, counts[village.code], round)
        values["header.region_code"] = village.code
        rows.append(
            CommunityRecord(
                round=round,
                village=village,
                region_code=village.code,
                status="saved",
                entered_by=user,
                updated_by=user,
                updated_at=now,
                **columns_of(form, values),
            )
        )
    CommunityRecord.objects.bulk_create(rows, batch_size=1000)


def _print_latency(world: _World) -> None:
    from django.db import transaction

    from dtgx.validation.services import audit_saved_record

    sample = random.Random(7).sample(  # noqa: S311 (a benchmark sample)
        world.records, min(LATENCY_SAMPLE, len(world.records))
    )
    times = []
    for record in sample:
        started = time.perf_counter()
        with transaction.atomic():
            audit_saved_record(record, actor=world.auditor, changed=None)
        times.append(time.perf_counter() - started)
    mean = statistics.mean(times) * 1000
    p95 = sorted(times)[int(len(times) * 0.95)] * 1000
    label = f"audit on save, per record (mean of {len(times)})"
    print(f"  {label:<46} {mean:>10.2f} ms  (95th percentile {p95:.2f} ms)")


def _print_bulk(world: _World, persons: int) -> None:
    from dtgx.validation.models import Finding
    from dtgx.validation.services import audit_region

    for attempt in ("first", "again"):
        started = time.perf_counter()
        run = audit_region(world.auditor, world.round, COUNTY)
        seconds = time.perf_counter() - started
        label = f"bulk audit of the county ({attempt})"
        print(
            f"  {label:<46} {seconds:>10.2f} s   {run.records / seconds:>10,.0f} "
            f"records/s  (+{run.raised:,} new, {run.resolved:,} resolved)"
        )
    open_findings = Finding.objects.filter(status="open")
    by_severity = Counter(open_findings.values_list("severity", flat=True))
    records = open_findings.values("person_record").distinct().count()
    print(
        f"  {'open findings':<46} {sum(by_severity.values()):>10,}     "
        f"errors {by_severity['error']:,}, queries {by_severity['query']:,}; "
        f"{records:,} of {persons:,} person records"
    )
