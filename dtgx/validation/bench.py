"""Benchmark of the audit: ``bench_audit(records)`` on the current database.

Creates plain tables with the person form's typed columns (and the derived
inputs), a community table (one village per 60 persons) and last round's
table (nine persons in ten have a record), fills them with generated
records, then:

1. runs the bulk audit of the whole national rule set as one
   ``INSERT INTO findings SELECT ...`` and prints its time and records/s;
2. times the per-record evaluator (what a save runs) over 2,000 records;
3. times the same rules one record at a time in Python over a sample read
   from the database (fetch, convert, evaluate), extrapolates that to all
   records, and prints the ratio to the bulk time. It also checks that the
   sample's findings equal the bulk findings of the same records.

Generated records are realistic rather than random: a pool of persons is
drawn with typical answers and a few percent of odd ones, passed through
the form's skip logic (``clean_answers``) so that they are records the
entry screen could store, and copied (COPY on PostgreSQL) into a pool
table; the big tables are then filled inside the database from the pool
with ``INSERT ... SELECT`` over a series, each row its own id and village.

Run it directly with ``DTGX_ENV=test python -m dtgx.validation.bench
[RECORDS]`` (``DATABASE_URL`` chooses the database; a PostgreSQL database
that does not exist yet is created); ``make bench`` calls ``bench_audit``.
"""

# SQL text is built here from table and column names that come from code
# and form definitions, never from users; constants are quoted by
# sql._text_literal. Hence no S608 (string-built SQL) warnings.
# ruff: noqa: S608

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

PERSONS_PER_VILLAGE = 60
POOL_SIZE = 5000
LATENCY_SAMPLE = 2000
LOOP_SAMPLE = 10_000
TABLES = {
    "person": "validation_bench_person",
    "community": "validation_bench_community",
    "last": "validation_bench_last",
    "pool": "validation_bench_pool",
    "last_pool": "validation_bench_last_pool",
    "findings": "validation_bench_findings",
}
Row = dict[str, object]


def bench_audit(records: int) -> None:
    """Fill the bench tables with ``records`` persons, audit them in bulk
    and one at a time, and print the figures (see the module docstring).
    Uses Django's default connection; drops and recreates its own tables
    (``validation_bench_*``) and nothing else."""
    from django.db import connection

    from dtgx.validation.rules import load_rule_set
    from dtgx.validation.sql import dialect_of

    rule_set = load_rule_set()
    bench = _Bench(connection, rule_set, dialect_of(connection), records)
    print(f"validation: {records:,} person records, {bench.rule_count} rules")
    bench.create_tables()
    _report("fill tables (generated records)", bench.fill)
    bench.clear_findings()
    load = os.getloadavg()[0]
    bulk = _report("bulk audit, findings written back", bench.audit)
    print(f"  {'  records per second':<46} {records / bulk:>12,.0f}")
    if bench.audit_cpu:
        cpu, cores = bench.audit_cpu, os.cpu_count() or 1
        label = f"  database CPU seconds (/{cores} on free cores)"
        print(f"  {label:<46} {cpu:>10.2f} s   -> {cpu / cores:.2f} s")
    print(f"  {'  load average before the audit':<46} {load:>10.2f}")
    bench.print_latency()
    loop = bench.loop_reference()
    print(f"  {'  one-at-a-time loop / bulk':<46} {loop / bulk:>11.1f} x")


def _report(label: str, work: Callable[[], str]) -> float:
    started = time.perf_counter()
    outcome = work()
    elapsed = time.perf_counter() - started
    print(f"  {label:<46} {elapsed:>10.2f} s   -> {outcome}")
    return elapsed


class _Bench:
    """The tables, generated data and timed runs of one benchmark."""

    def __init__(
        self, connection: Any, rule_set: Any, dialect: Any, records: int
    ) -> None:
        from dtgx.questionnaires.definitions import load_questionnaire

        self.connection = connection
        self.rule_set = rule_set
        self.dialect = dialect
        self.records = records
        self.person = load_questionnaire("person", "2018")
        self.community = load_questionnaire("community", "2018")
        self.form = rule_set.default_form()
        self.rule_count = len(rule_set.rules_for(self.form))
        self.audit_cpu = 0.0
        self.rng = random.Random(2018)  # noqa: S311 (test data)

    # --- tables

    def create_tables(self) -> None:
        from dtgx.validation.tables import (
            TableColumn,
            derived_columns,
            item_columns,
            record_table_sql,
        )

        d = self.dialect
        person = item_columns(self.person, d) + derived_columns(
            self.rule_set, self.person, d
        )
        community = item_columns(self.community, d)
        community += derived_columns(self.rule_set, self.community, d)
        person_id = [TableColumn("person_id", "BIGINT")]
        for table in TABLES.values():
            self._execute(f'DROP TABLE IF EXISTS "{table}"')
        self._execute(record_table_sql(TABLES["person"], person, d))
        self._execute(record_table_sql(TABLES["pool"], person, d))
        self._execute(record_table_sql(TABLES["community"], community, d))
        last = item_columns(self.person, d)
        self._execute(record_table_sql(TABLES["last"], last, d, keys=person_id))
        self._execute(record_table_sql(TABLES["last_pool"], last, d))
        self._execute(
            f'CREATE TABLE "{TABLES["findings"]}" '
            "(record_id BIGINT NOT NULL, rule_id TEXT NOT NULL)"
        )
        self.person_columns = [c.name for c in person]
        self.last_columns = [c.name for c in last]

    # --- filling

    def fill(self) -> str:
        generator = _Generator(self.person, self.community, self.rng)
        pool = [generator.person() for _ in range(min(POOL_SIZE, self.records))]
        last_pool = [generator.last_year(record) for record in pool]
        villages = -(-self.records // PERSONS_PER_VILLAGE)
        communities = [generator.village(_village_code(v)) for v in range(villages)]

        self._copy(TABLES["pool"], self.person_columns, pool)
        self._copy(TABLES["last_pool"], self.last_columns, last_pool)
        self._copy(TABLES["community"], self._community_columns(), communities)
        self._spread_persons(len(pool))
        self._spread_last_round(len(pool))
        self._index_join_keys()
        self._analyze()
        return f"{self.records:,} persons, {villages:,} villages"

    def _community_columns(self) -> list[str]:
        from dtgx.validation.tables import derived_columns, item_columns

        d = self.dialect
        columns = item_columns(self.community, d)
        columns += derived_columns(self.rule_set, self.community, d)
        return ["id", *(c.name for c in columns)]

    def _spread_persons(self, pool: int) -> None:
        """persons 1..N: pool record (g - 1) % pool, village (g - 1) / 60."""
        columns = [c for c in self.person_columns if c != "header_region_code"]
        chosen = ", ".join(f'p."{c}"' for c in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        region = _region_sql(self.dialect, "g.n")
        self._execute(
            f'INSERT INTO "{TABLES["person"]}" ("id", "header_region_code", {names}) '
            f"SELECT g.n, {region}, {chosen} FROM {self._series()} "
            f'JOIN "{TABLES["pool"]}" AS p ON p."id" = (g.n - 1) % {pool}'
        )

    def _spread_last_round(self, pool: int) -> None:
        """Last round's records for nine persons in ten."""
        names = ", ".join(f'"{c}"' for c in self.last_columns)
        chosen = ", ".join(f'p."{c}"' for c in self.last_columns)
        self._execute(
            f'INSERT INTO "{TABLES["last"]}" ("id", "person_id", {names}) '
            f"SELECT g.n, g.n, {chosen} FROM {self._series()} "
            f'JOIN "{TABLES["last_pool"]}" AS p ON p."id" = (g.n - 1) % {pool} '
            "WHERE g.n % 10 <> 0"
        )

    def _series(self) -> str:
        """A FROM item ``g`` with one column ``n`` = 1..records."""
        from dtgx.validation.sql import Dialect

        if self.dialect is Dialect.POSTGRESQL:
            return f"generate_series(1, {self.records}) AS g(n)"
        return (
            f"(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s "
            f"WHERE n < {self.records}) SELECT n FROM s) AS g"
        )

    def _index_join_keys(self) -> None:
        """One community record per village, one last-round record per
        person: unique keys any real schema has (SQLite needs them to join
        well; PostgreSQL hashes either way)."""
        for table, column in (
            (TABLES["community"], "header_region_code"),
            (TABLES["last"], "person_id"),
        ):
            self._execute(
                f'CREATE UNIQUE INDEX "{table}_{column}" ON "{table}" ("{column}")'
            )

    def _analyze(self) -> None:
        """Statistics for the planner; on PostgreSQL also VACUUM, as after
        any bulk load, so that the audit does not pay for setting the hint
        bits of a million fresh rows."""
        from dtgx.validation.sql import Dialect

        command = "VACUUM ANALYZE" if self.dialect is Dialect.POSTGRESQL else "ANALYZE"
        for table in (TABLES["person"], TABLES["community"], TABLES["last"]):
            self._execute(f'{command} "{table}"')

    # --- the bulk audit

    def source(self) -> Any:
        from dtgx.validation.sql import AuditSource, Link

        region = (("header_region_code", "header_region_code"),)
        links = {
            "community": Link(TABLES["community"], "c", region),
            "last": Link(TABLES["last"], "l", (("id", "person_id"),)),
        }
        return AuditSource(TABLES["person"], links=links)

    def audit(self) -> str:
        """The bulk audit: on PostgreSQL one ``INSERT ... SELECT`` per id
        range, side by side on one connection per core (PostgreSQL does not
        run an INSERT's SELECT in parallel itself); on SQLite one."""
        from dtgx.validation.sql import Dialect

        cores = os.cpu_count() or 1
        workers = cores if self.dialect is Dialect.POSTGRESQL else 1
        parts = self.source().split(workers, 1, self.records)
        if workers == 1:
            results = [self._audit_part(parts[0], close=False)]
        else:
            with ThreadPoolExecutor(workers) as pool:
                results = list(pool.map(self._audit_part, parts))
        written = sum(count for count, _cpu in results)
        self.audit_cpu = sum(cpu for _count, cpu in results if cpu is not None)
        return f"{written:,} findings, {workers} connection(s)"

    def clear_findings(self) -> None:
        self._execute(f'DELETE FROM "{TABLES["findings"]}"')

    def _audit_part(self, source: Any, close: bool = True) -> tuple[int, float | None]:
        """One id range, in one transaction on this thread's connection:
        (findings written, CPU seconds of the database backend if known)."""
        from django.db import connection, transaction

        from dtgx.validation.sql import tuned_for_audit, write_findings

        try:
            with transaction.atomic(), tuned_for_audit(connection):
                before = _backend_cpu(connection)
                written = write_findings(
                    connection, self.rule_set, self.form, source, TABLES["findings"]
                )
                after = _backend_cpu(connection)
        finally:
            if close:
                connection.close()
        cpu = None if before is None or after is None else after - before
        return written, cpu

    # --- one record at a time

    def print_latency(self) -> None:
        from dtgx.validation.evaluate import evaluate_record

        records = list(self._records(LATENCY_SAMPLE))
        times = []
        for values, derived, community, last in records:
            started = time.perf_counter()
            evaluate_record(
                self.rule_set, values, derived, community=community, last=last
            )
            times.append(time.perf_counter() - started)
        mean = statistics.mean(times) * 1000
        p95 = sorted(times)[int(len(times) * 0.95)] * 1000
        label = f"  per-record latency (mean over {len(times):,})"
        print(f"  {label:<46} {mean:>10.2f} ms  (95th percentile {p95:.2f} ms)")

    def loop_reference(self) -> float:
        """Seconds the one-at-a-time loop would take for all records,
        extrapolated from a sample (fetch, convert, evaluate)."""
        from dtgx.validation.evaluate import failing_rule_ids, record_scope

        sample = min(LOOP_SAMPLE, self.records)
        found: set[tuple[int, str]] = set()
        started = time.perf_counter()
        for record_id, (values, derived, community, last) in self._identified(sample):
            scope = record_scope(
                values, derived, {"community": community, "last": last}
            )
            ids = failing_rule_ids(self.rule_set, self.form, scope)
            found.update((record_id, rule_id) for rule_id in ids)
        elapsed = time.perf_counter() - started
        total = elapsed * self.records / sample
        label = f"one-at-a-time loop ({sample:,} records)"
        print(f"  {label:<46} {elapsed:>10.2f} s")
        print(f"  {'  extrapolated to all records':<46} {total:>10.2f} s")
        agree = found == self._bulk_findings(sample)
        print(f"  {'  sample findings equal the bulk findings':<46} {agree!s:>10}")
        return total

    def _bulk_findings(self, sample: int) -> set[tuple[int, str]]:
        rows = self._fetch(
            f'SELECT record_id, rule_id FROM "{TABLES["findings"]}" '
            f"WHERE record_id <= {sample}"
        )
        return {(int(row[0]), str(row[1])) for row in rows}

    def _records(self, count: int) -> Iterator[tuple[Row, Row, Row | None, Row | None]]:
        for _record_id, record in self._identified(count):
            yield record

    def _identified(
        self, count: int
    ) -> Iterator[tuple[int, tuple[Row, Row, Row | None, Row | None]]]:
        """Records 1..count with their village and last round, read with
        one joined query and converted as a save would see them."""
        from dtgx.validation.tables import derived_from_row, values_from_row

        person, last, community = TABLES["person"], TABLES["last"], TABLES["community"]
        sql = (
            f'SELECT r.*, l.*, c.* FROM "{person}" AS r '
            f'LEFT JOIN "{last}" AS l ON l."person_id" = r."id" '
            f'LEFT JOIN "{community}" AS c '
            f'ON c."header_region_code" = r."header_region_code" '
            f'WHERE r."id" <= {count} ORDER BY r."id"'
        )
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
            names = [column[0] for column in cursor.description]
            widths = self._widths()
            for row in cursor.fetchall():
                own, previous, village = _split(row, names, widths)
                values: Row = dict(values_from_row(self.person, own))
                derived: Row = dict(derived_from_row(self.rule_set, self.person, own))
                yield (
                    int(str(own["id"])),
                    (
                        values,
                        derived,
                        _linked(self.community, village, with_derived=True),
                        _linked(self.person, previous, with_derived=False),
                    ),
                )
        finally:
            cursor.close()

    def _widths(self) -> tuple[int, int]:
        person = 1 + len(self.person_columns)
        last = 2 + len(self.last_columns)
        return person, last

    # --- database access

    def _execute(self, sql: str) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql)

    def _fetch(self, sql: str) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    def _copy(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        """Rows into ``table``: COPY on PostgreSQL, executemany on SQLite.
        Rows without an id are numbered from 0."""
        from dtgx.validation.sql import Dialect
        from dtgx.validation.tables import sqlite_value

        names = ["id", *(c for c in columns if c != "id")]
        values = [
            [r.get("id", n), *(r.get(c) for c in names[1:])] for n, r in enumerate(rows)
        ]
        quoted = ", ".join(f'"{c}"' for c in names)
        with self.connection.cursor() as cursor:
            if self.dialect is Dialect.POSTGRESQL:
                with cursor.cursor.copy(
                    f'COPY "{table}" ({quoted}) FROM STDIN'
                ) as copy:
                    for row in values:
                        copy.write_row(row)
                return
            marks = ", ".join(["%s"] * len(names))
            sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})'
            cursor.executemany(sql, [[sqlite_value(v) for v in row] for row in values])


def _backend_cpu(connection: Any) -> float | None:
    """CPU seconds used so far by the PostgreSQL backend of ``connection``,
    when the server runs on this machine (``/proc``); else ``None``."""
    from dtgx.validation.sql import Dialect, dialect_of

    if dialect_of(connection) is not Dialect.POSTGRESQL:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _village_code(number: int) -> str:
    return f"43{number:010d}"


def _region_sql(dialect: Any, n: str) -> str:
    """The village code of person ``n`` in SQL (as ``_village_code``)."""
    from dtgx.validation.sql import Dialect

    village = f"(({n} - 1) / {PERSONS_PER_VILLAGE})"
    if dialect is Dialect.POSTGRESQL:
        return f"'43' || lpad({village}::text, 10, '0')"
    return f"'43' || substr('0000000000' || {village}, -10, 10)"


def _split(
    row: Sequence[object], names: Sequence[str], widths: tuple[int, int]
) -> tuple[Row, Row | None, Row | None]:
    person_width, last_width = widths
    own = dict(zip(names[:person_width], row[:person_width], strict=True))
    end = person_width + last_width
    previous = dict(zip(names[person_width:end], row[person_width:end], strict=True))
    village = dict(zip(names[end:], row[end:], strict=True))
    return (
        own,
        previous if previous.get("person_id") is not None else None,
        village if village.get("id") is not None else None,
    )


def _linked(form: Any, row: Row | None, *, with_derived: bool) -> Row | None:
    from dtgx.validation.tables import derived_from_row, values_from_row

    if row is None:
        return None
    values: Row = dict(values_from_row(form, row))
    if with_derived:
        values |= derived_from_row(None, form, row)
    return values


# --- Generated records ---------------------------------------------------------

TYPICAL: Mapping[str, object] = {
    "header.survey_method": 1,
    "header.person_status": 6,
    "basic.marital_status": 2,
    "basic.phone": "13800000000",
    "basic.lives_in_institution": 2,
    "economy.urban_income_status": 3,
    "economy.urban_housing": 1,
    "economy.poverty_status": 3,
    "economy.rural_housing": 1,
    "education.literate": 1,
    "education.level": 3,
    "education.not_enrolled_reason": 1,
    "employment.is_employed": 1,
    "employment.unemployment_registered": 2,
    "employment.form": 6,
    "employment.livelihood_source": 4,
    "employment.not_employed_reason": 5,
    "employment.help_received": (6,),
    "employment.help_needed": (6,),
    "social_security.employee_insurance": (4,),
    "social_security.resident_pension": 1,
    "social_security.pension_subsidy": 1,
    "social_security.resident_medical": 1,
    "social_security.medical_subsidy": 2,
    "social_security.assistance": (6,),
    "social_security.welfare_allowances": (4,),
    "social_security.receives_care_service": 2,
    "social_security.care_service_need": 5,
    "health.family_doctor": 1,
    "health.other_illness": 2,
    "health.rehab_received": (2,),
    "health.rehab_needed": (8,),
    "accessibility.home_modified": 2,
    "accessibility.modification_needs": (7,),
    "culture.takes_part": 2,
    "culture.not_taking_part_reasons": (1,),
    "footer.collector": "李梅",
    "footer.fill_date": date(2018, 7, 20),
}
ODD_ANSWER = 0.02  # chance that an answer is drawn at random instead
BLANK_ANSWER = 0.003  # chance that an answer is left blank


class _Generator:
    """Plausible records: typical answers with a few odd or blank ones."""

    def __init__(self, person: Any, community: Any, rng: random.Random) -> None:
        from dtgx.questionnaires.definitions import column_specs

        self.person_form = person
        self.community_form = community
        self.rng = rng
        self.person_columns = {spec.name for spec in column_specs(person)}

    def person(self) -> Row:
        from dtgx.questionnaires.relevance import clean_answers
        from dtgx.validation.tables import columns_of

        form = self.person_form
        derived = self._derived()
        answers = {item.id: self._answer(item) for item in form.items}
        answers |= self._identity(derived)
        cleaned = clean_answers(form, answers, derived)
        stored = {k: v for k, v in cleaned.values.items() if v is not None}
        return columns_of(form, stored) | derived

    def last_year(self, record: Row) -> Row:
        """Last round's record of the same person: mostly the same."""
        previous = {c: v for c, v in record.items() if c in self.person_columns}
        if self.rng.random() < 0.02:
            previous["basic_hukou_type"] = 3 - int(
                str(previous.get("basic_hukou_type") or 1)
            )
        if self.rng.random() < 0.02 and previous.get("education_level"):
            previous["education_level"] = min(
                7, int(str(previous["education_level"])) + 1
            )
        return previous

    def village(self, code: str) -> Row:
        from dtgx.validation.tables import columns_of

        odd = self.rng.random() < 0.05
        values: Row = {
            "header.region_code": code,
            "header.region_name": "村",
            "header.urban_rural_class": 220,
            "population.registered": 1500,
            "population.resident": 1300,
            "population.certified_total": 60 if not odd else 61,
            "population.certified_physical": 30,
            "population.certified_visual": 6,
            "population.certified_hearing": 6,
            "population.certified_speech": 3,
            "population.certified_intellectual": 6,
            "population.certified_mental": 6,
            "population.certified_multiple": 3,
            "organisation.has_association": 1,
            "organisation.has_liaison": 1,
            "organisation.liaison_count": 1,
            "organisation.liaison_disabled_count": 1,
            "organisation.liaison_subsidised": 1,
            "services.has_rehab_station": 1,
            "services.rehab_coordinators": 1,
            "services.has_day_care": self.rng.choice([1, 2]),
            "services.day_care_places": 10,
            "services.has_device_point": 2,
            "accessibility.facilities": (1,),
            "culture.has_venue": 1,
            "culture.activity_count": self.rng.choice([0, 2, 6]),
            "culture.participants": 40,
            "support.has_clinic": 1,
            "support.family_doctor_service": 1,
            "support.has_employment_base": 2,
            "support.has_volunteer_service": 1,
            "support.has_legal_aid": 2,
            "footer.reporter": "赵红",
            "footer.phone": "07445000000",
            "footer.fill_date": date(2018, 7, 10),
            "footer.township_reviewer": "钱明",
        }
        if values["services.has_day_care"] == 2:
            del values["services.day_care_places"]
        if values["culture.activity_count"] == 0:
            del values["culture.participants"]
        return columns_of(self.community_form, values) | {"committee_type": 2}

    def _derived(self) -> Row:
        rng = self.rng
        age = min(100, max(0, int(rng.gauss(52, 20))))
        category = rng.choices(range(1, 8), weights=[8, 12, 1, 50, 8, 9, 2])[0]
        grade = rng.choices(range(1, 5), weights=[10, 20, 30, 40])[0]
        return {
            "age": age,
            "sex": rng.choice([1, 2]),
            "category": category,
            "grade": grade,
            "hukou": rng.choices([1, 2], weights=[6, 4])[0],
            "certificate_checksum_ok": rng.random() > 0.002,
            "certificate_birth_date_ok": True,
            "certificate_province_ok": True,
            "duplicate_in_round": rng.random() < 0.001,
            "in_base_list": rng.random() > 0.003,
            "registry_status": 1,
            "registry_category": category,
            "registry_grade": grade if rng.random() > 0.005 else 4 - grade % 4,
            "registry_sex": None,
            "name_matches_registry": rng.random() > 0.01,
            "id_county_matches_village": rng.random() > 0.03,
            "region_code_valid": True,
            "householder_id_valid": True,
            "in_subsistence_registry": None,
            "in_poverty_registry": None,
            "care_allowance_paid": None,
            "campaign_start": date(2018, 7, 1),
            "campaign_end": date(2018, 12, 31),
            "audit_date": date(2018, 8, 1),
        }

    def _identity(self, derived: Row) -> Row:
        category, grade = derived["category"], derived["grade"]
        year = 2018 - int(str(derived["age"]))
        number = f"430821{year:04d}0101{self.rng.randrange(1000):03d}X{category}{grade}"
        return {
            "header.region_code": "430000000000",
            "basic.name": "王建国",
            "basic.certificate_number": number,
            "basic.hukou_type": derived["hukou"],
            "basic.contact_name": "王大山",
            "footer.householder_name": "王建国",
            "footer.respondent": "王大山"
            if int(str(derived["age"])) < 12
            else "王建国",
        }

    def _answer(self, item: Any) -> object:
        draw = self.rng.random()
        if draw < BLANK_ANSWER:
            return None
        typical = TYPICAL.get(item.id)
        if typical is not None and draw > ODD_ANSWER:
            return typical
        codes = sorted(item.codes.codes) if item.codes else []
        if item.type == "multi":
            return tuple(self.rng.sample(codes, k=self.rng.choice([1, 1, 2])))
        if item.type == "code":
            return self.rng.choice(codes)
        return typical


# --- Running it directly -------------------------------------------------------


def main() -> None:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        _create_postgresql_database(url)
    os.environ.setdefault("DTGX_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dtgx.settings")
    import django

    django.setup()
    print(f"database: {url.split('@')[-1] or 'default (SQLite)'}")
    bench_audit(records)


def _create_postgresql_database(url: str) -> None:
    """Create the URL's database if it does not exist (never drops it)."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


if __name__ == "__main__":
    main()
