"""Import pages: upload with the template, the batch with its progress,
problems and the clerk's choice, the error report.

Views parse, fetch through ``access``, call the services and render. The
batch page polls ``batch_progress`` (a small JSON document) while a task
runs, and shows the progress bar from it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dtgx.accounts.access import acting_user, real_name_view
from dtgx.accounts.audit import log_access
from dtgx.accounts.models import AccessAction
from dtgx.exports import XLSX_CONTENT_TYPE, download_response, xlsx_response
from dtgx.imports import access, services
from dtgx.imports.forms import UploadForm
from dtgx.imports.models import ImportBatch, ImportKind, ImportStatus
from dtgx.imports.report import report_columns, report_rows
from dtgx.imports.workbook import write_template
from dtgx.survey import access as survey_access
from dtgx.survey.models import CommunityRecord, PersonRecord, SurveyRecord

PROBLEMS_SHOWN = 200
RECENT_BATCHES = 20


def _kind(kind: str) -> ImportKind:
    if kind not in ImportKind.values:
        raise Http404(_("没有这种登记表。"))
    return ImportKind(kind)


def _model(kind: str) -> type[SurveyRecord]:
    return PersonRecord if kind == ImportKind.PERSON else CommunityRecord


def _check_may_import(request: HttpRequest) -> None:
    if not services.may_import(acting_user(request)):
        raise PermissionDenied(_("只有录入员和动态更新办主任可以导入登记表。"))


@real_name_view
def import_page(request: HttpRequest, year: int, kind: str) -> HttpResponse:
    """The upload form of a form kind, with the template and the latest
    batches of the user's subtree."""
    _check_may_import(request)
    user = acting_user(request)
    round = survey_access.get_round_or_404(user, year)
    form_kind = _kind(kind)

    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.start_import(
                user,
                round,
                form_kind,
                upload.chunks(),
                file_name=upload.name or "",
                reason=form.cleaned_data["reason"],
                responsible_person=form.cleaned_data["responsible_person"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            return redirect("imports:batch_detail", pk=batch.pk)

    batches = access.batches_visible_to(user).filter(round=round, kind=form_kind)
    context = {
        "round": round,
        "kind": form_kind,
        "form": form,
        "batches": batches.select_related("uploaded_by")[:RECENT_BATCHES],
    }
    return render(request, "imports/import_page.html", context)


@real_name_view
def template(request: HttpRequest, year: int, kind: str) -> HttpResponse:
    """The empty Excel template of the round's form (no personal data)."""
    _check_may_import(request)
    round = survey_access.get_round_or_404(acting_user(request), year)
    form_kind = _kind(kind)
    buffer = io.BytesIO()
    fixed = {}
    if form_kind == ImportKind.PERSON:
        fixed["header.region_code"] = _("可不填：系统按标准时点的居住地填写。")
    write_template(_model(form_kind).questionnaire(), buffer, fixed=fixed)
    buffer.seek(0)
    name = _("%(year)s年%(form)s导入模板.xlsx") % {
        "year": round.year,
        "form": form_kind.label,
    }
    # ``real_name_view`` is typed for pages; a download streams instead.
    return download_response(name, XLSX_CONTENT_TYPE, buffer)  # type: ignore[return-value]


@real_name_view
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A batch: status, progress, counts, the first problems, the choice."""
    _check_may_import(request)
    batch = access.get_batch_or_404(acting_user(request), pk)
    problems = batch.problems.all()[:PROBLEMS_SHOWN]
    context = {
        "batch": batch,
        "problems": problems,
        "problem_count": batch.problems.count(),
        "shown_max": PROBLEMS_SHOWN,
        "statuses": ImportStatus,
    }
    return render(request, "imports/batch_detail.html", context)


@real_name_view
def batch_progress(request: HttpRequest, pk: int) -> JsonResponse:
    """Progress for the page's bar: counts and status, no personal data."""
    _check_may_import(request)
    batch = access.get_batch_or_404(acting_user(request), pk)
    total = batch.rows_total if batch.status == ImportStatus.COMMITTING else 0
    return JsonResponse(
        {
            "status": batch.status,
            "status_label": str(ImportStatus(batch.status).label),
            "running": batch.is_running,
            "rows_done": batch.rows_done,
            "rows_total": total,
            "rows_bad": batch.rows_bad,
        }
    )


@real_name_view
@require_POST
def batch_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The clerk's choice: ``action=commit`` or ``action=hold``."""
    _check_may_import(request)
    user = acting_user(request)
    batch = access.get_batch_or_404(user, pk)
    action = request.POST.get("action")
    if action not in ("commit", "hold"):
        messages.error(request, _("请选择“导入无误的行”或“整个文件暂不导入”。"))
        return redirect("imports:batch_detail", pk=batch.pk)
    try:
        services.decide_import(user, batch, commit=action == "commit")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("imports:batch_detail", pk=batch.pk)


@real_name_view
def batch_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The error report as xlsx; logged as an export of real-name data."""
    _check_may_import(request)
    batch = access.get_batch_or_404(acting_user(request), pk)
    count = batch.bad_rows.count()
    log_access(
        request,
        action=AccessAction.EXPORT,
        region_code=batch.region_code,
        target=_("导入批次#%(pk)s错误报告") % {"pk": batch.pk},
        record_count=count,
    )
    name = _("导入错误报告_%(file)s.xlsx") % {"file": _stem(batch)}
    response = xlsx_response(
        name, report_columns(batch), _rows(batch), sheet_title=_("错误报告")
    )
    # ``real_name_view`` is typed for pages; a download streams instead.
    return response  # type: ignore[return-value]


def _rows(batch: ImportBatch) -> Iterator[list[object]]:
    yield from report_rows(batch)


def _stem(batch: ImportBatch) -> str:
    return batch.file_name.rsplit(".", 1)[0]
