"""State changes of the registry. Each runs in one transaction, checks the
acting user's role and scope and the state it starts from, and writes its
audit event; callers have already fetched objects through ``access``.

Refusals: ``PermissionDenied`` when the actor may not act on the person or
region, ``ValidationError`` (a Chinese message saying what to do) when the
change itself is not allowed, ``BaseListError`` when a base list cannot be
loaded at all.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import date
from pathlib import Path
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dtgx.accounts.access import is_in_scope, region_scope
from dtgx.accounts.audit import record_event
from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.regions.codes import Level, ancestor_codes
from dtgx.regions.models import Region
from dtgx.registry import checks, loader
from dtgx.registry.checks import LoadReport
from dtgx.registry.loader import LoadContext
from dtgx.registry.models import BaseList, Person, Residence, Status
from dtgx.registry.signals import base_list_checks
from dtgx.registry.sources import BaseListError, read_base_list_file

# Roles that may change registry data and load base lists.
EDITOR_ROLES = (Role.ENTRY_CLERK, Role.OFFICE_DIRECTOR)

# The statuses a status may change to. A recorded death may only be undone,
# with a reason, when it was recorded by mistake.
STATUS_TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NORMAL: frozenset({Status.DECEASED, Status.CANCELLED, Status.MOVED_OUT}),
    Status.MOVED_OUT: frozenset({Status.NORMAL, Status.DECEASED, Status.CANCELLED}),
    Status.CANCELLED: frozenset({Status.NORMAL, Status.DECEASED}),
    Status.DECEASED: frozenset({Status.NORMAL}),
}
REASON_MAX_LENGTH = 200
# First key of the PostgreSQL advisory lock serialising base-list loads of
# a year (the second key is the year): "dtgx" as a 32-bit integer.
_LOAD_LOCK_SPACE = 0x64747478


# --- one person ----------------------------------------------------------


def move_person(
    actor: User, person: Person, village: Region, *, on: date, reason: str
) -> Residence:
    """Record that ``person`` lives in ``village`` from ``on`` on.

    The person must be in the actor's scope with status 正常; the village a
    current village-level region in the actor's scope, other than the
    current one; ``on`` not in the future and later than the start of the
    current residence. Closes the current residence on ``on``, opens the
    new one, updates the person's village and ``region_code`` and writes a
    ``registry.person.move`` event, in one transaction with the person row
    locked. ``person`` is refreshed from the database afterwards."""
    _check_editor(actor, person.region_code)
    _check_destination(actor, village)
    reason = _required_reason(reason)
    _check_not_future(on)

    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        current = locked.residences.current().first()
        _check_move(locked, current, village, on)
        if current is not None:
            current.valid_to = on
            current.save(update_fields=["valid_to"])
        residence = Residence.objects.create(
            person=locked,
            village=village,
            valid_from=on,
            recorded_by=actor,
            reason=reason,
        )
        old_village = locked.village_id
        locked.village = village
        locked.region_code = village.code
        locked.save(update_fields=["village", "region_code", "updated_at"])
        record_event(
            actor=actor,
            action="registry.person.move",
            target_type="person",
            target_id=str(locked.pk),
            region_code=village.code,
            before={"village": old_village},
            after={"village": village.code, "on": on.isoformat()},
            reason=reason,
        )
    person.refresh_from_db()
    return residence


def set_status(
    actor: User, person: Person, status: Status, *, on: date, reason: str
) -> None:
    """Change the person's status (正常, 死亡, 证件注销, 迁出) as of ``on``.

    Allowed changes are ``STATUS_TRANSITIONS``; ``on`` may be neither in the
    future nor before the current status date. Writes a
    ``registry.person.status`` event with the old and new status and date,
    in one transaction with the person row locked. ``person`` is refreshed
    from the database afterwards."""
    _check_editor(actor, person.region_code)
    reason = _required_reason(reason)
    _check_not_future(on)

    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        _check_status_change(locked, status, on)
        before = _status_snapshot(locked)
        locked.status = status
        locked.status_date = on
        locked.save(update_fields=["status", "status_date", "updated_at"])
        record_event(
            actor=actor,
            action="registry.person.status",
            target_type="person",
            target_id=str(locked.pk),
            region_code=locked.region_code,
            before=before,
            after=_status_snapshot(locked),
            reason=reason,
        )
    person.refresh_from_db()


def _check_editor(actor: User, region_code: str) -> None:
    if not actor.has_role(*EDITOR_ROLES):
        raise PermissionDenied(_("只有录入员或动态更新办主任可以修改持证残疾人信息。"))
    if not is_in_scope(actor, region_code):
        raise PermissionDenied(_("此人不在您的管辖范围内。"))


def _check_destination(actor: User, village: Region) -> None:
    if village.level != Level.VILLAGE or village.valid_to is not None:
        raise ValidationError(
            _("新居住地须是现行的村(社区)级区划，请重新选择。"), code="village"
        )
    if not is_in_scope(actor, village.code):
        raise PermissionDenied(
            _(
                "新居住地不在您的管辖范围内：迁往外地的人由上级或迁入地登记，"
                "迁出本系统地区的请把状态改为“迁出”。"
            )
        )


def _check_move(
    person: Person, current: Residence | None, village: Region, on: date
) -> None:
    if person.status != Status.NORMAL:
        raise ValidationError(
            _("此人的状态为“%(status)s”，只有状态正常的人可以登记迁移。")
            % {"status": person.get_status_display()},
            code="status",
        )
    if current is None:
        return
    if current.village_id == village.code:
        raise ValidationError(_("新居住地与现居住地相同，无需登记迁移。"), code="same")
    if on <= current.valid_from:
        raise ValidationError(
            _("迁移日期须晚于现居住地的起始日期%(since)s，请核对日期。")
            % {"since": current.valid_from.isoformat()},
            code="date",
        )


def _check_status_change(person: Person, status: Status, on: date) -> None:
    old = Status(person.status)
    if status not in STATUS_TRANSITIONS[old]:
        raise ValidationError(
            _("状态不能从“%(old)s”改为“%(new)s”，请核对。")
            % {"old": old.label, "new": status.label},
            code="transition",
        )
    if person.status_date is not None and on < person.status_date:
        raise ValidationError(
            _("日期不能早于当前状态的日期%(since)s，请核对。")
            % {"since": person.status_date.isoformat()},
            code="date",
        )


def _status_snapshot(person: Person) -> dict[str, str | None]:
    when = person.status_date
    return {"status": person.status, "status_date": when.isoformat() if when else None}


def _required_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if not text:
        raise ValidationError(_("请填写原因。"), code="reason")
    if len(text) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("原因不能超过%(max)s个字。") % {"max": REASON_MAX_LENGTH},
            code="reason",
        )
    return text


def _check_not_future(on: date) -> None:
    if on > timezone.localdate():
        raise ValidationError(_("日期不能晚于今天，请核对。"), code="date")


# --- base lists ----------------------------------------------------------


def load_base_list(
    actor: User,
    path_or_file: Path | str | IO[bytes],
    *,
    region: Region,
    year: int,
    reference_date: date,
    dry_run: bool = False,
    allow_removals: bool = False,
) -> LoadReport:
    """Load the base list (底册) of ``region`` for the round ``year`` from a
    CSV or XLSX extract of the certificate database; see ``checks`` and
    ``loader`` for the steps.

    Every row is checked; if any is bad the report lists every bad row and
    nothing is written. Otherwise persons are created or updated (a changed
    village is a move on ``reference_date``; changed fields get an audit
    event with old and new values) and the base list and its entries are
    written, all in one transaction. A file identical to the loaded one
    (same SHA-256) is reported as ``already_loaded``; a file with the same
    content in another order changes nothing. ``dry_run`` checks and counts
    without writing or locking. A file without data rows is refused, and so
    is a reload that would remove entries of the stored list unless
    ``allow_removals`` (the preview counts them). Writing loads of one year
    are serialised, and the overlap check runs again under that lock.

    Cost: a few queries per 900 rows to check and plan, then bulk inserts
    (about 60 rows each on SQLite) and one update and audit event per
    changed person. Memory holds one small normalised record per row, never
    the model objects of the whole file.

    Raises ``PermissionDenied`` unless the actor is an entry clerk or
    office director whose scope holds ``region``, and ``BaseListError``
    when the file cannot be read or the list does not fit the round.
    """
    _check_may_load(actor, region, year=year, reference_date=reference_date)
    for check in base_list_checks:
        try:
            check(year, region.code)
        except ValidationError as error:
            raise BaseListError(" ".join(error.messages)) from None
    source = read_base_list_file(path_or_file)
    report = LoadReport(
        source=source.name,
        sha256=source.sha256,
        encoding=source.encoding,
        year=year,
        reference_date=reference_date,
        region_code=region.code,
        dry_run=dry_run,
    )
    existing = _stored_list(region, year=year, reference_date=reference_date)
    if existing is not None and existing.sha256 == source.sha256:
        return _already_loaded(report, existing)

    rows = checks.check_rows(source, report)
    if report.rows == 0:
        raise BaseListError(
            _(
                "文件中没有数据行（只有表头）：请检查是否选错了文件或工作表；"
                "底册至少要有一行数据。"
            )
        )
    reach = loader.Reach(region.prefix, region_scope(actor) or region.prefix)
    try:
        with _writing(dry_run):
            if not dry_run:
                # Loads of one year are serialised and the stored list read
                # again under the lock: another load may have just written.
                _lock_year(year)
                existing = _stored_list(
                    region, year=year, reference_date=reference_date
                )
            rows = checks.check_against_database(
                rows, report, region=region, existing=existing
            )
            plan = loader.build_plan(rows, report, existing=existing, reach=reach)
            report.errors.sort(key=lambda problem: problem.line)
            report.base_list = existing
            if report.ok and report.changed and not dry_run:
                _check_removals(report, allow_removals=allow_removals)
                context = LoadContext(
                    actor, region, year, reference_date, _load_reason(report)
                )
                report.base_list = loader.apply_plan(
                    plan, report, context=context, existing=existing
                )
    except IntegrityError as error:
        raise BaseListError(
            _(
                "另一位用户正在或刚刚载入%(year)s年的底册，本次载入未写入任何数据："
                "请稍后打开底册列表核对，再决定是否重新载入。"
            )
            % {"year": year}
        ) from error
    return report


def _lock_year(year: int) -> None:
    """Serialise writing loads of ``year`` until the transaction ends. On
    PostgreSQL a transaction-scoped advisory lock; SQLite's IMMEDIATE
    transactions (see settings) already hold the database's write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_LOAD_LOCK_SPACE, year]
            )


def _check_removals(report: LoadReport, *, allow_removals: bool) -> None:
    """Entries missing from a reloaded file are removed only when the user
    said so: a shortened file must not silently drop holders (whose
    survey records may already be entered)."""
    if report.entries_removed and not allow_removals:
        raise BaseListError(
            _(
                "本次载入将从已载入的底册中移除%(count)s条条目（文件中没有这些人）。"
                "请核对文件是否完整；确需移除的，请勾选“确认移除这些条目”"
                "（命令行加 --allow-removals）后重新载入。"
            )
            % {"count": report.entries_removed}
        )


def _check_may_load(
    actor: User, region: Region, *, year: int, reference_date: date
) -> None:
    if not actor.has_role(*EDITOR_ROLES):
        raise PermissionDenied(_("只有录入员或动态更新办主任可以载入底册。"))
    if not is_in_scope(actor, region.code):
        raise PermissionDenied(_("该区划不在您的管辖范围内。"))
    if region.level > Level.COUNTY:
        raise BaseListError(
            _("底册须按县级或以上区划载入：请选择县（市、区）或更高一级的区划。")
        )
    if reference_date.year != year:
        raise BaseListError(
            _("统计时点%(date)s不在%(year)s年内，请核对年度和统计时点。")
            % {"date": reference_date.isoformat(), "year": year}
        )


def _stored_list(region: Region, *, year: int, reference_date: date) -> BaseList | None:
    """The region's list of the year, if any; raises ``BaseListError`` when
    it has another reference date or a list of the year overlaps the region
    (an ancestor's or a descendant's), since a holder counts once a round."""
    lists = BaseList.objects.filter(year=year).select_related("region")
    existing = lists.filter(region=region).first()
    if existing is not None and existing.reference_date != reference_date:
        raise BaseListError(
            _(
                "%(region)s的%(year)s年底册已按统计时点%(date)s载入，"
                "同一年度的统计时点须一致：请核对统计时点。"
            )
            % {
                "region": region.name,
                "year": year,
                "date": existing.reference_date.isoformat(),
            }
        )
    nested = Q(region__code__startswith=region.prefix) | Q(
        region__code__in=ancestor_codes(region.code)
    )
    overlapping = lists.exclude(region=region).filter(nested).first()
    if overlapping is not None:
        raise BaseListError(
            _(
                "%(year)s年已有%(other)s的底册，与%(region)s范围重叠；"
                "同一人一年只能计入一个底册，请在同一区划载入或更正。"
            )
            % {"year": year, "other": overlapping.region.name, "region": region.name}
        )
    return existing


def _already_loaded(report: LoadReport, existing: BaseList) -> LoadReport:
    report.already_loaded = True
    report.base_list = existing
    report.rows = existing.rows
    report.unchanged = existing.rows
    return report


def _writing(dry_run: bool) -> AbstractContextManager[object]:
    """The transaction of a real load. A dry run only reads, and holds no
    lock that would make other users wait (SQLite locks the whole file)."""
    return nullcontext() if dry_run else transaction.atomic()


def _load_reason(report: LoadReport) -> str:
    return _("载入%(year)s年底册（%(source)s）") % {
        "year": report.year,
        "source": report.source,
    }
