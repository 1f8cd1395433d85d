"""State changes of rounds and records. Each runs in one transaction,
checks the acting user's role and scope, the state it starts from and the
region lock, and writes its audit event; callers have fetched the objects
through ``access`` (the entry screen, imports and the API alike, FC-26).

Refusals: ``PermissionDenied`` when the actor may not act on the person,
village or round; ``ValidationError`` with a Chinese message saying what to
do when the change itself is not allowed. Answer problems come as a
``ValidationError`` whose ``message_dict`` is keyed by item id, so that a
screen can show each message beside its item. ``VersionConflict`` and
``RegionLocked`` are ``ValidationError`` subclasses.

Audit events carry versions, statuses and item ids, never answers: the old
and new values live in ``RecordChange`` rows.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dtgx.accounts.access import is_in_scope
from dtgx.accounts.audit import record_event
from dtgx.accounts.models import AuditEvent, User
from dtgx.accounts.roles import Role
from dtgx.bulk import insert_all
from dtgx.identity import (
    age_on,
    check_certificate_number,
    check_id_number,
    normalize_identifier,
)
from dtgx.questionnaires.definitions import Item, ItemType, Questionnaire
from dtgx.questionnaires.expressions import EvaluationError, Value, normalize_value
from dtgx.questionnaires.relevance import CleanedAnswers, clean_answers
from dtgx.regions.codes import NATION_CODE, Level, ancestor_codes
from dtgx.regions.models import Region
from dtgx.registry.models import Person, Residence
from dtgx.survey.answers import ItemChange, changed_items, columns_of, to_json
from dtgx.survey.answers import values_of as stored_values
from dtgx.survey.models import (
    NAME_MAX_LENGTH,
    REASON_MAX_LENGTH,
    CommunityRecord,
    PersonRecord,
    RecordChange,
    RecordStatus,
    RegionLock,
    Round,
    RoundStatus,
    SurveyMethod,
    SurveyRecord,
)
from dtgx.survey.signals import record_saved, rule_set_checks

# The years a round may have.
MIN_YEAR = 2000
MAX_YEAR = 2100

# Who may enter new records and drafts, and who may correct saved ones.
ENTRY_ROLES = (Role.COLLECTOR, Role.ENTRY_CLERK, Role.OFFICE_DIRECTOR)
CORRECTION_ROLES = (Role.ENTRY_CLERK, Role.AUDITOR, Role.OFFICE_DIRECTOR)

# Items the services fill from the keyword arguments and the village; an
# answer given for one of them must agree.
REGION_ITEM = "header.region_code"
METHOD_ITEM = "header.survey_method"
COLLECTOR_ITEM = "footer.collector"
DATE_ITEM = "footer.fill_date"

# Items not carried over from last year's record: they describe the visit.
PER_VISIT_ITEMS = frozenset(
    {
        REGION_ITEM,
        METHOD_ITEM,
        COLLECTOR_ITEM,
        DATE_ITEM,
        "footer.respondent",
        "footer.remarks",
    }
)

# Text items at least this long take several lines (the remarks): they keep
# their line breaks, other text becomes one line.
LONG_TEXT_LENGTH = 200

# Identifier items by what they hold: the holder's own certificate number,
# and identity numbers of other people (the householder). The region code
# (H1) is filled by the service and checked against the village.
CERTIFICATE_ITEMS = frozenset({"basic.certificate_number"})
ID_NUMBER_ITEMS = frozenset({"footer.householder_id_number"})

# Unicode categories removed from text: control, format (zero-width marks,
# byte order mark, bidi overrides) and lone surrogates.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})

_Record = TypeVar("_Record", bound=SurveyRecord)


class VersionConflict(ValidationError):
    """Someone else saved the record after the caller loaded it."""


class RegionLocked(ValidationError):
    """The record's region is locked for the round."""


# --- rounds ----------------------------------------------------------------


def create_round(
    actor: User,
    *,
    year: int,
    form_version: str,
    rule_set_version: str,
    reference_date: date,
    campaign_start: date,
    campaign_end: date,
) -> Round:
    """Create the national round of ``year`` in status 准备中.

    Only an office director of the national level may. The form version
    must be the one the record tables store; the reference date and the
    campaign window must lie in ``year`` (FC-24) and the window must not
    end before it starts. Writes ``survey.round.create``."""
    _check_national_director(actor)
    _check_round_year(year)
    _check_round_dates(year, reference_date, campaign_start, campaign_end)
    _check_form_version(form_version)
    rule_set_version = _required_text(rule_set_version, _("审核规则版本"))
    for check in rule_set_checks:
        check(rule_set_version)
    if Round.objects.filter(year=year).exists():
        raise ValidationError(
            _("%(year)s年度动态更新已经建立，请勿重复建立。") % {"year": year},
            code="duplicate",
        )

    with transaction.atomic():
        round = Round.objects.create(
            year=year,
            form_version=form_version,
            rule_set_version=rule_set_version,
            reference_date=reference_date,
            campaign_start=campaign_start,
            campaign_end=campaign_end,
        )
        record_event(
            actor=actor,
            action="survey.round.create",
            target_type="round",
            target_id=str(round.pk),
            region_code=NATION_CODE,
            after=_round_snapshot(round),
        )
    return round


def open_round(actor: User, round: Round) -> None:
    """准备中 → 进行中: entry may begin. Writes ``survey.round.open``;
    ``round`` is refreshed from the database afterwards."""
    _transition(actor, round, RoundStatus.PREPARING, RoundStatus.OPEN)


def close_round(actor: User, round: Round) -> None:
    """进行中 → 已结束: no record of the round may be entered or changed any
    more. Writes ``survey.round.close``; ``round`` is refreshed."""
    _transition(actor, round, RoundStatus.OPEN, RoundStatus.CLOSED)


def _transition(
    actor: User, round: Round, source: RoundStatus, target: RoundStatus
) -> None:
    """Move the round from ``source`` to ``target`` with one conditional
    UPDATE, so that of two simultaneous requests only one wins (FC-28)."""
    _check_national_director(actor)
    stamp = "opened_at" if target == RoundStatus.OPEN else "closed_at"

    with transaction.atomic():
        moved = Round.objects.filter(pk=round.pk, status=source).update(
            status=target, **{stamp: timezone.now()}
        )
        if moved != 1:
            round.refresh_from_db()
            raise ValidationError(
                _("%(year)s年度动态更新的状态是“%(status)s”，不能改为“%(target)s”。")
                % {
                    "year": round.year,
                    "status": RoundStatus(round.status).label,
                    "target": target.label,
                },
                code="status",
            )
        record_event(
            actor=actor,
            action=f"survey.round.{'open' if target == RoundStatus.OPEN else 'close'}",
            target_type="round",
            target_id=str(round.pk),
            region_code=NATION_CODE,
            before={"status": source.value},
            after={"status": target.value},
        )
    round.refresh_from_db()


def _check_national_director(actor: User) -> None:
    if actor.region_id != NATION_CODE or not actor.has_role(Role.OFFICE_DIRECTOR):
        raise PermissionDenied(_("年度动态更新只能由全国动态更新办主任建立和开关。"))


def _check_round_year(year: object) -> None:
    if (
        not isinstance(year, int)
        or isinstance(year, bool)
        or not MIN_YEAR <= year <= MAX_YEAR
    ):
        raise ValidationError(
            _("年度%(year)s不对，请填写%(min)s至%(max)s之间的四位年份。")
            % {"year": year, "min": MIN_YEAR, "max": MAX_YEAR},
            code="year",
        )


def _check_round_dates(
    year: int, reference_date: date, campaign_start: date, campaign_end: date
) -> None:
    outside = [
        d for d in (reference_date, campaign_start, campaign_end) if d.year != year
    ]
    if outside:
        raise ValidationError(
            _("标准时点和工作起止日期都必须在%(year)s年内，请核对。") % {"year": year},
            code="date",
        )
    if campaign_end < campaign_start:
        raise ValidationError(_("工作结束日期早于开始日期，请核对。"), code="date")


def _check_form_version(form_version: str) -> None:
    supported = {PersonRecord.FORM_VERSION} & {CommunityRecord.FORM_VERSION}
    if form_version not in supported:
        raise ValidationError(
            _("登记表版本%(version)s还没有对应的数据表，目前只能选择%(supported)s。")
            % {"version": form_version, "supported": "、".join(sorted(supported))},
            code="form_version",
        )


def _round_snapshot(round: Round) -> dict[str, object]:
    return {
        "year": round.year,
        "form_version": round.form_version,
        "rule_set_version": round.rule_set_version,
        "reference_date": round.reference_date.isoformat(),
        "campaign": [round.campaign_start.isoformat(), round.campaign_end.isoformat()],
        "status": round.status,
    }


# --- locks -----------------------------------------------------------------


def check_region_unlocked(round: Round, region_code: str) -> None:
    """Raise ``RegionLocked`` when ``region_code`` or a region above it is
    locked for ``round`` (one indexed query; a second one only to name the
    locked region). Every path that writes records calls it: the web
    screen, imports, the API and offline sync (FC-26)."""
    candidates = [*ancestor_codes(region_code), region_code]
    if not _any_lock(round, candidates):
        return
    lock = RegionLock.objects.filter(round=round, region_code__in=candidates).first()
    if lock is None:
        return
    region = Region.objects.filter(code=lock.region_code).first()
    raise RegionLocked(
        _(
            "%(region)s的%(year)s年度数据已锁定（%(reason)s），不能新增或修改"
            "登记表。如需更正，请联系锁定数据的动态更新办。"
        )
        % {
            "region": region.name if region else lock.region_code,
            "year": round.year,
            "reason": lock.reason,
        },
        code="locked",
    )


def lock_over(round: Round, region_code: str) -> RegionLock | None:
    """The lock on ``region_code`` or a region above it, if any (for pages
    that say so before the clerk starts typing)."""
    candidates = [*ancestor_codes(region_code), region_code]
    return (
        RegionLock.objects.filter(round=round, region_code__in=candidates)
        .order_by("region_code")
        .first()
    )


def _any_lock(round: Round, codes: list[str]) -> bool:
    """Whether any of ``codes`` is locked: the check every write makes,
    in plain SQL (composing it with the ORM cost ten times its run)."""
    marks = ", ".join(["%s"] * len(codes))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {RegionLock._meta.db_table} "  # noqa: S608 (our table)
            f"WHERE round_id = %s AND region_code IN ({marks}) LIMIT 1",
            [round.pk, *codes],
        )
        return cursor.fetchone() is not None


# --- person records ----------------------------------------------------------


def create_person_record(
    actor: User,
    round: Round,
    person: Person,
    answers: Mapping[str, object],
    *,
    survey_method: SurveyMethod | int,
    collector: str,
    survey_date: date,
    draft: bool = False,
) -> PersonRecord:
    """Enter ``person``'s form for ``round``.

    The record belongs to the village the person lived in on the round's
    reference date, which must lie in the actor's scope. The survey method,
    collector and survey date fill items H2, F4 and F5 (an answer given for
    them must agree); the survey date must be in the round's calendar year
    and not after today in China (FC-23, FC-24). The skip logic runs with
    the person's age on the reference date, sex, category, grade and hukou:
    items that do not apply are stored as NULL. Answer problems (an
    exclusive option ticked with others, unknown codes, values out of
    range, an identifier that is not valid or a certificate number (R2)
    other than the person's own) refuse the save, and so do unanswered
    required items unless ``draft``. Text answers lose control and format
    characters and identifiers are normalised first (``_tidy``); text left
    empty counts as unanswered. Writes ``survey.person_record.create``. About eight
    queries (residence, lock, round, duplicate, insert, audit), however
    many answers."""
    village, bookkeeping, cleaned = _prepare_person_record(
        actor,
        round,
        person,
        answers,
        survey_method=survey_method,
        collector=collector,
        survey_date=survey_date,
        draft=draft,
    )
    form = PersonRecord.questionnaire()

    record = PersonRecord(
        round=round,
        person=person,
        village=village,
        region_code=village.code,
        survey_method=bookkeeping[METHOD_ITEM],
        collector=bookkeeping[COLLECTOR_ITEM],
        survey_date=survey_date,
        **_new_row(actor, draft),
        **columns_of(form, cleaned.values),
    )
    return _insert(
        actor,
        record,
        "person_record",
        duplicate=lambda: PersonRecord.objects.filter(round=round, person=person),
        duplicate_message=_("此人本年度的登记表已经录入，请打开已有记录修改。"),
    )


def check_person_record(
    actor: User,
    round: Round,
    person: Person,
    answers: Mapping[str, object],
    *,
    survey_method: SurveyMethod | int,
    collector: str,
    survey_date: date,
) -> CleanedAnswers:
    """Run every check ``create_person_record`` runs before writing (role,
    round, residence, scope, lock, bookkeeping, answers, skip logic,
    identifiers, required items) and return the values it would store;
    raise as it would. Writes nothing: for the dry run of an import. About
    three queries (residence, lock)."""
    _village, _bookkeeping, cleaned = _prepare_person_record(
        actor,
        round,
        person,
        answers,
        survey_method=survey_method,
        collector=collector,
        survey_date=survey_date,
        draft=False,
    )
    return cleaned


def _prepare_person_record(
    actor: User,
    round: Round,
    person: Person,
    answers: Mapping[str, object],
    *,
    survey_method: SurveyMethod | int,
    collector: str,
    survey_date: date,
    draft: bool,
) -> tuple[Region, dict[str, Any], CleanedAnswers]:
    _check_role(actor, ENTRY_ROLES)
    _check_round_status(round)
    village = _village_on_reference_date(person, round)
    _check_in_scope(actor, village.code)
    check_region_unlocked(round, village.code)  # before listing answer problems
    bookkeeping, cleaned = _clean_person_answers(
        round,
        person,
        village,
        answers,
        survey_method=survey_method,
        collector=collector,
        survey_date=survey_date,
        draft=draft,
    )
    return village, bookkeeping, cleaned


def _clean_person_answers(
    round: Round,
    person: Person,
    village: Region,
    answers: Mapping[str, object],
    *,
    survey_method: SurveyMethod | int,
    collector: str,
    survey_date: date,
    draft: bool,
) -> tuple[dict[str, Any], CleanedAnswers]:
    """The checks of a new person form once its village is known and may
    be written: bookkeeping, answers, skip logic, identifiers."""
    bookkeeping = _person_bookkeeping(
        round, village, survey_method, collector, survey_date
    )
    form = PersonRecord.questionnaire()
    given = _with_fixed_items(form, _tidy(form, answers), bookkeeping)
    cleaned = _clean(
        form,
        given,
        person_derived(person, round),
        complete=not draft,
        holder=person,
    )
    return bookkeeping, cleaned


def save_person_draft(
    actor: User,
    record: PersonRecord,
    answers: Mapping[str, object],
    *,
    expected_version: int,
    finish: bool = False,
) -> None:
    """Save more answers into a draft (草稿). ``answers`` holds the items to
    set; an item mapped to ``None`` is cleared and absent items keep their
    values. With ``finish`` the record must be complete and becomes 已保存.
    No reason is asked: a draft is work in progress and its history starts
    when it is saved. Refuses like ``change_person_record`` otherwise.
    Writes ``survey.person_record.draft``; ``record`` is refreshed."""
    _check_role(actor, ENTRY_ROLES)
    _check_in_scope(actor, record.region_code)
    _update(
        actor,
        record,
        answers,
        _Update(expected_version, RecordStatus.DRAFT, complete=finish),
        derive=lambda row: person_derived(row.person, row.round),
    )


def change_person_record(
    actor: User,
    record: PersonRecord,
    answers: Mapping[str, object],
    *,
    expected_version: int,
    reason: str,
    responsible_person: str,
    batch_id: uuid.UUID | None = None,
) -> RecordChange | None:
    """Correct a saved record (数据更正, 第二十六条).

    ``answers`` holds the items to change (``None`` clears one); the other
    items keep their stored values, then the skip logic runs again over the
    whole record, which must stay complete. The reason (更正原因) and the
    responsible person (责任人) are required. ``expected_version`` is the
    version the caller loaded: when someone else saved in between, the
    change is refused with ``VersionConflict`` (the write is an
    ``UPDATE … WHERE version = expected`` on the locked row, so two
    simultaneous saves cannot both win, FC-28).

    Returns the ``RecordChange`` listing only the items whose stored value
    changed (old and new), or ``None`` when nothing changed: then nothing
    is written and the version stays. Writes ``survey.person_record.change``;
    ``record`` is refreshed from the database."""
    _check_role(actor, CORRECTION_ROLES)
    _check_in_scope(actor, record.region_code)
    correction = _Correction(
        _required_text(reason, _("更正原因")),
        _required_text(responsible_person, _("责任人"), NAME_MAX_LENGTH),
        batch_id,
    )
    return _update(
        actor,
        record,
        answers,
        _Update(
            expected_version, RecordStatus.SAVED, complete=True, correction=correction
        ),
        derive=lambda row: person_derived(row.person, row.round),
    )


@dataclass(frozen=True)
class Correction:
    """One record of a bulk correction and the items to set on it."""

    record: PersonRecord
    answers: Mapping[str, object]
    expected_version: int


def correct_person_records(
    actor: User,
    corrections: Sequence[Correction],
    *,
    reason: str,
    responsible_person: str,
) -> list[RecordChange]:
    """Apply a bulk correction (批量更正) record by record through
    ``change_person_record``, all or nothing, under one new batch id.
    Returns one ``RecordChange`` per record that actually changed, each
    listing only its changed items (FC-31). A refusal names the record and
    rolls the whole batch back."""
    batch_id = uuid.uuid4()
    changes: list[RecordChange] = []
    with transaction.atomic():
        for correction in corrections:
            change = _correct_one(
                actor, correction, reason, responsible_person, batch_id
            )
            if change is not None:
                changes.append(change)
    return changes


def _correct_one(
    actor: User,
    correction: Correction,
    reason: str,
    responsible_person: str,
    batch_id: uuid.UUID,
) -> RecordChange | None:
    try:
        return change_person_record(
            actor,
            correction.record,
            correction.answers,
            expected_version=correction.expected_version,
            reason=reason,
            responsible_person=responsible_person,
            batch_id=batch_id,
        )
    except ValidationError as error:
        where = _("记录#%(pk)s：") % {"pk": correction.record.pk}
        raise ValidationError([where + message for message in error.messages]) from None


def person_derived(person: Person, round: Round) -> dict[str, object]:
    """The derived inputs of the person form: age in completed years on
    the reference date (missing when born after it), sex, category, grade
    and the hukou of the certificate database."""
    try:
        age: int | None = age_on(person.birth_date, round.reference_date)
    except ValueError:
        age = None
    return {
        "age": age,
        "sex": person.sex,
        "category": person.category,
        "grade": person.grade,
        "hukou": person.hukou_type,
    }


def _village_on_reference_date(person: Person, round: Round) -> Region:
    """``person.residence_on(reference date).village`` in one plain query:
    every save asks it, and the ORM spent longer composing the filter than
    the database answering it."""
    day = round.reference_date.isoformat()
    residences = Residence._meta.db_table
    villages = list(
        Region.objects.raw(
            f"SELECT g.* FROM {Region._meta.db_table} g "  # noqa: S608 (our tables)
            f"JOIN {residences} r ON r.village_id = g.code "
            "WHERE r.person_id = %s AND r.valid_from <= %s "
            "AND (r.valid_to IS NULL OR r.valid_to > %s)",
            [person.pk, day, day],
        )
    )
    if not villages:
        return _village_of(None, round)
    return villages[0]


def _village_of(residence: Residence | None, round: Round) -> Region:
    """The village of the residence on the round's reference date; refused
    when there is none."""
    if residence is None:
        raise ValidationError(
            _(
                "此人在标准时点%(date)s没有居住地记录，不能确定属于哪个村(社区)："
                "请先在持证残疾人信息中补登居住地。"
            )
            % {"date": round.reference_date.isoformat()},
            code="residence",
        )
    return residence.village


def _person_bookkeeping(
    round: Round,
    village: Region,
    survey_method: SurveyMethod | int,
    collector: str,
    survey_date: date,
) -> dict[str, Any]:
    if (
        not isinstance(survey_method, int)
        or isinstance(survey_method, bool)
        or survey_method not in SurveyMethod.values
    ):
        raise ValidationError(
            _("请选择调查方式：入户、见面、电话或失访。"), code="method"
        )
    _check_survey_date(round, survey_date)
    return {
        REGION_ITEM: village.code,
        METHOD_ITEM: int(survey_method),
        COLLECTOR_ITEM: _required_text(collector, _("信息采集员"), NAME_MAX_LENGTH),
        DATE_ITEM: survey_date,
    }


def _check_survey_date(round: Round, day: object) -> None:
    """The survey date is a calendar date in the round's year (FC-24),
    not after today in China (FC-23: ``localdate`` uses Asia/Shanghai)."""
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValidationError(_("请填写调查日期。"), code="survey_date")
    if not round.in_year(day):
        raise ValidationError(
            _("调查日期%(date)s不在%(year)s年内，请核对日期或年度。")
            % {"date": day.isoformat(), "year": round.year},
            code="survey_date",
        )
    if day > timezone.localdate():
        raise ValidationError(
            _("调查日期%(date)s晚于今天，请核对。") % {"date": day.isoformat()},
            code="survey_date",
        )


# --- community records -------------------------------------------------------


def create_community_record(
    actor: User,
    round: Round,
    village: Region,
    answers: Mapping[str, object],
    *,
    draft: bool = False,
) -> CommunityRecord:
    """Enter ``village``'s community form for ``round``: a current or
    withdrawn village-level region in the actor's scope, once a round.
    Item H1 is the village's code (an answer given for it must agree); a
    fill date, if given, must be in the round's year and not in the future.
    Otherwise as ``create_person_record``. Writes
    ``survey.community_record.create``."""
    cleaned = _prepare_community_record(actor, round, village, answers, draft=draft)
    form = CommunityRecord.questionnaire()

    record = CommunityRecord(
        round=round,
        village=village,
        region_code=village.code,
        **_new_row(actor, draft),
        **columns_of(form, cleaned.values),
    )
    return _insert(
        actor,
        record,
        "community_record",
        duplicate=lambda: CommunityRecord.objects.filter(round=round, village=village),
        duplicate_message=_(
            "本村(社区)本年度的社区登记表已经录入，请打开已有记录修改。"
        ),
    )


def check_community_record(
    actor: User, round: Round, village: Region, answers: Mapping[str, object]
) -> CleanedAnswers:
    """Run every check ``create_community_record`` runs before writing and
    return the values it would store; raise as it would. Writes nothing."""
    return _prepare_community_record(actor, round, village, answers, draft=False)


def _prepare_community_record(
    actor: User,
    round: Round,
    village: Region,
    answers: Mapping[str, object],
    *,
    draft: bool,
) -> CleanedAnswers:
    _check_role(actor, ENTRY_ROLES)
    _check_round_status(round)
    _check_village(village)
    _check_in_scope(actor, village.code)
    check_region_unlocked(round, village.code)  # before listing answer problems
    form = CommunityRecord.questionnaire()
    given = _with_fixed_items(form, _tidy(form, answers), {REGION_ITEM: village.code})
    cleaned = _clean(form, given, community_derived(village.code), complete=not draft)
    _check_fill_date(round, cleaned.values)
    return cleaned


def save_community_draft(
    actor: User,
    record: CommunityRecord,
    answers: Mapping[str, object],
    *,
    expected_version: int,
    finish: bool = False,
) -> None:
    """As ``save_person_draft``, for a community form."""
    _check_role(actor, ENTRY_ROLES)
    _check_in_scope(actor, record.region_code)
    _update(
        actor,
        record,
        answers,
        _Update(expected_version, RecordStatus.DRAFT, complete=finish),
        derive=lambda row: community_derived(row.region_code),
    )


def change_community_record(
    actor: User,
    record: CommunityRecord,
    answers: Mapping[str, object],
    *,
    expected_version: int,
    reason: str,
    responsible_person: str,
    batch_id: uuid.UUID | None = None,
) -> RecordChange | None:
    """As ``change_person_record``, for a saved community form."""
    _check_role(actor, CORRECTION_ROLES)
    _check_in_scope(actor, record.region_code)
    correction = _Correction(
        _required_text(reason, _("更正原因")),
        _required_text(responsible_person, _("责任人"), NAME_MAX_LENGTH),
        batch_id,
    )
    return _update(
        actor,
        record,
        answers,
        _Update(
            expected_version, RecordStatus.SAVED, complete=True, correction=correction
        ),
        derive=lambda row: community_derived(row.region_code),
    )


def community_derived(code: str) -> dict[str, object]:
    """The derived inputs of the community form: the committee type that
    the last three digits of the village code denote (001–199 and 400–499
    居委会 1, 200–399 and 500–599 村委会 2; missing otherwise)."""
    number = int(code[9:12])
    kind = None
    if 1 <= number <= 199 or 400 <= number <= 499:
        kind = 1
    elif 200 <= number <= 399 or 500 <= number <= 599:
        kind = 2
    return {"committee_type": kind}


def _check_village(village: Region) -> None:
    if village.level != Level.VILLAGE:
        raise ValidationError(
            _("社区登记表按村(社区)填写，请选择村级区划。"), code="village"
        )


def _check_fill_date(round: Round, values: Mapping[str, Value]) -> None:
    fill_date = values.get(DATE_ITEM)
    if fill_date is not None:
        _check_survey_date(round, fill_date)


# --- batches of new records (imports) ------------------------------------------

# What a batch service puts in the place of an entry it refuses.
Refusal = ValidationError | PermissionDenied


@dataclass(frozen=True)
class NewPersonRecord:
    """One new person form of a batch: the arguments of
    ``create_person_record`` but the actor and the round."""

    person: Person
    answers: Mapping[str, object]
    survey_method: SurveyMethod | int
    collector: str
    survey_date: date


@dataclass(frozen=True)
class NewCommunityRecord:
    """One new community form of a batch (see ``create_community_record``)."""

    village: Region
    answers: Mapping[str, object]


# Called with an entry's position and its cleaned answers before anything
# is written; ``False`` leaves the entry out.
Accept = Callable[[int, CleanedAnswers], bool]


@dataclass(frozen=True)
class _Prepared:
    village: Region
    bookkeeping: dict[str, Any]
    cleaned: CleanedAnswers


def check_person_records(
    actor: User, round: Round, entries: Sequence[NewPersonRecord]
) -> list[CleanedAnswers | Refusal]:
    """``check_person_record`` for many entries at once: at each entry's
    position the values it would store, or the ``ValidationError`` or
    ``PermissionDenied`` it would raise (same checks, same messages).
    Writes nothing. The role and the round are checked once, the
    residences read in one query, scope and lock once per village."""
    prepared = _prepare_person_records(actor, round, entries)
    return [p.cleaned if isinstance(p, _Prepared) else p for p in prepared]


def create_person_records(
    actor: User,
    round: Round,
    entries: Sequence[NewPersonRecord],
    *,
    accept: Accept | None = None,
) -> list[PersonRecord | Refusal | None]:
    """``create_person_record`` for many new (not draft) records, for
    imports. Each entry is checked as the single service checks it; those
    that pass (and that ``accept``, when given, lets through) are written
    together in one transaction: the records, one
    ``survey.person_record.create`` event each and ``record_saved`` for
    each, in entry order, so that the stored outcome is that of entering
    them one by one. A refused entry never stops or undoes the others: its
    refusal takes its place in the returned list (``None`` where ``accept``
    said no). Queries: residences one, round one, locks one per village
    (before and in the transaction), duplicates one, inserts two, and what
    the ``record_saved`` receivers do."""
    prepared = _prepare_person_records(actor, round, entries)
    results: list[PersonRecord | Refusal | None] = []
    new: dict[int, PersonRecord] = {}
    form = PersonRecord.questionnaire()
    for index, (entry, item) in enumerate(zip(entries, prepared, strict=True)):
        if not isinstance(item, _Prepared):
            results.append(item)
            continue
        results.append(None)
        if accept is not None and not accept(index, item.cleaned):
            continue
        new[index] = PersonRecord(
            round=round,
            person=entry.person,
            village=item.village,
            region_code=item.village.code,
            survey_method=item.bookkeeping[METHOD_ITEM],
            collector=item.bookkeeping[COLLECTOR_ITEM],
            survey_date=entry.survey_date,
            **_new_row(actor, draft=False),
            **columns_of(form, item.cleaned.values),
        )
    written = _insert_many(
        actor,
        round,
        new,
        "person_record",
        key="person_id",
        duplicate_message=_("此人本年度的登记表已经录入，请打开已有记录修改。"),
    )
    for index, outcome in written.items():
        results[index] = outcome
    return results


def _prepare_person_records(
    actor: User, round: Round, entries: Sequence[NewPersonRecord]
) -> list[_Prepared | Refusal]:
    """The steps of ``_prepare_person_record`` for many entries, with the
    same refusals in the same order of checks."""
    try:
        _check_role(actor, ENTRY_ROLES)
        _check_round_status(round)
    except (ValidationError, PermissionDenied) as error:
        return [error for _entry in entries]
    residences = _residences_on(round.reference_date, [e.person for e in entries])
    places: dict[str, Refusal | None] = {}
    prepared: list[_Prepared | Refusal] = []
    for entry in entries:
        try:
            village = _village_of(residences.get(entry.person.pk), round)
            _check_place(actor, round, village.code, places)
            bookkeeping, cleaned = _clean_person_answers(
                round,
                entry.person,
                village,
                entry.answers,
                survey_method=entry.survey_method,
                collector=entry.collector,
                survey_date=entry.survey_date,
                draft=False,
            )
        except (ValidationError, PermissionDenied) as error:
            prepared.append(error)
            continue
        prepared.append(_Prepared(village, bookkeeping, cleaned))
    return prepared


def _residences_on(day: date, persons: Sequence[Person]) -> dict[int, Residence]:
    """The residence of each person covering ``day`` (as ``residence_on``
    finds it), in one query."""
    found: dict[int, Residence] = {}
    residences = (
        Residence.objects.on(day)
        .filter(person_id__in={p.pk for p in persons})
        .select_related("village")
        .order_by("person_id", "valid_from")
    )
    for residence in residences:
        found.setdefault(residence.person_id, residence)
    return found


def _check_place(
    actor: User, round: Round, code: str, places: dict[str, Refusal | None]
) -> None:
    """Scope and lock of a village, checked once per batch (``places``
    remembers the outcome by code)."""
    if code not in places:
        try:
            _check_in_scope(actor, code)
            check_region_unlocked(round, code)
            places[code] = None
        except (ValidationError, PermissionDenied) as error:
            places[code] = error
    refusal = places[code]
    if refusal is not None:
        raise refusal


def check_community_records(
    actor: User, round: Round, entries: Sequence[NewCommunityRecord]
) -> list[CleanedAnswers | Refusal]:
    """``check_community_record`` for many entries, as
    ``check_person_records``."""
    return [
        p.cleaned if isinstance(p, _Prepared) else p
        for p in _prepare_community_records(actor, round, entries)
    ]


def create_community_records(
    actor: User,
    round: Round,
    entries: Sequence[NewCommunityRecord],
    *,
    accept: Accept | None = None,
) -> list[CommunityRecord | Refusal | None]:
    """``create_community_record`` for many new records, as
    ``create_person_records``."""
    prepared = _prepare_community_records(actor, round, entries)
    results: list[CommunityRecord | Refusal | None] = []
    new: dict[int, CommunityRecord] = {}
    form = CommunityRecord.questionnaire()
    for index, (entry, item) in enumerate(zip(entries, prepared, strict=True)):
        if not isinstance(item, _Prepared):
            results.append(item)
            continue
        results.append(None)
        if accept is not None and not accept(index, item.cleaned):
            continue
        new[index] = CommunityRecord(
            round=round,
            village=entry.village,
            region_code=entry.village.code,
            **_new_row(actor, draft=False),
            **columns_of(form, item.cleaned.values),
        )
    written = _insert_many(
        actor,
        round,
        new,
        "community_record",
        key="village_id",
        duplicate_message=_(
            "本村(社区)本年度的社区登记表已经录入，请打开已有记录修改。"
        ),
    )
    for index, outcome in written.items():
        results[index] = outcome
    return results


def _prepare_community_records(
    actor: User, round: Round, entries: Sequence[NewCommunityRecord]
) -> list[_Prepared | Refusal]:
    try:
        _check_role(actor, ENTRY_ROLES)
        _check_round_status(round)
    except (ValidationError, PermissionDenied) as error:
        return [error for _entry in entries]
    form = CommunityRecord.questionnaire()
    places: dict[str, Refusal | None] = {}
    prepared: list[_Prepared | Refusal] = []
    for entry in entries:
        village = entry.village
        try:
            _check_village(village)
            _check_place(actor, round, village.code, places)
            given = _with_fixed_items(
                form, _tidy(form, entry.answers), {REGION_ITEM: village.code}
            )
            derived = community_derived(village.code)
            cleaned = _clean(form, given, derived, complete=True)
            _check_fill_date(round, cleaned.values)
        except (ValidationError, PermissionDenied) as error:
            prepared.append(error)
            continue
        prepared.append(_Prepared(village, {}, cleaned))
    return prepared


def _insert_many(
    actor: User,
    round: Round,
    records: Mapping[int, _Record],
    target_type: str,
    *,
    key: str,
    duplicate_message: str,
) -> dict[int, _Record | Refusal]:
    """``_insert`` for many new records of one kind, keyed by their
    entries' positions: the round and the locks read again, duplicates
    (stored, or twice in ``records`` by ``key``) refused, then one INSERT
    of the rest, their audit events, and ``record_saved`` for each. Should
    the unique constraint catch a record entered meanwhile elsewhere, the
    records are written one by one through ``_insert`` instead."""
    if not records:
        return {}
    model = type(next(iter(records.values())))
    outcome: dict[int, _Record | Refusal] = {}
    with transaction.atomic():
        try:
            _check_round_open(round)
        except ValidationError as error:
            return dict.fromkeys(records, error)
        locks: dict[str, RegionLocked | None] = {}
        for index, record in records.items():
            code = record.region_code
            if code not in locks:
                locks[code] = _lock_of(round, code)
            refusal = locks[code]
            if refusal is not None:
                outcome[index] = refusal
        keys = {getattr(r, key) for i, r in records.items() if i not in outcome}
        # No ordering: the models' default one (by year and region) had
        # SQLite read every record of the round in region order.
        taken = set(
            model._default_manager.filter(round=round, **{f"{key}__in": keys})
            .order_by()
            .values_list(key, flat=True)
        )
        for index, record in records.items():
            if index in outcome:
                continue
            if getattr(record, key) in taken:
                outcome[index] = ValidationError(duplicate_message, code="duplicate")
            taken.add(getattr(record, key))
        writing = {i: r for i, r in records.items() if i not in outcome}
        try:
            with transaction.atomic():
                insert_all(list(writing.values()))
        except IntegrityError:
            return outcome | _insert_each(
                actor, writing, target_type, key, duplicate_message
            )
        insert_all(
            [
                AuditEvent(actor=actor, **_creation_event(record, target_type))
                for record in writing.values()
            ]
        )
        for record in writing.values():
            record_saved.send(model, record=record, actor=actor, changed=None)
    return outcome | writing


def _creation_event(record: SurveyRecord, target_type: str) -> dict[str, Any]:
    """The audit event of a new record, but for its actor."""
    return {
        "action": f"survey.{target_type}.create",
        "target_type": target_type,
        "target_id": str(record.pk),
        "region_code": record.region_code,
        "after": {"version": 1, "status": record.status},
    }


def _lock_of(round: Round, region_code: str) -> RegionLocked | None:
    try:
        check_region_unlocked(round, region_code)
    except RegionLocked as error:
        return error
    return None


def _insert_each(
    actor: User,
    records: Mapping[int, _Record],
    target_type: str,
    key: str,
    duplicate_message: str,
) -> dict[int, _Record | Refusal]:
    """The records one by one through ``_insert``, each in its savepoint."""
    outcome: dict[int, _Record | Refusal] = {}
    for index, record in records.items():
        record.pk = None
        try:
            outcome[index] = _insert(
                actor,
                record,
                target_type,
                duplicate=_same_key(record, key),
                duplicate_message=duplicate_message,
            )
        except ValidationError as error:
            outcome[index] = error
    return outcome


def _same_key(record: SurveyRecord, key: str) -> Callable[[], Any]:
    """The stored records of the round with ``record``'s ``key``."""
    model = type(record)
    lookup = {"round_id": record.round_id, key: getattr(record, key)}
    return lambda: model._default_manager.filter(**lookup)


# --- prefill ---------------------------------------------------------------


@dataclass(frozen=True)
class Prefill:
    """Last round's answers offered as the starting point of a new record.

    ``answers`` holds the items that had a value and exist in this round's
    form, except those describing the visit (``PER_VISIT_ITEMS``); ``items``
    lists them in printed order, so the screen can mark what was changed."""

    year: int
    record_id: int
    answers: Mapping[str, Value]
    items: tuple[str, ...]


def prefill_from_last_round(person: Person, round: Round) -> Prefill | None:
    """The person's saved record of the latest earlier round as a
    ``Prefill``, or ``None`` if there is none (one query). Items are
    matched by id, which keeps its meaning across form versions. The
    caller has fetched ``person`` through the access helpers."""
    last = (
        PersonRecord.objects.filter(
            person=person, round__year__lt=round.year, status=RecordStatus.SAVED
        )
        .select_related("round")
        .order_by("-round__year")
        .first()
    )
    if last is None:
        return None
    form = PersonRecord.questionnaire()
    values = stored_values(type(last).questionnaire(), last)
    items = tuple(
        item.id
        for item in form.items
        if values.get(item.id) is not None and item.id not in PER_VISIT_ITEMS
    )
    answers = {item_id: values[item_id] for item_id in items}
    return Prefill(last.round.year, last.pk, answers, items)


# --- shared steps ----------------------------------------------------------


@dataclass(frozen=True)
class _Correction:
    reason: str
    responsible_person: str
    batch_id: uuid.UUID | None


@dataclass(frozen=True)
class _Update:
    """What an update expects and does: the version the caller loaded, the
    status the record must have, whether it must be complete, and for a
    saved record the correction's reason and responsible person."""

    expected_version: int
    status: RecordStatus
    complete: bool
    correction: _Correction | None = None


def _check_role(actor: User, roles: tuple[Role, ...]) -> None:
    if not actor.has_role(*roles):
        names = "、".join(str(role.label) for role in roles)
        raise PermissionDenied(
            _("只有%(roles)s可以录入或修改登记表。") % {"roles": names}
        )


def _check_in_scope(actor: User, code: str) -> None:
    if not is_in_scope(actor, code):
        raise PermissionDenied(_("这份登记表不在您的管辖范围内。"))


def _required_text(text: str, label: str, max_length: int = REASON_MAX_LENGTH) -> str:
    """``text`` cleaned like a one-line answer; refused when nothing visible
    is left or it is too long."""
    cleaned = clean_text(text if isinstance(text, str) else "")
    if not cleaned:
        raise ValidationError(
            _("请填写%(label)s。") % {"label": label}, code="required"
        )
    if len(cleaned) > max_length:
        raise ValidationError(
            _("%(label)s不能超过%(max)s个字。") % {"label": label, "max": max_length},
            code="too_long",
        )
    return cleaned


def _with_fixed_items(
    form: Questionnaire, answers: Mapping[str, object], fixed: Mapping[str, Any]
) -> dict[str, object]:
    """``answers`` with the items the service fills; an answer given for
    one of them that says otherwise is refused, item by item."""
    conflicts = {
        item_id: _("%(number)s %(label)s：与录入时选择的“%(value)s”不一致。")
        % {
            "number": form.item(item_id).number,
            "label": form.item(item_id).label,
            "value": value,
        }
        for item_id, value in fixed.items()
        if not _agrees(answers.get(item_id), value)
    }
    if conflicts:
        raise ValidationError(conflicts)
    return {**answers, **fixed}


def _agrees(given: object, fixed: object) -> bool:
    """Whether an answer is absent or, once normalised, equals ``fixed``."""
    try:
        value = normalize_value(given)
    except EvaluationError:
        return False
    return value is None or value == fixed


def clean_text(text: str, *, multiline: bool = False) -> str:
    """``text`` without control and format characters (zero-width marks,
    byte order marks, bidi overrides, NUL) or lone surrogates, and with its
    spacing tidied: one line with single spaces, or with ``multiline`` the
    line breaks kept and each line tidied. Empty when nothing visible is
    left; such an answer counts as missing."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in re.split("[\n\u2028\u2029\x85]", text):
        kept = "".join(
            " " if char.isspace() else char
            for char in line
            if char.isspace() or unicodedata.category(char) not in _INVISIBLE_CATEGORIES
        )
        lines.append(" ".join(kept.split()))
    if not multiline:
        return " ".join(line for line in lines if line)
    return "\n".join(lines).strip("\n")


def _tidy(form: Questionnaire, answers: Mapping[str, object]) -> dict[str, object]:
    """The answers with text cleaned (``clean_text``) and identifiers
    normalised (``normalize_identifier``: full-width folded, lowercase
    ``x`` upper-cased, invisible characters removed); blank ones become
    ``None``. Other answers and unknown items are left to ``clean_answers``."""
    items = {item.id: item for item in form.items}
    tidy = dict(answers)
    for item_id, value in answers.items():
        item = items.get(item_id)
        if item is None or not isinstance(value, str):
            continue
        if item.type == ItemType.TEXT:
            long = (item.max_length or 0) >= LONG_TEXT_LENGTH
            tidy[item_id] = clean_text(value, multiline=long) or None
        elif item.type == ItemType.IDENTIFIER:
            tidy[item_id] = normalize_identifier(value) or None
    return tidy


def _identifier_errors(
    form: Questionnaire, values: Mapping[str, Value], holder: Person | None
) -> dict[str, list[str]]:
    """Check the identifier items that have a value: the certificate number
    (R2) must be valid and the holder's own, an identity number (F2) valid,
    any other the item's pattern. Warnings (an unknown address code) do not
    block."""
    errors: dict[str, list[str]] = {}
    for item in form.items:
        value = values.get(item.id)
        if item.type != ItemType.IDENTIFIER or item.id == REGION_ITEM:
            continue
        if not isinstance(value, str):
            continue
        found = _identifier_problems(item, value, holder)
        if found:
            errors[item.id] = [
                _("%(number)s %(label)s：%(problem)s")
                % {"number": item.number, "label": item.label, "problem": problem}
                for problem in found
            ]
    return errors


def _identifier_problems(item: Item, value: str, holder: Person | None) -> list[str]:
    if item.id in CERTIFICATE_ITEMS:
        check = check_certificate_number(value)
        if not check.ok:
            return [problem.message for problem in check.errors]
        if holder is not None and check.value != holder.certificate_number:
            return [
                _(
                    "与此人残疾人证上的证号不一致。登记表只能登记证件持有人本人，"
                    "请核对证号；证号确有变更的，请先更正持证残疾人信息。"
                )
            ]
        return []
    if item.id in ID_NUMBER_ITEMS:
        id_check = check_id_number(value)
        return [problem.message for problem in id_check.errors]
    if item.pattern and not re.search(item.pattern, value):
        return [_("号码的位数或格式不对，请对照登记表核对。")]
    return []


def _clean(
    form: Questionnaire,
    answers: Mapping[str, object],
    derived: Mapping[str, object],
    *,
    complete: bool,
    holder: Person | None = None,
) -> CleanedAnswers:
    """Apply the skip logic; refuse answer problems, identifiers that are
    not valid (or, for the certificate number, not ``holder``'s), and
    unanswered required items when ``complete``, with one message per item."""
    cleaned = clean_answers(form, answers, derived)
    errors: dict[str, list[str]] = {}
    for problem in cleaned.problems:
        errors.setdefault(problem.item_id, []).append(problem.message)
    for item_id, found in _identifier_errors(form, cleaned.values, holder).items():
        errors.setdefault(item_id, []).extend(found)
    if complete:
        for item_id in cleaned.missing_required:
            item = form.item(item_id)
            errors.setdefault(item_id, []).append(
                _("%(number)s %(label)s：此项必须填写。")
                % {"number": item.number, "label": item.label}
            )
    if errors:
        raise ValidationError(errors)
    return cleaned


def _new_row(actor: User, draft: bool) -> dict[str, Any]:
    return {
        "status": RecordStatus.DRAFT if draft else RecordStatus.SAVED,
        "version": 1,
        "entered_by": actor,
        "updated_by": actor,
        "updated_at": timezone.now(),
    }


def _insert(
    actor: User,
    record: _Record,
    target_type: str,
    *,
    duplicate: Callable[[], Any],
    duplicate_message: str,
) -> _Record:
    """Save a new record after the round and lock checks, with its audit
    event. A second record for the same person or village is refused; the
    unique constraint catches the one that slips past the check."""
    try:
        with transaction.atomic():
            _check_round_open(record.round)
            check_region_unlocked(record.round, record.region_code)
            if duplicate().exists():
                raise ValidationError(duplicate_message, code="duplicate")
            record.save(force_insert=True)
            record_event(actor=actor, **_creation_event(record, target_type))
            record_saved.send(type(record), record=record, actor=actor, changed=None)
    except IntegrityError:
        if duplicate().exists():
            raise ValidationError(duplicate_message, code="duplicate") from None
        raise
    return record


def _check_round_open(round: Round) -> None:
    """Re-read the round's status: it may have closed since it was loaded."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status FROM {Round._meta.db_table} WHERE id = %s",  # noqa: S608
            [round.pk],
        )
        (status,) = cursor.fetchone()
    _check_round_status(round, status)


def _check_round_status(round: Round, status: str | None = None) -> None:
    """Refuse unless the round (as loaded, or ``status``) is open."""
    status = round.status if status is None else status
    if status != RoundStatus.OPEN:
        raise ValidationError(
            _("%(year)s年度动态更新%(status)s，现在不能录入或修改登记表。")
            % {"year": round.year, "status": RoundStatus(status).label},
            code="round_status",
        )


def _update(
    actor: User,
    record: _Record,
    answers: Mapping[str, object],
    update: _Update,
    *,
    derive: Callable[[_Record], dict[str, object]],
) -> RecordChange | None:
    """The steps of every change to a stored record, in one transaction:
    round, lock, locked row, version, status; merge the answers over the
    stored values and clean them; write only when something changed, with
    ``WHERE version = expected``; history row and audit event."""
    model = type(record)
    form = model.questionnaire()
    with transaction.atomic():
        _check_round_open(record.round)
        check_region_unlocked(record.round, record.region_code)
        current = model._default_manager.select_for_update().get(pk=record.pk)
        _check_version(current, update.expected_version)
        _check_status(current, update.status)

        old = stored_values(form, current)
        fixed = _fixed_items(current)
        given = _with_fixed_items(form, {**old, **_tidy(form, answers)}, fixed)
        holder = current.person if isinstance(current, PersonRecord) else None
        cleaned = _clean(
            form, given, derive(current), complete=update.complete, holder=holder
        )
        changes = changed_items(form, old, cleaned.values)
        finishing = update.status == RecordStatus.DRAFT and update.complete
        if not changes and not finishing:
            return None

        _write(actor, current, form, cleaned, update)
        change = _history(actor, current, changes, update)
        _audit_update(actor, current, changes, update)
        current.refresh_from_db()
        record_saved.send(
            model,
            record=current,
            actor=actor,
            changed=frozenset(c.item_id for c in changes),
        )
    record.refresh_from_db()
    return change


def _fixed_items(record: SurveyRecord) -> dict[str, Any]:
    """Items a change may not alter: the village the record belongs to."""
    return {REGION_ITEM: record.region_code}


def _check_version(record: SurveyRecord, expected_version: int) -> None:
    if record.version == expected_version:
        return
    who = record.updated_by.display_name or record.updated_by.username
    raise VersionConflict(
        _(
            "这份登记表已由%(who)s于%(time)s保存（第%(version)s版），您打开的是"
            "第%(expected)s版。为避免覆盖别人的修改，本次保存未生效：请重新打开"
            "记录，再录入您的修改。"
        )
        % {
            "who": who,
            "time": _clock(record.updated_at),
            "version": record.version,
            "expected": expected_version,
        },
        code="conflict",
    )


def _clock(moment: datetime) -> str:
    """HH:MM in China, with the date when it was not today."""
    local = timezone.localtime(moment)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def _check_status(record: SurveyRecord, expected: RecordStatus) -> None:
    if record.status == expected:
        return
    if expected == RecordStatus.SAVED:
        message = _(
            "这份登记表还是草稿，请先完成录入并保存，之后的修改才需要填写更正原因。"
        )
    else:
        message = _("这份登记表已经保存，修改须作为数据更正，填写更正原因和责任人。")
    raise ValidationError(message, code="record_status")


def _write(
    actor: User,
    record: SurveyRecord,
    form: Questionnaire,
    cleaned: CleanedAnswers,
    update: _Update,
) -> None:
    """One conditional UPDATE of the row; refuses if the version moved."""
    values = cleaned.values
    columns = columns_of(form, values)
    if isinstance(record, PersonRecord):
        columns |= _person_mirror(record.round, values)
    else:
        _check_fill_date(record.round, values)
    status = RecordStatus.SAVED if update.complete else RecordStatus.DRAFT
    written = (
        type(record)
        ._default_manager.filter(pk=record.pk, version=update.expected_version)
        .update(
            **columns,
            status=status,
            version=update.expected_version + 1,
            updated_by=actor,
            updated_at=timezone.now(),
        )
    )
    if written != 1:
        record.refresh_from_db()
        _check_version(record, update.expected_version)
    record.version = update.expected_version + 1
    record.status = status


def _person_mirror(round: Round, values: Mapping[str, Value]) -> dict[str, Any]:
    """The bookkeeping columns that repeat items H2, F4 and F5."""
    method, collector, day = (
        values[METHOD_ITEM],
        values[COLLECTOR_ITEM],
        values[DATE_ITEM],
    )
    if (
        not isinstance(method, int)
        or isinstance(method, bool)
        or method not in SurveyMethod.values
    ):
        raise ValidationError(
            _("请选择调查方式：入户、见面、电话或失访。"), code="method"
        )
    if not isinstance(collector, str):
        raise ValidationError(_("请填写信息采集员。"), code="required")
    _check_survey_date(round, day)
    return {"survey_method": method, "collector": collector, "survey_date": day}


def _history(
    actor: User,
    record: SurveyRecord,
    changes: tuple[ItemChange, ...],
    update: _Update,
) -> RecordChange | None:
    """The history row of a correction to a saved record."""
    if update.correction is None or not changes:
        return None
    kind = "person_record" if isinstance(record, PersonRecord) else "community_record"
    owner: dict[str, SurveyRecord] = {kind: record}
    return RecordChange.objects.create(
        round_id=record.round_id,
        region_code=record.region_code,
        version=record.version,
        items=[
            {"item": c.item_id, "old": to_json(c.old), "new": to_json(c.new)}
            for c in changes
        ],
        changed_by=actor,
        reason=update.correction.reason,
        responsible_person=update.correction.responsible_person,
        batch_id=update.correction.batch_id,
        **owner,
    )


def _audit_update(
    actor: User,
    record: SurveyRecord,
    changes: tuple[ItemChange, ...],
    update: _Update,
) -> None:
    target_type = (
        "person_record" if isinstance(record, PersonRecord) else "community_record"
    )
    verb = "change" if update.correction else "draft"
    correction = update.correction
    after: dict[str, object] = {
        "version": record.version,
        "status": record.status,
        "items": [c.item_id for c in changes],
    }
    if correction is not None and correction.batch_id is not None:
        after["batch_id"] = str(correction.batch_id)
    record_event(
        actor=actor,
        action=f"survey.{target_type}.{verb}",
        target_type=target_type,
        target_id=str(record.pk),
        region_code=record.region_code,
        before={"version": update.expected_version, "status": update.status.value},
        after=after,
        reason=correction.reason if correction else "",
    )
