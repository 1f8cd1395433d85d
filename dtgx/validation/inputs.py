"""The derived inputs of a record: what the rules read besides its items.

One function computes them for a person record from plain facts
(``person_inputs``), used by both the per-record audit on save and the
bulk audit (which gathers the facts of a whole region in a few queries),
so the two audits read the same inputs. The meaning of each input is
written in the rule set file (``inputs:``); in short:

* the form's derived values: age on the reference date, sex, category,
  grade and hukou of the certificate database;
* checks of the certificate number typed in R2 (check character, birth
  date, province) and of the householder's id number (F2);
* the registry: status, category, grade, sex, name, whether the holder is
  in the base list of the round's year;
* the division table: whether H1 is a village-level code in use in the
  round's year, and whether it lies in the county of the number;
* the round: campaign window, and the day the audit runs (China time);
* other departments' registers (低保, 建档立卡, 护理补贴): missing (NULL)
  until a province shares them, as the rule set allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Count, Q, QuerySet

from dtgx.identity import age_on, check_id_number
from dtgx.identity.address import is_mainland_province_prefix
from dtgx.identity.checksum import has_valid_check_character
from dtgx.regions.codes import Level
from dtgx.regions.models import Region
from dtgx.regions.subtree import in_subtree
from dtgx.registry.models import BaseListEntry, Person, Status
from dtgx.survey.models import CommunityRecord, PersonRecord, Round
from dtgx.survey.services import community_derived

NAME_ITEM = "basic.name"  # R1
CERTIFICATE_ITEM = "basic.certificate_number"  # R2
REGION_ITEM = "header.region_code"  # H1
HOUSEHOLDER_ID_ITEM = "footer.householder_id_number"  # F2

# registry_status codes of the rule set (有效, 已注销, 已登记死亡, 已迁出).
REGISTRY_STATUS_CODES = {
    Status.NORMAL: 1,
    Status.CANCELLED: 2,
    Status.DECEASED: 3,
    Status.MOVED_OUT: 4,
}


@dataclass(frozen=True, slots=True)
class Holder:
    """What the registry knows of the record's certificate holder."""

    name: str
    sex: int
    birth_date: date
    category: int
    grade: int
    hukou_type: int | None
    status: str


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """The items of a person record the inputs read, and the holder."""

    name: str | None
    certificate_number: str | None
    region_code: str | None
    householder_id: str | None
    holder: Holder


@dataclass(frozen=True, slots=True)
class RoundFacts:
    """What the inputs read of the round and of other records."""

    round: Round
    audit_date: date
    in_base_list: bool
    duplicate_in_round: bool
    region_code_valid: bool


def person_inputs(facts: RecordFacts, context: RoundFacts) -> dict[str, object]:
    """Every derived input of a person record, keyed by input id."""
    holder = facts.holder
    reference = context.round.reference_date
    certificate = facts.certificate_number or ""
    try:
        age: int | None = age_on(holder.birth_date, reference)
    except ValueError:
        age = None
    return {
        "age": age,
        "sex": holder.sex,
        "category": holder.category,
        "grade": holder.grade,
        "hukou": holder.hukou_type,
        "certificate_checksum_ok": _checksum_ok(certificate),
        "certificate_birth_date_ok": _birth_date_ok(certificate, reference),
        "certificate_province_ok": _province_ok(certificate),
        "duplicate_in_round": context.duplicate_in_round,
        "in_base_list": context.in_base_list,
        "registry_status": REGISTRY_STATUS_CODES.get(Status(holder.status)),
        "registry_category": holder.category,
        "registry_grade": holder.grade,
        "registry_sex": holder.sex,
        "name_matches_registry": _same_name(facts.name, holder.name),
        "id_county_matches_village": _same_county(certificate, facts.region_code),
        "region_code_valid": context.region_code_valid,
        "householder_id_valid": _id_valid(facts.householder_id),
        "in_subsistence_registry": None,
        "in_poverty_registry": None,
        "care_allowance_paid": None,
        "campaign_start": context.round.campaign_start,
        "campaign_end": context.round.campaign_end,
        "audit_date": context.audit_date,
    }


def community_inputs(region_code: str) -> dict[str, object]:
    """Every derived input of a community record."""
    return community_derived(region_code)


# --- Facts from the database ------------------------------------------------------


def record_facts(record: PersonRecord, today: date) -> tuple[RecordFacts, RoundFacts]:
    """The facts of one stored person record, in one query: the holder,
    and whether the holder is in the base list of the round's year, the
    certificate number is on another record of the round, and H1 is a
    village code in use. Written in SQL: it runs on every save, and the
    ORM spent ten times longer composing it than the database running it.
    """
    round = record.round
    certificate = getattr(record, _column(CERTIFICATE_ITEM))
    region = getattr(record, _column(REGION_ITEM))
    with connection.cursor() as cursor:
        cursor.execute(_FACTS_SQL, _facts_params(record, certificate, region))
        row = cursor.fetchone()
    facts = RecordFacts(
        name=getattr(record, _column(NAME_ITEM)),
        certificate_number=certificate,
        region_code=region,
        householder_id=getattr(record, _column(HOUSEHOLDER_ID_ITEM)),
        holder=Holder(*row[: len(HOLDER_FIELDS)]),
    )
    listed, duplicate, valid = (bool(v) for v in row[len(HOLDER_FIELDS) :])
    return facts, RoundFacts(round, today, listed, duplicate, valid)


def _facts_params(
    record: PersonRecord, certificate: str | None, region: str | None
) -> list[int | str]:
    year = record.round.year
    return [
        year,
        record.round_id,
        certificate or "",
        record.pk,
        year,
        year,
        int(Level.VILLAGE),
        region or "",
        record.person_id,
    ]


HOLDER_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "category",
    "grade",
    "hukou_type",
    "status",
)


_ENTRY = BaseListEntry._meta.db_table
_RECORD = PersonRecord._meta.db_table
_CERTIFICATE = PersonRecord.questionnaire().item(CERTIFICATE_ITEM).column
_REGION = Region._meta.db_table
_PERSON = Person._meta.db_table
# Our own table and column names; every value is a parameter.
_FACTS_SQL = f"""
SELECT p.name, p.sex, p.birth_date, p.category, p.grade, p.hukou_type, p.status,
  EXISTS (SELECT 1 FROM {_ENTRY} e WHERE e.person_id = p.id AND e.year = %s),
  EXISTS (SELECT 1 FROM {_RECORD} o WHERE o.round_id = %s
          AND o.{_CERTIFICATE} = %s AND o.id <> %s),
  EXISTS (SELECT 1 FROM {_REGION} g
          WHERE (g.valid_from IS NULL OR g.valid_from <= %s)
          AND (g.valid_to IS NULL OR g.valid_to >= %s)
          AND g.level = %s AND g.code = %s)
FROM {_PERSON} p WHERE p.id = %s
"""  # noqa: S608


def valid_village_codes(round: Round, codes: Iterable[str]) -> set[str]:
    """The codes among ``codes`` that are village-level regions in use in
    the round's year (not withdrawn before it, not introduced after it)."""
    wanted = {code for code in codes if code}
    if not wanted:
        return set()
    found: set[str] = set()
    chunk = sorted(wanted)
    for start in range(0, len(chunk), 500):
        found.update(
            _villages_in_use(round)
            .filter(code__in=chunk[start : start + 500])
            .values_list("code", flat=True)
        )
    return found


def _villages_in_use(round: Round) -> QuerySet[Region]:
    in_use = (Q(valid_from__isnull=True) | Q(valid_from__lte=round.year)) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=round.year)
    )
    return Region.objects.filter(in_use, level=Level.VILLAGE)


def bulk_person_inputs(
    round: Round, prefix: str, today: date
) -> Iterable[tuple[int, dict[str, object]]]:
    """(record id, inputs) of every saved person record of the round whose
    village code starts with ``prefix``: four queries however many
    records, then one pass in Python."""
    columns = {
        item: _column(item)
        for item in (NAME_ITEM, CERTIFICATE_ITEM, REGION_ITEM, HOUSEHOLDER_ID_ITEM)
    }
    holder_fields = [f"person__{name}" for name in HOLDER_FIELDS]
    records = PersonRecord.objects.filter(
        in_subtree(prefix), round=round, status="saved"
    )
    rows = list(
        records.values_list("id", "person_id", *columns.values(), *holder_fields)
    )
    listed = set(
        BaseListEntry.objects.filter(
            year=round.year, person_id__in=records.values("person_id")
        ).values_list("person_id", flat=True)
    )
    duplicates = _duplicate_certificates(round, prefix)
    valid = valid_village_codes(round, {row[4] for row in rows if row[4]})

    for row in rows:
        record_id, person_id, name, certificate, region, householder = row[:6]
        holder = Holder(*row[6:])
        facts = RecordFacts(name, certificate, region, householder, holder)
        context = RoundFacts(
            round,
            today,
            person_id in listed,
            bool(certificate) and certificate in duplicates,
            region in valid,
        )
        yield record_id, person_inputs(facts, context)


def _duplicate_certificates(round: Round, prefix: str) -> set[str]:
    """Certificate numbers (R2) of the region's records that another record
    of the round, anywhere in the country, also carries."""
    column = _column(CERTIFICATE_ITEM)
    mine = PersonRecord.objects.filter(
        in_subtree(prefix), round=round, **{f"{column}__isnull": False}
    ).values(column)
    return set(
        PersonRecord.objects.filter(round=round, **{f"{column}__in": mine})
        .values(column)
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list(column, flat=True)
    )


def bulk_community_inputs(
    round: Round, prefix: str
) -> Iterable[tuple[int, Mapping[str, object]]]:
    """(record id, inputs) of every saved community record of the region."""
    rows = CommunityRecord.objects.filter(
        in_subtree(prefix), round=round, status="saved"
    ).values_list("id", "region_code")
    for record_id, code in rows:
        yield record_id, community_inputs(code)


# --- The checks -------------------------------------------------------------------


def _column(item_id: str) -> str:
    return PersonRecord.questionnaire().item(item_id).column


def _checksum_ok(certificate: str) -> bool | None:
    first18 = certificate[:18]
    if len(first18) != 18 or not first18[:17].isdigit():
        return None
    return has_valid_check_character(first18)


def _birth_date_ok(certificate: str, reference: date) -> bool | None:
    digits = certificate[6:14]
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return born <= reference


def _province_ok(certificate: str) -> bool | None:
    head = certificate[:2]
    if len(head) != 2 or not head.isdigit():
        return None
    return is_mainland_province_prefix(head)


def _same_name(given: str | None, registered: str) -> bool | None:
    if not given or not registered:
        return None
    return "".join(given.split()) == "".join(registered.split())


def _same_county(certificate: str, region_code: str | None) -> bool | None:
    county = certificate[:6]
    if len(county) != 6 or not county.isdigit() or not region_code:
        return None
    return county == region_code[:6]


def _id_valid(value: str | None) -> bool | None:
    if not value:
        return None
    return check_id_number(value).ok
