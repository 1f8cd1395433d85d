"""Submission pages: a region's submission of a round (status, what blocks
preparing, the snapshot, signatures, validation report, summary tables,
history), the signature form, and the live summary tables with export.

Views parse, fetch through ``dtgx.reporting.access``, call a service and
render. A refusal (``ValidationError``) is shown in the page in Chinese;
an action the user's role may not take is a 403 page. The pages show
figures and statuses only, no personal data.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dtgx.accounts import services as account_services
from dtgx.accounts.access import acting_user, get_region_or_404
from dtgx.accounts.audit import log_access
from dtgx.accounts.models import AccessAction
from dtgx.exports.responses import XLSX_CONTENT_TYPE, download_response
from dtgx.regions.codes import Level, level_of
from dtgx.regions.models import Region
from dtgx.reporting import access, services
from dtgx.reporting.forms import SignForm
from dtgx.reporting.models import (
    Signature,
    SignatureKind,
    Snapshot,
    Submission,
    SubmissionEvent,
    SubmissionStatus,
)
from dtgx.reporting.policy import second_factor_required
from dtgx.reporting.report import build_validation_report
from dtgx.reporting.summary import TableResult, compute_all, write_summary_xlsx
from dtgx.survey import access as survey_access
from dtgx.survey.models import Round
from dtgx.validation.models import SeverityChoice

PREPARABLE = (SubmissionStatus.PREPARING, SubmissionStatus.RETURNED)
XLSX_SPOOL_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ShownEvent:
    """A history row with its action and statuses in words."""

    event: SubmissionEvent
    action: str
    from_status: str
    to_status: str


def _action_labels() -> dict[str, str]:
    return {
        "prepare": _("准备上报"),
        "sign": _("签字"),
        "void": _("快照和签字作废"),
        "submit": _("上报"),
        "review": _("开始验收（抽样）"),
        "accept": _("验收通过"),
        "return": _("退回"),
    }


def _status_label(value: str) -> str:
    try:
        return str(SubmissionStatus(value).label)
    except ValueError:
        return value


# --- the submission page ------------------------------------------------------


@dataclass
class _Page:
    round: Round
    region: Region
    submission: Submission | None


def _load(request: HttpRequest, year: int, code: str) -> _Page:
    user = acting_user(request)
    round = survey_access.get_round_or_404(user, year)
    region = access.get_submitting_region_or_404(user, code)
    return _Page(round, region, access.find_submission(round, region))


@login_required
def submission(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """The region's submission of the round and what to do next."""
    return _submission_page(request, _load(request, year, code))


def _submission_page(
    request: HttpRequest, page: _Page, *, refusal: list[str] | None = None
) -> HttpResponse:
    user = acting_user(request)
    round, region, submission = page.round, page.region, page.submission
    status = submission.status if submission else SubmissionStatus.PREPARING
    snapshot = _latest_snapshot(submission)
    kinds = access.signable_kinds(user, submission)
    director = access.may_prepare(user, region)
    missing = services.missing_signatures(submission) if submission else []
    awaiting = status == SubmissionStatus.AWAITING_SIGNATURES

    context: dict[str, Any] = {
        "round": round,
        "region": region,
        "submission": submission,
        "status_label": _status_label(status),
        "returned": status == SubmissionStatus.RETURNED,
        "blockers": (
            services.preparation_blockers(round, region.code)
            if status in PREPARABLE
            else []
        ),
        "refusal": refusal or [],
        "may_prepare": director and status in PREPARABLE,
        "sign_kinds": kinds,
        "missing": [kind.label for kind in missing] if awaiting else [],
        "may_submit": director and awaiting and not missing,
        "snapshot": snapshot,
        "signatures": _signatures(submission),
        "report": _report(round, region, snapshot),
        "report_is_live": snapshot is None,
        "tables": _tables(snapshot),
        "events": _events(submission),
        "reviews": level_of(region.code) != Level.COUNTY,
    }
    return render(request, "reporting/submission.html", context)


def _latest_snapshot(submission: Submission | None) -> Snapshot | None:
    """The newest snapshot (perhaps voided: the page says so)."""
    if submission is None:
        return None
    return submission.snapshots.select_related("created_by").order_by("-id").first()


def _signatures(submission: Submission | None) -> list[Signature]:
    """Every signature of every cycle, voided ones included."""
    if submission is None:
        return []
    return list(
        Signature.objects.filter(snapshot__submission=submission)
        .select_related("snapshot")
        .order_by("signed_at", "id")
    )


def _report(round: Round, region: Region, snapshot: Snapshot | None) -> dict[str, Any]:
    """The snapshot's validation report, or the live one before any."""
    report = (
        dict(snapshot.report)
        if snapshot
        else build_validation_report(round, region.code)
    )
    report["findings"] = [
        {**row, "severity_label": _severity_label(row.get("severity", ""))}
        for row in report.get("findings", [])
    ]
    return report


def _severity_label(value: str) -> str:
    try:
        return str(SeverityChoice(value).label)
    except ValueError:
        return value


def _tables(snapshot: Snapshot | None) -> list[TableResult]:
    if snapshot is None or not isinstance(snapshot.summary, list):
        return []
    return [TableResult.from_json(table) for table in snapshot.summary]


def _events(submission: Submission | None) -> list[ShownEvent]:
    if submission is None:
        return []
    labels = _action_labels()
    events = submission.events.select_related("actor").order_by("at", "id")
    return [
        ShownEvent(
            event,
            labels.get(event.action, event.action),
            _status_label(event.from_status),
            _status_label(event.to_status),
        )
        for event in events
    ]


def _messages_of(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


# --- prepare and submit -------------------------------------------------------


@login_required
@require_POST
def prepare(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """准备上报: freeze the snapshot, or show every reason that blocks it."""
    user = acting_user(request)
    page = _load(request, year, code)
    if not access.may_prepare(user, page.region):
        raise PermissionDenied(_("只有本级动态更新办主任可以准备上报。"))

    try:
        snapshot = services.prepare_submission(user, page.round, page.region.code)
    except ValidationError as error:
        return _submission_page(request, page, refusal=_messages_of(error))

    messages.success(
        request,
        _("已准备上报：数据已冻结，摘要%(digest)s。请通知签字人签字。")
        % {"digest": snapshot.digest[:16]},
    )
    return redirect("reporting:submission", year=year, code=page.region.code)


@login_required
@require_POST
def submit(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """上报: send the signed snapshot to the level above."""
    user = acting_user(request)
    page = _load(request, year, code)
    if not access.may_prepare(user, page.region):
        raise PermissionDenied(_("只有本级动态更新办主任可以上报。"))
    if page.submission is None:
        refusal = [_("还没有准备上报：请先准备上报，签字齐全后再上报。")]
        return _submission_page(request, page, refusal=refusal)

    try:
        services.submit_submission(user, page.submission)
    except ValidationError as error:
        return _submission_page(request, page, refusal=_messages_of(error))

    messages.success(request, _("已上报：本区划本年度的数据已锁定，等待上一级验收。"))
    return redirect("reporting:submission", year=year, code=page.region.code)


# --- signing ------------------------------------------------------------------


@login_required
def sign(request: HttpRequest, year: int, code: str, kind: str) -> HttpResponse:
    """The signature form: the digest to sign and the password; a refusal
    (wrong password, changed data) is shown in the form."""
    user = acting_user(request)
    page = _load(request, year, code)
    signature_kind = _kind_or_404(kind)
    if page.submission is None or signature_kind not in access.signable_kinds(
        user, page.submission
    ):
        raise PermissionDenied(_("这项签字不需要您完成，或者现在不在待签字状态。"))
    snapshot = page.submission.current_snapshot
    assert snapshot is not None, "a submission awaiting signatures has one"

    form = SignForm(
        request.POST or None,
        initial={"digest": snapshot.digest},
        second_factor=second_factor_required(page.region.code),
    )
    if request.method == "POST" and form.is_valid():
        try:
            confirmed = account_services.confirm_password(
                request, user, form.cleaned_data["password"]
            )
        except account_services.AccountLockedOut as error:
            context = {"message": str(error)}
            return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)
        if not confirmed:
            form.add_error("password", _wrong_password())
            return _sign_page(request, page, signature_kind, form)
        try:
            services.sign_submission(
                user,
                page.submission,
                signature_kind,
                password=form.cleaned_data["password"],
                digest=form.cleaned_data["digest"],
                second_factor_code=form.cleaned_data.get("second_factor_code", ""),
            )
        except ValidationError as error:
            field = SIGN_ERROR_FIELDS.get(str(error.code))
            form.add_error(field, error)
        else:
            messages.success(
                request, _("%(kind)s已完成。") % {"kind": signature_kind.label}
            )
            return redirect("reporting:submission", year=year, code=page.region.code)
    return _sign_page(request, page, signature_kind, form)


def _sign_page(
    request: HttpRequest, page: _Page, kind: SignatureKind, form: SignForm
) -> HttpResponse:
    assert page.submission is not None
    context = {
        "round": page.round,
        "region": page.region,
        "submission": page.submission,
        "snapshot": page.submission.current_snapshot,
        "kind": kind,
        "form": form,
    }
    return render(request, "reporting/sign.html", context)


def _wrong_password() -> str:
    return _(
        "密码不正确，请重新输入您的登录密码后签字。签字和登录时密码连续输错"
        "%(limit)s次，账号将被锁定%(minutes)s分钟。"
    ) % {
        "limit": settings.AXES_FAILURE_LIMIT,
        "minutes": settings.LOGIN_LOCKOUT_MINUTES,
    }


# The form field a refusal of the sign service belongs to.
SIGN_ERROR_FIELDS = {"password": "password", "second_factor": "second_factor_code"}


def _kind_or_404(kind: str) -> SignatureKind:
    try:
        return SignatureKind(kind)
    except ValueError:
        raise Http404(_("没有这种签字。")) from None


# --- summary tables -----------------------------------------------------------


@dataclass
class _Tables:
    round: Round
    region: Region
    accepted_only: bool
    roll_up: access.RollUp | None
    tables: list[TableResult]


def _compute_tables(request: HttpRequest, year: int, code: str) -> _Tables:
    user = acting_user(request)
    round = survey_access.get_round_or_404(user, year)
    region = get_region_or_404(user, code)
    rolls_up = level_of(region.code) in access.REVIEWING_LEVELS
    roll_up = access.build_roll_up(round, region) if rolls_up else None
    accepted_only = roll_up is not None and request.GET.get("accepted") == "1"

    regions = roll_up.prefixes if roll_up is not None and accepted_only else None
    tables = compute_all(round, region.code, regions=regions)
    return _Tables(round, region, accepted_only, roll_up, tables)


@login_required
def tables(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """The standard summary tables of any region, computed now; above the
    county, optionally of the accepted regions below only."""
    result = _compute_tables(request, year, code)
    context = {
        "round": result.round,
        "region": result.region,
        "tables": result.tables,
        "accepted_only": result.accepted_only,
        "roll_up": result.roll_up,
        "query": "?accepted=1" if result.accepted_only else "",
    }
    return render(request, "reporting/tables.html", context)


@login_required
def export_tables(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """The same tables as an xlsx workbook in the government layout. The
    tables hold no personal data; the export is logged all the same, so
    that the trail shows who took official figures away."""
    result = _compute_tables(request, year, code)
    region, round = result.region, result.round

    spool = tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES)  # noqa: SIM115
    write_summary_xlsx(result.tables, spool, region_name=region.name, year=round.year)
    spool.seek(0)
    name = (
        _("汇总表_%(region)s_%(year)s_仅含已验收地区")
        if result.accepted_only
        else _("汇总表_%(region)s_%(year)s")
    ) % {"region": region.name, "year": round.year}

    log_access(
        request,
        action=AccessAction.EXPORT,
        region_code=region.code,
        target=_("汇总表导出（XLSX）"),
        record_count=0,
    )
    response = download_response(f"{name}.xlsx", XLSX_CONTENT_TYPE, spool)
    return response  # type: ignore[return-value]
