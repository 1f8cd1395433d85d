"""The submission workflow as services (第二十七、二十八、三十五条).

Each function takes the acting user, runs in one transaction, checks the
submission's state and the actor's role and region, and writes a
``SubmissionEvent`` and an audit event. County, prefecture and province
submit; the level above accepts or returns (through ``dtgx.quality``,
which draws and checks the spot-check sample first).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dtgx.accounts import authenticator
from dtgx.accounts.audit import record_event
from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.regions.codes import Level, ancestor_codes, level_of, parent_code, prefix_of
from dtgx.regions.models import Region
from dtgx.reporting.models import (
    Signature,
    SignatureKind,
    Snapshot,
    Submission,
    SubmissionEvent,
    SubmissionStatus,
)
from dtgx.reporting.policy import policy_for, second_factor_required
from dtgx.reporting.report import (
    build_validation_report,
    children_digest,
    records_digest,
)
from dtgx.survey.models import PersonRecord, RecordStatus, RegionLock, Round
from dtgx.validation.models import Finding, FindingStatus

# Levels that submit to the level above; the nation receives.
SUBMITTING_LEVELS = (Level.COUNTY, Level.PREFECTURE, Level.PROVINCE)
SIGNATURE_ROLES = {
    SignatureKind.DEPUTY_SECRETARY_GENERAL: Role.DEPUTY_SECRETARY_GENERAL,
    SignatureKind.FEDERATION_CHAIRMAN: Role.FEDERATION_CHAIRMAN,
}
REVIEW_ROLES = (Role.AUDITOR, Role.OFFICE_DIRECTOR)
# The code prefix width of the submitting regions one level below.
CHILD_PREFIX = {Level.PREFECTURE: 6, Level.PROVINCE: 4}
# Stored with the lock (the lock message quotes it): the submission's state.
LOCK_REASON = "已上报"
ACCEPTED_LOCK_REASON = "已验收"


class SubmissionRefused(ValidationError):
    """A transition refused, with every reason that blocks it."""


# --- Lookups ---------------------------------------------------------------------


def submission_for(round: Round, region_code: str) -> Submission:
    """The region's submission of the round, created 准备中 if new."""
    _check_submitting_region(region_code)
    submission, _created = Submission.objects.get_or_create(
        round=round, region_code=region_code
    )
    return submission


def reviewing_region(region_code: str) -> str:
    """The region whose level accepts ``region_code``'s submission."""
    parent = parent_code(region_code)
    assert parent is not None, "the nation does not submit"
    return parent


def submitting_children(round: Round, region_code: str) -> list[Region]:
    """The regions one submitting level below ``region_code`` (counties of
    a prefecture, prefectures of a province) that hold records of the
    round."""
    width = CHILD_PREFIX.get(level_of(region_code))
    if width is None:
        return []
    prefix = prefix_of(region_code)
    with_data = {
        code[:width]
        for code in PersonRecord.objects.filter(
            round=round, region_code__startswith=prefix
        )
        .values_list("region_code", flat=True)
        .distinct()
    }
    codes = sorted(part.ljust(12, "0") for part in with_data)
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    return [found[code] for code in codes if code in found]


# --- Prepare ---------------------------------------------------------------------


def prepare_submission(actor: User, round: Round, region_code: str) -> Snapshot:
    """Freeze the region's data for signing: 准备中 or 已退回 → 待签字.

    Refused, listing every reason, while records are drafts, errors
    (错误) are open or queries (疑问) unverified, or (prefecture and up) a
    region below with data has not been accepted. The snapshot holds the
    digest, the summary tables and the validation report."""
    _check_office_director(actor, region_code)
    submission = submission_for(round, region_code)
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        _check_status(
            submission, (SubmissionStatus.PREPARING, SubmissionStatus.RETURNED)
        )
        blockers = _blockers(round, region_code)
        if blockers:
            raise SubmissionRefused(blockers, code="blocked")

        snapshot = _freeze(actor, submission)
        _move(
            actor,
            submission,
            SubmissionStatus.AWAITING_SIGNATURES,
            "prepare",
            cycle=submission.cycle + 1,
        )
    return snapshot


def preparation_blockers(round: Round, region_code: str) -> list[str]:
    """What ``prepare_submission`` would refuse for now, computed without
    changing anything (for the submission page's preview)."""
    return _blockers(round, region_code)


def _blockers(round: Round, region_code: str) -> list[str]:
    prefix = prefix_of(region_code)
    blockers: list[str] = []
    drafts = PersonRecord.objects.filter(
        round=round, region_code__startswith=prefix, status=RecordStatus.DRAFT
    ).count()
    if drafts:
        blockers.append(
            _("还有%(n)s份登记表是草稿，请完成录入后再准备上报。") % {"n": drafts}
        )
    open_findings = Finding.objects.filter(
        round=round, region_code__startswith=prefix, status=FindingStatus.OPEN
    )
    errors = open_findings.filter(severity="error").count()
    if errors:
        blockers.append(
            _("还有%(n)s条错误数据未更正，请在审核发现中逐条更正。") % {"n": errors}
        )
    queries = open_findings.filter(severity="query").count()
    if queries:
        blockers.append(
            _("还有%(n)s条疑问数据未核实，请审核员核实并填写说明。") % {"n": queries}
        )
    for child in submitting_children(round, region_code):
        status = (
            Submission.objects.filter(round=round, region_code=child.code)
            .values_list("status", flat=True)
            .first()
        )
        if status != SubmissionStatus.ACCEPTED:
            label = SubmissionStatus(status).label if status else _("未开始上报")
            blockers.append(
                _("%(region)s的数据尚未验收（当前：%(status)s）。")
                % {"region": child.name, "status": label}
            )
    return blockers


def _freeze(actor: User, submission: Submission) -> Snapshot:
    from dtgx.reporting.summary import compute_all

    round, code = submission.round, submission.region_code
    accepted = accepted_children(round, code)
    if level_of(code) == Level.COUNTY:
        digest, persons, communities = records_digest(round, code)
        summary = compute_all(round, code)
    else:
        digest = children_digest((s.region_code, _accepted_digest(s)) for s in accepted)
        persons = sum(_accepted_snapshot(s).person_records for s in accepted)
        communities = sum(_accepted_snapshot(s).community_records for s in accepted)
        regions = [prefix_of(s.region_code) for s in accepted]
        summary = compute_all(round, code, regions=regions)
    return Snapshot.objects.create(
        submission=submission,
        cycle=submission.cycle + 1,
        digest=digest,
        person_records=persons,
        community_records=communities,
        summary=[table.to_json() for table in summary],
        report=build_validation_report(round, code),
        created_by=actor,
    )


def accepted_children(round: Round, region_code: str) -> list[Submission]:
    """The accepted submissions one submitting level below."""
    codes = [r.code for r in submitting_children(round, region_code)]
    return list(
        Submission.objects.filter(
            round=round, region_code__in=codes, status=SubmissionStatus.ACCEPTED
        ).order_by("region_code")
    )


def _accepted_snapshot(submission: Submission) -> Snapshot:
    snapshot = submission.current_snapshot
    assert snapshot is not None, "an accepted submission has a snapshot"
    return snapshot


def _accepted_digest(submission: Submission) -> str:
    return _accepted_snapshot(submission).digest


# --- Signatures --------------------------------------------------------------------


def required_signatures(region_code: str) -> list[SignatureKind]:
    """双签字, and the validation report's where the province asks for it."""
    kinds = [SignatureKind.DEPUTY_SECRETARY_GENERAL, SignatureKind.FEDERATION_CHAIRMAN]
    if policy_for(region_code).validation_report_required:
        kinds.append(SignatureKind.VALIDATION_REPORT)
    return kinds


def signer_role(region_code: str, kind: SignatureKind) -> Role:
    if kind == SignatureKind.VALIDATION_REPORT:
        return policy_for(region_code).validation_report_signer
    return SIGNATURE_ROLES[kind]


def sign_submission(
    actor: User,
    submission: Submission,
    kind: SignatureKind | str,
    *,
    password: str,
    digest: str,
    second_factor_code: str = "",
) -> Signature:
    """Sign the current snapshot: the official of the level whose role the
    signature needs, after re-entering the password, on the digest shown
    to them (a digest that no longer matches is refused). Where the
    province asks for a second factor, also with a current, unused code of
    the official's authenticator app, used up by the signature."""
    kind = SignatureKind(kind)
    code = submission.region_code
    if kind not in required_signatures(code):
        raise ValidationError(
            _("本省不要求%(kind)s。") % {"kind": kind.label}, code="kind"
        )
    role = signer_role(code, kind)
    if not (actor.has_role(role) and actor.region_id == code):
        raise PermissionDenied(
            _("%(kind)s须由本级%(role)s本人完成。")
            % {"kind": kind.label, "role": role.label}
        )
    if not actor.check_password(password or ""):
        raise ValidationError(
            _("密码不正确，请重新输入您的登录密码后签字。"), code="password"
        )

    with transaction.atomic():
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        _check_status(current, (SubmissionStatus.AWAITING_SIGNATURES,))
        snapshot = current.current_snapshot
        if snapshot is None or snapshot.digest != (digest or "").strip().lower():
            raise ValidationError(
                _(
                    "数据摘要与当前上报快照不一致，数据可能已经变化：请刷新页面，"
                    "核对新的摘要后再签字。"
                ),
                code="digest",
            )
        if snapshot.signatures.filter(kind=kind, voided_at__isnull=True).exists():
            raise ValidationError(
                _("%(kind)s已经完成，无需重复签字。") % {"kind": kind.label},
                code="signed",
            )
        if second_factor_required(code):
            authenticator.check_code(actor, second_factor_code)
        signature = Signature.objects.create(
            snapshot=snapshot,
            kind=kind,
            signer=actor,
            signer_name=actor.display_name or actor.username,
            digest=snapshot.digest,
        )
        _event(actor, current, "sign", current.status, reason=str(kind.label))
    return signature


def missing_signatures(submission: Submission) -> list[SignatureKind]:
    snapshot = submission.current_snapshot
    signed = (
        set(
            snapshot.signatures.filter(voided_at__isnull=True).values_list(
                "kind", flat=True
            )
        )
        if snapshot
        else set()
    )
    return [k for k in required_signatures(submission.region_code) if k not in signed]


def void_signatures_after_change(round: Round, region_code: str, actor: User) -> None:
    """A record of ``region_code`` changed: every snapshot of a region
    above it that waits for signatures no longer shows the data, so it and
    its signatures are voided and the submission goes back to 准备中."""
    codes = [*ancestor_codes(region_code), region_code]
    if not _any_waiting(round, codes):
        return
    waiting = Submission.objects.select_for_update().filter(
        round=round,
        region_code__in=codes,
        status=SubmissionStatus.AWAITING_SIGNATURES,
    )
    now = timezone.now()
    reason = _("签字后登记表被修改，快照和签字已作废，请重新准备上报。")
    for submission in waiting:
        snapshots = submission.snapshots.filter(voided_at__isnull=True)
        Signature.objects.filter(snapshot__in=snapshots, voided_at__isnull=True).update(
            voided_at=now
        )
        snapshots.update(voided_at=now, void_reason=reason)
        _move(actor, submission, SubmissionStatus.PREPARING, "void", reason=reason)


def _any_waiting(round: Round, codes: list[str]) -> bool:
    """Whether a region of ``codes`` waits for signatures: asked on every
    save, in plain SQL (the ORM spent ten times longer composing it)."""
    marks = ", ".join(["%s"] * len(codes))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Submission._meta.db_table} "  # noqa: S608 (our table)
            f"WHERE round_id = %s AND status = %s AND region_code IN ({marks}) "
            "LIMIT 1",
            [round.pk, SubmissionStatus.AWAITING_SIGNATURES.value, *codes],
        )
        return cursor.fetchone() is not None


# --- Submit ------------------------------------------------------------------------


def submit_submission(actor: User, submission: Submission) -> None:
    """待签字 → 已上报, once every required signature is on the current
    snapshot and the records still match its digest; locks the region's
    records of the round until the level above returns them."""
    _check_office_director(actor, submission.region_code)
    with transaction.atomic():
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        _check_status(current, (SubmissionStatus.AWAITING_SIGNATURES,))
        missing = missing_signatures(current)
        if missing:
            raise SubmissionRefused(
                [_("还缺少%(kind)s。") % {"kind": kind.label} for kind in missing],
                code="unsigned",
            )
        snapshot = current.current_snapshot
        assert snapshot is not None
        if level_of(current.region_code) == Level.COUNTY:
            digest, _persons, _communities = records_digest(
                current.round, current.region_code
            )
            if digest != snapshot.digest:
                raise SubmissionRefused(
                    [_("数据已在签字后变化，请重新准备上报并签字。")], code="changed"
                )
        RegionLock.objects.get_or_create(
            round=current.round,
            region_code=current.region_code,
            defaults={"reason": LOCK_REASON, "locked_by": actor},
        )
        _move(actor, current, SubmissionStatus.SUBMITTED, "submit")
    submission.refresh_from_db()


# --- Review (called by dtgx.quality) -----------------------------------------------


def begin_review(actor: User, submission: Submission) -> None:
    """已上报 → 验收中, when the level above draws its spot-check sample."""
    _check_reviewer(actor, submission, REVIEW_ROLES)
    with transaction.atomic():
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        _check_status(current, (SubmissionStatus.SUBMITTED,))
        _move(actor, current, SubmissionStatus.REVIEWING, "review")
    submission.refresh_from_db()


def accept_submission(actor: User, submission: Submission, *, note: str) -> None:
    """验收中 → 已验收 by the office director of the level above; the
    records stay locked. ``dtgx.quality`` calls it once the spot check
    is complete."""
    _check_reviewer(actor, submission, (Role.OFFICE_DIRECTOR,))
    with transaction.atomic():
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        _check_status(current, (SubmissionStatus.REVIEWING,))
        RegionLock.objects.filter(
            round=current.round, region_code=current.region_code
        ).update(reason=ACCEPTED_LOCK_REASON)
        _move(actor, current, SubmissionStatus.ACCEPTED, "accept", reason=note)
    submission.refresh_from_db()


def return_submission(actor: User, submission: Submission, *, reason: str) -> None:
    """已上报 or 验收中 → 已退回, with written reasons shown to the lower
    level; its records are unlocked for correction."""
    _check_reviewer(actor, submission, (Role.OFFICE_DIRECTOR,))
    text = " ".join((reason or "").split())
    if len(text) < 4:
        raise ValidationError(
            _("请写明退回原因（至少4个字），说明需要核查和更正的问题。"),
            code="reason",
        )
    with transaction.atomic():
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        _check_status(current, (SubmissionStatus.SUBMITTED, SubmissionStatus.REVIEWING))
        RegionLock.objects.filter(
            round=current.round, region_code=current.region_code
        ).delete()
        current.return_reason = text[:500]
        _move(actor, current, SubmissionStatus.RETURNED, "return", reason=text)
    submission.refresh_from_db()


# --- Checks and transitions ---------------------------------------------------------


def _check_submitting_region(region_code: str) -> None:
    if level_of(region_code) not in SUBMITTING_LEVELS:
        raise ValidationError(_("只有县级、市级和省级汇总上报数据。"), code="level")


def _check_office_director(actor: User, region_code: str) -> None:
    _check_submitting_region(region_code)
    if not (actor.has_role(Role.OFFICE_DIRECTOR) and actor.region_id == region_code):
        raise PermissionDenied(_("只有本级动态更新办主任可以准备和上报数据。"))


def _check_reviewer(actor: User, submission: Submission, roles: Iterable[Role]) -> None:
    upper = reviewing_region(submission.region_code)
    if not (actor.has_role(*roles) and actor.region_id == upper):
        names = "、".join(str(role.label) for role in roles)
        raise PermissionDenied(
            _("只有上一级的%(roles)s可以验收或退回。") % {"roles": names}
        )


def _check_status(
    submission: Submission, allowed: tuple[SubmissionStatus, ...]
) -> None:
    if submission.status in allowed:
        return
    raise ValidationError(
        _("当前状态是“%(status)s”，不能进行这一步（需要：%(allowed)s）。")
        % {
            "status": SubmissionStatus(submission.status).label,
            "allowed": "、".join(str(s.label) for s in allowed),
        },
        code="status",
    )


def _move(
    actor: User | None,
    submission: Submission,
    to: SubmissionStatus,
    action: str,
    *,
    cycle: int | None = None,
    reason: str = "",
) -> None:
    before = submission.status
    submission.status = to
    if cycle is not None:
        submission.cycle = cycle
    submission.save(update_fields=["status", "cycle", "return_reason", "updated_at"])
    _event(actor, submission, action, before, reason=reason)


def _event(
    actor: User | None,
    submission: Submission,
    action: str,
    before: str,
    *,
    reason: str = "",
) -> None:
    SubmissionEvent.objects.create(
        submission=submission,
        cycle=submission.cycle,
        action=action,
        from_status=before,
        to_status=submission.status,
        actor=actor,
        reason=reason[:500],
    )
    after: dict[str, Any] = {"status": submission.status, "cycle": submission.cycle}
    record_event(
        actor=actor,
        action=f"reporting.submission.{action}",
        target_type="submission",
        target_id=str(submission.pk),
        region_code=submission.region_code,
        before={"status": before},
        after=after,
        reason=reason,
    )
