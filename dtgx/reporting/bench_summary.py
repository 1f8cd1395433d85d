"""Benchmark of the summary tables: ``bench_summary(persons)``.

Fills the current (empty, migrated) database with one province of
generated data, then prints the time of ``compute_all`` for the province
and for one county. The data: 4 prefectures × 5 counties, townships of
up to 10 villages, 60 persons a village; a pool of realistic persons and
forms (``dtgx.demo``: the registry's generator and ``AnswerGenerator``,
passed through the form's skip logic) is stored through the ORM, then
copied inside the database to ``persons`` with ``INSERT ... SELECT`` over
a series, each copy its own id, identity number and village. One form in
a hundred is a draft; every person is in the base list; one saved form
in twenty has a finding; every village has a community form.

Run it directly with ``DTGX_ENV=test DATABASE_URL=... python -m
dtgx.reporting.bench_summary [PERSONS]`` on an empty database.
"""

# SQL text is built from table and column names of the models, never from
# users; hence no S608 (string-built SQL) warnings.
# ruff: noqa: S608

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

PROVINCE = "430000000000"
PREFECTURES = 4
COUNTIES_PER_PREFECTURE = 5
VILLAGES_PER_TOWNSHIP = 10
PERSONS_PER_VILLAGE = 60
POOL_SIZE = 2000
VILLAGE_MAP = "reporting_bench_village"


def bench_summary(persons: int) -> None:
    """Print the time of building the data and of ``compute_all``."""
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic():
        round = _build(persons)
    _analyze()
    print(
        f"  {'province built (' + format(persons, ',') + ' persons)':<46} "
        f"{time.perf_counter() - started:>10.1f} s"
    )
    _print_compute(round, PROVINCE, "province")
    _print_compute(round, "430101000000", "one county")


def _print_compute(round: Any, region_code: str, label: str) -> None:
    from dtgx.reporting.summary import compute_all

    times = []
    for _attempt in range(2):
        started = time.perf_counter()
        results = compute_all(round, region_code)
        times.append(time.perf_counter() - started)
    first = {result.table_id: result for result in results}["T01"]
    cells = sum(
        len(r.row_labels) * len(r.column_labels)
        + len(r.total_row or ())
        + len(r.total_column or ())
        for r in results
    )
    print(
        f"  {'compute_all, ' + label:<46} {min(times):>10.2f} s   "
        f"({len(results)} tables, {cells:,} cells, "
        f"{first.grand_total:,} persons counted; first run {times[0]:.2f} s)"
    )


# --- Building ---------------------------------------------------------------------


def _build(persons: int) -> Any:
    from dtgx.accounts.models import User
    from dtgx.survey.models import Round

    user = User.objects.create(username="bench_summary", region_id=None)
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
    pool = min(POOL_SIZE, persons)
    _pool(villages, pool, user, round)
    _spread(persons, pool)
    _base_lists(round, user, persons)
    _findings(round, persons)
    _communities(round, villages, user)
    return round


def _regions(count: int) -> list[str]:
    """The province's regions; returns the village codes, in order, and
    stores them in a helper table (index → code) for the copies."""
    from django.db import connection

    from dtgx.regions.codes import Level
    from dtgx.regions.models import Region

    rows = [Region(code=PROVINCE, name="湖南省", level=Level.PROVINCE)]
    counties = []
    for p in range(1, PREFECTURES + 1):
        prefecture = f"43{p:02d}00000000"
        rows.append(
            Region(
                code=prefecture,
                name=f"第{p}市",
                level=Level.PREFECTURE,
                parent_id=PROVINCE,
            )
        )
        for c in range(1, COUNTIES_PER_PREFECTURE + 1):
            county = f"{prefecture[:4]}{c:02d}000000"
            counties.append(county)
            rows.append(
                Region(
                    code=county,
                    name=f"第{c}县",
                    level=Level.COUNTY,
                    parent_id=prefecture,
                )
            )
    villages: list[str] = []
    townships = -(-count // VILLAGES_PER_TOWNSHIP)
    for t in range(townships):
        county = counties[t % len(counties)]
        township = f"{county[:6]}{100 + t // len(counties):03d}000"
        rows.append(
            Region(code=township, name="镇", level=Level.TOWNSHIP, parent_id=county)
        )
        for v in range(min(VILLAGES_PER_TOWNSHIP, count - len(villages))):
            code = f"{township[:9]}{200 + v:03d}"
            villages.append(code)
            rows.append(
                Region(code=code, name="村", level=Level.VILLAGE, parent_id=township)
            )
    Region.objects.bulk_create(rows, batch_size=5000)

    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE TABLE "{VILLAGE_MAP}" (idx integer PRIMARY KEY, '
            "code varchar(12) NOT NULL, county varchar(12) NOT NULL)"
        )
        cursor.executemany(
            f'INSERT INTO "{VILLAGE_MAP}" VALUES (%s, %s, %s)',
            [(i, code, code[:6] + "000000") for i, code in enumerate(villages)],
        )
    return villages


def _pool(villages: list[str], pool: int, user: Any, round: Any) -> None:
    """Persons, forms and inputs 1..pool through the ORM, with ids = n."""
    from django.utils import timezone

    from dtgx.demo.answers import AnswerGenerator
    from dtgx.demo.persons import generate_rows
    from dtgx.registry.models import Person
    from dtgx.survey.answers import columns_of
    from dtgx.survey.models import PersonRecord
    from dtgx.validation.models import PersonInputs

    codes = [villages[n // PERSONS_PER_VILLAGE] for n in range(pool)]
    rows = generate_rows("430101", codes[:1], pool, seed=2025)
    people = []
    for n, (certificate, name, _village, _status, hukou) in enumerate(rows, 1):
        id_number = certificate[:18]
        people.append(
            Person(
                id=n,
                id_number=id_number,
                certificate_number=certificate,
                name=name,
                sex=1 if int(id_number[16]) % 2 else 2,
                birth_date=date(
                    int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])
                ),
                category=int(certificate[18]),
                grade=int(certificate[19]),
                hukou_type=int(hukou),
                village_id=codes[n - 1],
                region_code=codes[n - 1],
            )
        )
    Person.objects.bulk_create(people, batch_size=2000)

    generator = AnswerGenerator(seed=2025)
    form = PersonRecord.questionnaire()
    now = timezone.now()
    records, inputs = [], []
    for person in people:
        generated = generator.person(person, round, "李采集")
        values: dict[str, Any] = generated.answers | {
            "header.region_code": person.region_code,
            "header.survey_method": generated.survey_method,
            "footer.collector": generated.collector,
            "footer.fill_date": generated.survey_date,
        }
        records.append(
            PersonRecord(
                id=person.id,
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
        inputs.append(
            PersonInputs(
                record_id=person.id,
                age=_age(person.birth_date, round.reference_date),
                sex=person.sex,
                category=person.category,
                grade=person.grade,
                hukou=person.hukou_type,
            )
        )
    PersonRecord.objects.bulk_create(records, batch_size=1000)
    PersonInputs.objects.bulk_create(inputs, batch_size=2000)


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _spread(persons: int, pool: int) -> None:
    """Copies pool+1..persons of the pool's persons, forms and inputs."""
    from dtgx.registry.models import Person
    from dtgx.survey.models import PersonRecord
    from dtgx.validation.models import PersonInputs

    if persons <= pool:
        return
    n = "g.n"
    village = "v.code"
    id_number = f"lpad(CAST({n} AS text), 18, '0')"
    _copy(
        Person,
        persons,
        pool,
        {
            "id": n,
            "id_number": id_number,
            "certificate_number": (
                f"{id_number} || CAST(p.category AS text) || CAST(p.grade AS text)"
            ),
            "legacy_id_number": "NULL",
            "village_id": village,
            "region_code": village,
        },
    )
    _copy(
        PersonRecord,
        persons,
        pool,
        {
            "id": n,
            "person_id": n,
            "village_id": village,
            "region_code": village,
            "header_region_code": village,
            "basic_certificate_number": "NULL",
            "status": f"CASE WHEN {n} % 100 = 0 THEN 'draft' ELSE 'saved' END",
        },
    )
    _copy(PersonInputs, persons, pool, {"id": n}, where=f"{n} % 100 <> 0")


def _copy(
    model: Any,
    persons: int,
    pool: int,
    overrides: dict[str, str],
    *,
    where: str = "",
) -> None:
    """INSERT ... SELECT rows pool+1..persons of ``model`` from its row
    ((n - 1) % pool) + 1, with some columns computed instead."""
    columns = [field.column for field in model._meta.concrete_fields]
    chosen = ", ".join(overrides.get(c, f'p."{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    table = model._meta.db_table
    series = _series(pool, persons)
    condition = f" WHERE {where}" if where else ""
    _execute(
        f'INSERT INTO "{table}" ({names}) SELECT {chosen} FROM {series} '
        f'JOIN "{table}" AS p ON p."{model._meta.pk.column}" = (g.n - 1) % {pool} + 1 '
        f'JOIN "{VILLAGE_MAP}" AS v ON v.idx = (g.n - 1) / {PERSONS_PER_VILLAGE}'
        f"{condition}"
    )


def _series(start: int, end: int) -> str:
    """A FROM item ``g`` with one column ``n`` = start+1..end."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"generate_series({start + 1}, {end}) AS g(n)"
    return (
        f"(WITH RECURSIVE s(n) AS (SELECT {start + 1} UNION ALL SELECT n + 1 FROM s "
        f"WHERE n < {end}) SELECT n FROM s) AS g"
    )


def _base_lists(round: Any, user: Any, persons: int) -> None:
    """One base list per county with every person of its villages."""
    from dtgx.registry.models import BaseList, BaseListEntry

    counties = _fetch(f'SELECT DISTINCT county FROM "{VILLAGE_MAP}" ORDER BY 1')
    for (county,) in counties:
        BaseList.objects.create(
            year=round.year,
            reference_date=round.reference_date,
            region_id=county,
            source_name="bench.csv",
            sha256="0" * 64,
            loaded_by=user,
            loaded_at=datetime(round.year, 7, 1, tzinfo=UTC),
        )
    table = BaseListEntry._meta.db_table
    _execute(
        f'INSERT INTO "{table}" (base_list_id, year, person_id, village_id, status) '
        f"SELECT b.id, {round.year}, g.n, v.code, 'normal' FROM {_series(0, persons)} "
        f'JOIN "{VILLAGE_MAP}" AS v ON v.idx = (g.n - 1) / {PERSONS_PER_VILLAGE} '
        f'JOIN "{BaseList._meta.db_table}" AS b ON b.region_id = v.county'
    )


def _findings(round: Any, persons: int) -> None:
    """A finding on one saved form in twenty, in every state."""
    from dtgx.validation.models import Finding

    table = Finding._meta.db_table
    _execute(
        f'INSERT INTO "{table}" (round_id, person_record_id, region_code, rule_id, '
        "severity, rule_set_version, status, found_at, explanation) "
        f"SELECT {round.id}, r.id, r.region_code, 'R' || CAST(r.id % 7 AS text), "
        "CASE WHEN r.id % 3 = 0 THEN 'query' ELSE 'error' END, 'national-2018', "
        "CASE WHEN r.id % 3 = 0 AND r.id % 2 = 0 THEN 'verified' "
        "WHEN r.id % 4 = 1 THEN 'resolved' ELSE 'open' END, "
        "CURRENT_TIMESTAMP, CASE WHEN r.id % 3 = 0 AND r.id % 2 = 0 "
        "THEN '已核实' ELSE '' END "
        f'FROM "survey_personrecord" AS r WHERE r.id % 20 = 0 AND r.id <= {persons} '
        "AND r.status = 'saved'"
    )


def _communities(round: Any, villages: list[str], user: Any) -> None:
    from django.utils import timezone

    from dtgx.demo.answers import AnswerGenerator
    from dtgx.survey.answers import columns_of
    from dtgx.survey.models import CommunityRecord
    from dtgx.validation.models import CommunityInputs

    generator = AnswerGenerator(seed=7)
    form = CommunityRecord.questionnaire()
    now = timezone.now()
    counts = Counter({4: 30, 1: 6, 2: 6, 5: 6, 6: 8, 7: 4})
    rows, inputs = [], []
    for n, code in enumerate(villages, 1):
        values: dict[str, Any] = generator.village("村", counts, round)
        values["header.region_code"] = code
        rows.append(
            CommunityRecord(
                id=n,
                round=round,
                village_id=code,
                region_code=code,
                status="saved",
                entered_by=user,
                updated_by=user,
                updated_at=now,
                **columns_of(form, values),
            )
        )
        inputs.append(CommunityInputs(record_id=n, committee_type=2))
    CommunityRecord.objects.bulk_create(rows, batch_size=1000)
    CommunityInputs.objects.bulk_create(inputs, batch_size=2000)


def _analyze() -> None:
    """Statistics for the planner (and, on PostgreSQL, the visibility map
    a bulk load leaves unset), as after any bulk load."""
    from django.db import connection

    command = "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
    tables = (
        "registry_person",
        "survey_personrecord",
        "validation_personinputs",
        "registry_baselistentry",
        "validation_finding",
        "survey_communityrecord",
    )
    for table in tables:
        _execute(f'{command} "{table}"')


def _execute(sql: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)


def _fetch(sql: str) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def main() -> None:
    import os

    persons = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    os.environ.setdefault("DTGX_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dtgx.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    url = os.environ.get("DATABASE_URL", "")
    print(f"database: {url.split('@')[-1] or 'default (SQLite)'}")
    print("summary tables")
    bench_summary(persons)


if __name__ == "__main__":
    main()
