"""Planning and writing a checked base list: the last two steps of
``dtgx.registry.services.load_base_list`` (the first two are in ``checks``):

3. ``build_plan`` compares the rows with the stored persons and says what
   would change, refusing a village that contradicts the residence history;
4. ``apply_plan`` writes the plan, in chunks, inside the caller's
   transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dtgx.accounts.audit import record_event
from dtgx.accounts.models import User
from dtgx.regions.models import Region
from dtgx.registry.checks import IN_CHUNK, CheckedRow, LoadReport, RowProblem, chunks
from dtgx.registry.models import BaseList, BaseListEntry, Person, Residence, Status
from dtgx.registry.sources import Column, column_label

# Rows per round of bulk writes: bounds the objects held at once.
WRITE_CHUNK = 1000

# --- 3. the plan ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Known:
    """What the database holds about a person in the file."""

    pk: int
    certificate_number: str
    name: str
    status: str
    status_date: date | None
    hukou_type: int | None
    village: str
    since: date | None
    village_on_reference: str | None


@dataclass(frozen=True, slots=True)
class Move:
    """A row's village differs from the residence on the reference date.
    ``corrects`` when that residence began on the reference date itself (a
    corrected file of the same round): its village is replaced instead of
    a new period being opened."""

    from_village: str
    corrects: bool


@dataclass(frozen=True, slots=True)
class PersonChange:
    """An existing person's changed fields (old and new), and their move,
    if the row moves them."""

    pk: int
    row: CheckedRow
    before: dict[str, Any]
    after: dict[str, Any]
    move: Move | None


@dataclass
class Plan:
    new_rows: list[CheckedRow] = field(default_factory=list)
    changes: list[PersonChange] = field(default_factory=list)
    # (person pk, row) of known persons without an entry in the list.
    entries_to_add: list[tuple[int, CheckedRow]] = field(default_factory=list)
    # (entry pk, row) of entries whose village or status differ.
    entries_to_change: list[tuple[int, CheckedRow]] = field(default_factory=list)
    entries_to_remove: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Reach:
    """Whose persons a load may change: those living in the list's region
    or anywhere in the acting user's scope (both code prefixes)."""

    region_prefix: str
    actor_prefix: str

    def covers(self, code: str) -> bool:
        return code.startswith(self.region_prefix) or code.startswith(self.actor_prefix)


def build_plan(
    rows: Sequence[CheckedRow],
    report: LoadReport,
    *,
    existing: BaseList | None,
    reach: Reach,
) -> Plan:
    """What loading ``rows`` would change; counts go to ``report``. Errors:
    a village that contradicts a person's residence history, a person who
    lives outside ``reach`` (another region's person: the loader may not
    take them over), and a row that would undo a recorded death.

    Queries: persons and their residences in ``IN`` chunks of 900, and the
    stored list's entries (one query)."""
    plan = Plan()
    entries = _stored_entries(existing)
    for chunk in chunks(list(rows), IN_CHUNK):
        known = _known_persons(chunk, report.reference_date)
        for row in chunk:
            person = known.get(row.id_number)
            if person is not None and _refused(row, person, reach, report):
                entries.pop(person.pk, None)
                continue
            _plan_row(row, person, entries, plan, report)
    plan.entries_to_remove = [pk for pk, _village, _status in entries.values()]
    report.entries_removed = len(plan.entries_to_remove)
    report.new_list = existing is None
    return plan


def _refused(row: CheckedRow, known: Known, reach: Reach, report: LoadReport) -> bool:
    """Whether the row may not touch the stored person; if so, the reason
    is a row error in ``report``."""
    message = None
    if not reach.covers(known.village):
        message = _(
            "此人目前登记在其他地区（居住地代码%(village)s），不在您的管辖范围内，"
            "不能通过本底册更改：如此人确已迁来，须由管辖范围同时包括两地的"
            "上级用户登记迁移，或请原地区先为其登记迁出。"
        ) % {"village": known.village}
    elif _undoes_death(row, known, report.reference_date):
        message = _(
            "系统中此人已于%(date)s登记为死亡，载入底册不能撤销死亡登记："
            "如死亡登记有误，请在此人的详情页更正状态并填写原因，再重新载入。"
        ) % {"date": _iso(known.status_date) or "—"}
    if message is None:
        return False
    report.errors.append(
        RowProblem(
            row.line,
            column_label(Column.CERTIFICATE),
            row.certificate_number,
            message,
        )
    )
    return True


def _undoes_death(row: CheckedRow, known: Known, ref: date) -> bool:
    """A death recorded on or before the reference date, and a row that
    says otherwise (a death recorded after it is newer than the file)."""
    if known.status != Status.DECEASED or row.status == Status.DECEASED:
        return False
    return known.status_date is None or known.status_date <= ref


def _plan_row(
    row: CheckedRow,
    known: Known | None,
    entries: dict[int, tuple[int, str, str]],
    plan: Plan,
    report: LoadReport,
) -> None:
    if known is None:
        plan.new_rows.append(row)
        report.created += 1
        report.entries_added += 1
        return

    change = _person_change(row, known, report)
    if change is not None:
        plan.changes.append(change)
        report.updated += 1
        report.moves += change.move is not None
    else:
        report.unchanged += 1

    entry = entries.pop(known.pk, None)
    if entry is None:
        plan.entries_to_add.append((known.pk, row))
        report.entries_added += 1
    elif entry[1:] != (row.village, row.status):
        plan.entries_to_change.append((entry[0], row))
        report.entries_changed += 1


def _person_change(
    row: CheckedRow, known: Known, report: LoadReport
) -> PersonChange | None:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}

    def differ(name: str, old: Any, new: Any) -> None:
        if old != new:
            before[name], after[name] = old, new

    differ("name", known.name, row.name)
    if known.certificate_number != row.certificate_number:
        differ("certificate_number", known.certificate_number, row.certificate_number)
        differ("category", int(known.certificate_number[18]), row.category)
        differ("grade", int(known.certificate_number[19]), row.grade)
    if row.hukou_type is not None:
        differ("hukou_type", known.hukou_type, row.hukou_type)
    ref = report.reference_date
    # A status recorded after the reference date is newer than the file.
    newer = known.status_date is not None and known.status_date > ref
    if known.status != row.status and not newer:
        differ("status", known.status, str(row.status))
        differ("status_date", _iso(known.status_date), ref.isoformat())

    move = _move(row, known, report)
    if not after and move is None:
        return None
    return PersonChange(known.pk, row, before, after, move)


def _move(row: CheckedRow, known: Known, report: LoadReport) -> Move | None:
    """The move the row makes, or ``None`` when the row agrees with the
    residence history. A row that contradicts a residence recorded after
    the reference date is an error: the history is newer than the file."""
    if row.village == known.village_on_reference:
        return None
    if known.village_on_reference is None and row.village == known.village:
        return None
    ref = report.reference_date
    if known.since is not None and known.since <= ref:
        return Move(known.village, corrects=known.since == ref)
    report.errors.append(
        RowProblem(
            row.line,
            column_label(Column.VILLAGE),
            row.village,
            _(
                "居住地与系统中的居住记录不符：系统记录的居住地自%(since)s起有效，"
                "晚于本底册的统计时点%(date)s。请核对文件；"
                "如文件无误，请先更正此人的居住记录。"
            )
            % {
                "since": _iso(known.since) or "—",
                "date": report.reference_date.isoformat(),
            },
        )
    )
    return None


def _known_persons(chunk: Sequence[CheckedRow], ref: date) -> dict[str, Known]:
    columns = (
        "pk",
        "id_number",
        "certificate_number",
        "name",
        "status",
        "status_date",
        "hukou_type",
        "village_id",
    )
    ids = [row.id_number for row in chunk]
    stored = list(Person.objects.filter(id_number__in=ids).values_list(*columns))
    periods = _residence_periods([values[0] for values in stored], ref)
    known: dict[str, Known] = {}
    for pk, id_number, certificate, name, status, status_date, hukou, village in stored:
        since, on_reference = periods.get(pk, (None, None))
        known[id_number] = Known(
            pk,
            certificate,
            name,
            status,
            status_date,
            hukou,
            village,
            since,
            on_reference,
        )
    return known


def _residence_periods(
    pks: Sequence[int], ref: date
) -> dict[int, tuple[date | None, str | None]]:
    """Per person: when the current residence began, and the village on
    ``ref`` (``None`` if no residence covers it). One query."""
    covering = Q(valid_from__lte=ref) & (Q(valid_to__isnull=True) | Q(valid_to__gt=ref))
    rows = (
        Residence.objects.filter(person_id__in=pks)
        .filter(Q(valid_to__isnull=True) | covering)
        .values_list("person_id", "village_id", "valid_from", "valid_to")
    )
    result: dict[int, tuple[date | None, str | None]] = {}
    for person_id, village, valid_from, valid_to in rows:
        since, on_reference = result.get(person_id, (None, None))
        if valid_to is None:
            since = valid_from
        if valid_from <= ref and (valid_to is None or valid_to > ref):
            on_reference = village
        result[person_id] = (since, on_reference)
    return result


def _stored_entries(existing: BaseList | None) -> dict[int, tuple[int, str, str]]:
    """Entries of the stored list: person pk → (entry pk, village, status)."""
    if existing is None:
        return {}
    rows = BaseListEntry.objects.filter(base_list=existing).values_list(
        "person_id", "pk", "village_id", "status"
    )
    return {person: (pk, village, status) for person, pk, village, status in rows}


# --- 4. writing ----------------------------------------------------------


@dataclass(frozen=True)
class LoadContext:
    actor: User
    region: Region
    year: int
    reference_date: date
    reason: str


def apply_plan(
    plan: Plan,
    report: LoadReport,
    *,
    context: LoadContext,
    existing: BaseList | None,
) -> BaseList:
    """Write the plan and the base list with its entries; the caller holds
    the transaction. Audit: one event per changed person, one per move and
    one for the load (counts, digest, normalised lines); created persons
    are recorded by the load event and their base-list entries."""
    if not connection.in_atomic_block:
        raise RuntimeError("apply_plan must run inside transaction.atomic()")
    base_list = _save_base_list(existing, report, context)
    _create_persons(plan.new_rows, base_list, context)
    _apply_changes(plan.changes, context)
    _write_entries(plan, base_list)
    record_event(
        actor=context.actor,
        action="registry.base_list.load",
        target_type="base_list",
        target_id=str(base_list.pk),
        region_code=context.region.code,
        after=_load_event(report),
        reason=context.reason,
    )
    return base_list


def _save_base_list(
    existing: BaseList | None, report: LoadReport, context: LoadContext
) -> BaseList:
    base_list = existing or BaseList(
        year=context.year,
        reference_date=context.reference_date,
        region=context.region,
    )
    base_list.source_name = report.source[:255]
    base_list.sha256 = report.sha256
    base_list.loaded_by = context.actor
    base_list.loaded_at = timezone.now()
    base_list.rows = report.rows
    base_list.created = report.created
    base_list.updated = report.updated
    base_list.unchanged = report.unchanged
    base_list.moves = report.moves
    base_list.save()
    return base_list


def _create_persons(
    rows: Sequence[CheckedRow], base_list: BaseList, context: LoadContext
) -> None:
    for chunk in chunks(list(rows), WRITE_CHUNK):
        persons = Person.objects.bulk_create(_new_person(row) for row in chunk)
        pks = _pks_of(persons, chunk)
        Residence.objects.bulk_create(
            Residence(
                person_id=pk,
                village_id=row.village,
                valid_from=context.reference_date,
                recorded_by=context.actor,
                reason=context.reason[:200],
            )
            for pk, row in zip(pks, chunk, strict=True)
        )
        BaseListEntry.objects.bulk_create(
            _entry(base_list, pk, row) for pk, row in zip(pks, chunk, strict=True)
        )


def _new_person(row: CheckedRow) -> Person:
    return Person(
        id_number=row.id_number,
        certificate_number=row.certificate_number,
        legacy_id_number=row.legacy_id_number,
        name=row.name,
        sex=row.sex,
        birth_date=row.birth_date,
        category=row.category,
        grade=row.grade,
        hukou_type=row.hukou_type,
        village_id=row.village,
        region_code=row.village,
        status=row.status,
    )


def _pks_of(persons: Sequence[Person], chunk: Sequence[CheckedRow]) -> list[int]:
    """Primary keys of freshly bulk-created persons, in ``chunk`` order;
    one query where the database does not return them on insert."""
    if all(person.pk is not None for person in persons):
        return [person.pk for person in persons]
    ids = [row.id_number for row in chunk]
    by_id = dict(
        Person.objects.filter(id_number__in=ids).values_list("id_number", "pk")
    )
    return [by_id[row.id_number] for row in chunk]


def _entry(base_list: BaseList, person_id: int, row: CheckedRow) -> BaseListEntry:
    return BaseListEntry(
        base_list=base_list,
        year=base_list.year,
        person_id=person_id,
        village_id=row.village,
        status=row.status,
    )


def _apply_changes(changes: Sequence[PersonChange], context: LoadContext) -> None:
    """One update and one audit event per changed person; a move also
    closes the current residence and opens the new one."""
    now = timezone.now()
    for change in changes:
        fields = _person_fields(change.after)
        if change.move is not None:
            fields["village_id"] = fields["region_code"] = change.row.village
            _record_move(change, change.move, context)
        if change.after:
            _record_update(change, context)
        Person.objects.filter(pk=change.pk).update(**fields, updated_at=now)


def _person_fields(after: dict[str, Any]) -> dict[str, Any]:
    """The audit event's new values as model field values."""
    fields = dict(after)
    if fields.get("status_date") is not None:
        fields["status_date"] = date.fromisoformat(fields["status_date"])
    return fields


def _record_update(change: PersonChange, context: LoadContext) -> None:
    record_event(
        actor=context.actor,
        action="registry.person.update",
        target_type="person",
        target_id=str(change.pk),
        region_code=change.row.village,
        before=change.before,
        after=change.after,
        reason=context.reason,
    )


def _record_move(change: PersonChange, move: Move, context: LoadContext) -> None:
    on, village = context.reference_date, change.row.village
    current = Residence.objects.filter(person_id=change.pk, valid_to__isnull=True)
    recorded = {"recorded_by": context.actor, "reason": context.reason[:200]}
    if move.corrects:
        current.update(village_id=village, **recorded)
    else:
        current.update(valid_to=on)
        Residence.objects.create(
            person_id=change.pk, village_id=village, valid_from=on, **recorded
        )
    record_event(
        actor=context.actor,
        action="registry.person.move",
        target_type="person",
        target_id=str(change.pk),
        region_code=village,
        before={"village": move.from_village},
        after={"village": village, "on": on.isoformat(), "corrects": move.corrects},
        reason=context.reason,
    )


def _write_entries(plan: Plan, base_list: BaseList) -> None:
    for chunk in chunks(plan.entries_to_add, WRITE_CHUNK):
        BaseListEntry.objects.bulk_create(
            _entry(base_list, person_id, row) for person_id, row in chunk
        )
    for changed in chunks(plan.entries_to_change, WRITE_CHUNK):
        entries = [
            BaseListEntry(pk=pk, village_id=row.village, status=row.status)
            for pk, row in changed
        ]
        BaseListEntry.objects.bulk_update(entries, ["village", "status"])
    for removed in chunks(plan.entries_to_remove, IN_CHUNK):
        BaseListEntry.objects.filter(pk__in=removed).delete()


def _load_event(report: LoadReport) -> dict[str, Any]:
    return {
        "source": report.source,
        "sha256": report.sha256,
        "year": report.year,
        "reference_date": report.reference_date.isoformat(),
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "moves": report.moves,
        "entries_added": report.entries_added,
        "entries_changed": report.entries_changed,
        "entries_removed": report.entries_removed,
        # FC-01: which lines' values were normalised before storage.
        "normalised_lines": sorted({item.line for item in report.cleaned}),
    }


# --- helpers -------------------------------------------------------------


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()
