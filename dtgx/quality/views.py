"""Acceptance pages (检查验收) of the level above: the submissions of the
regions one level below, drawing the spot-check sample, marking the
sampled records, the verdict, accepting and returning.

Views parse, fetch through ``dtgx.reporting.access`` and
``dtgx.quality.access``, call a service and render. Refusals are shown in
the page; an action the role may not take is a 403 page. The spot check
names the sampled holders for real-name roles only, and logs how many it
named, never who.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dtgx.accounts.access import acting_user
from dtgx.accounts.audit import log_access
from dtgx.accounts.models import AccessAction, User
from dtgx.quality import access, services
from dtgx.quality.forms import AcceptForm, MarkForm, ReturnForm
from dtgx.quality.models import SpotCheck, SpotCheckItem
from dtgx.regions.models import Region
from dtgx.reporting import access as reporting_access
from dtgx.reporting.models import Submission, SubmissionStatus
from dtgx.reporting.services import reviewing_region
from dtgx.survey import access as survey_access

PAGE_SIZE = 100


@dataclass(frozen=True)
class AcceptanceRow:
    """A region below, its submission and the spot check of its cycle."""

    child: reporting_access.ChildRow
    spot_check: SpotCheck | None
    may_draw: bool


@dataclass(frozen=True)
class ShownItem:
    item: SpotCheckItem
    village: str
    name: str


# --- the acceptance list ------------------------------------------------------


@login_required
def acceptance_list(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """The submissions of the regions one level below with their status,
    the spot check of the current cycle and the 抽样 button. A fixed
    number of queries whatever the number of regions."""
    user = acting_user(request)
    round = survey_access.get_round_or_404(user, year)
    region = reporting_access.get_reviewing_region_or_404(user, code)

    children = reporting_access.child_rows(round, region)
    checks = _current_spot_checks([c.submission for c in children if c.submission])
    rows = [
        AcceptanceRow(
            child,
            checks.get(child.submission.pk) if child.submission else None,
            _may_draw(user, child.submission),
        )
        for child in children
    ]
    context = {"round": round, "region": region, "rows": rows}
    return render(request, "quality/acceptance_list.html", context)


def _current_spot_checks(submissions: list[Submission]) -> dict[int, SpotCheck]:
    cycles = {s.pk: s.cycle for s in submissions}
    found = SpotCheck.objects.filter(submission_id__in=cycles)
    return {
        check.submission_id: check
        for check in found
        if cycles[check.submission_id] == check.cycle
    }


def _may_draw(user: User, submission: Submission | None) -> bool:
    return (
        submission is not None
        and submission.status == SubmissionStatus.SUBMITTED
        and reporting_access.may_review(user, submission)
    )


@login_required
@require_POST
def draw(request: HttpRequest, pk: int) -> HttpResponse:
    """抽样: draw the reproducible sample and start the review."""
    user = acting_user(request)
    submission = reporting_access.get_submission_or_404(user, pk)
    if not reporting_access.may_review(user, submission):
        raise PermissionDenied(_("只有上一级的审核员或动态更新办主任可以抽样。"))

    try:
        spot_check = services.draw_sample(user, submission)
    except ValidationError as error:
        messages.error(
            request,
            _("没有抽样：%(reason)s") % {"reason": " ".join(error.messages)},
        )
        upper = reviewing_region(submission.region_code)
        return redirect(
            "quality:acceptance_list", year=submission.round.year, code=upper
        )
    messages.success(
        request,
        _("已抽取%(n)s份登记表，请逐份核查。") % {"n": spot_check.items.count()},
    )
    return redirect("quality:spot_check", pk=spot_check.pk)


# --- the spot check -----------------------------------------------------------


@login_required
def spot_check(request: HttpRequest, pk: int) -> HttpResponse:
    """The sample, its items with the mark forms, the verdict, and the
    accept and return forms for the office director of the level above."""
    user = acting_user(request)
    check = access.get_spot_check_or_404(user, pk)
    return _spot_check_page(request, user, check)


def _spot_check_page(
    request: HttpRequest,
    user: User,
    check: SpotCheck,
    *,
    item_errors: dict[int, list[str]] | None = None,
    accept_form: AcceptForm | None = None,
    return_form: ReturnForm | None = None,
    refusal: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The page, with the refusal of an action: in its form where the page
    shows that form, else at the top (a closed spot check has no forms)."""
    submission = check.submission
    names = access.shows_names(user)
    items = check.items.select_related(
        "record__person", "record__village", "checked_by"
    ).order_by("region_code", "id")
    number = request.GET.get("page") or request.POST.get("page")
    page = Paginator(items, PAGE_SIZE).get_page(number)
    shown = [_shown(item, names=names) for item in page.object_list]
    reviewing = submission.status == SubmissionStatus.REVIEWING
    current = check.cycle == submission.cycle
    may_mark = reviewing and current and reporting_access.may_review(user, submission)
    may_decide = reviewing and current and reporting_access.may_decide(user, submission)
    item_errors = item_errors or {}
    unshown = _unshown_errors(
        item_errors,
        {row.item.pk for row in shown} if may_mark else set(),
        [] if may_decide else [accept_form, return_form],
    )

    if names:
        log_access(
            request,
            action=AccessAction.VIEW,
            region_code=submission.region_code,
            target=_("网络抽查#%(pk)s") % {"pk": check.pk},
            record_count=len(shown),
        )
    context: dict[str, Any] = {
        "check": check,
        "submission": submission,
        "region": Region.objects.filter(code=submission.region_code).first(),
        "status_label": SubmissionStatus(submission.status).label,
        "verdict": services.verdict(check),
        "method_description": services.build_method_description(check),
        "threshold_percent": _percent(check.threshold),
        "rate_percent": _percent(check.rate),
        "page": page,
        "items": shown,
        "names": names,
        "may_mark": may_mark,
        "may_decide": may_decide,
        "refusal": [*(refusal or []), *unshown],
        "item_errors": item_errors,
        "accept_form": accept_form or AcceptForm(),
        "return_form": return_form or ReturnForm(),
        "page_query": _page_query(request),
    }
    return render(request, "quality/spot_check.html", context, status=status)


def _unshown_errors(
    item_errors: dict[int, list[str]],
    shown_items: set[int],
    hidden_forms: list[AcceptForm | ReturnForm | None],
) -> list[str]:
    """Errors that belong to a form the page does not show: a mark of an
    item not on this page, or a decision once the page has no forms."""
    errors = [
        message
        for pk, messages_of_item in item_errors.items()
        if pk not in shown_items
        for message in messages_of_item
    ]
    for form in hidden_forms:
        if form is not None and form.is_bound:
            errors += [str(m) for field in form.errors.values() for m in field]
    return errors


def _shown(item: SpotCheckItem, *, names: bool) -> ShownItem:
    record = item.record
    name = (record.basic_name or record.person.name) if names else ""
    return ShownItem(item, village=record.village.name, name=name)


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}"


def _page_query(request: HttpRequest) -> str:
    number = request.GET.get("page") or request.POST.get("page") or ""
    return f"?page={number}" if number.isdigit() else ""


@login_required
@require_POST
def mark(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one sampled record 一致 or 不一致 with a note."""
    user = acting_user(request)
    item = access.get_item_or_404(user, pk)
    check = item.spot_check
    if not reporting_access.may_review(user, check.submission):
        raise PermissionDenied(_("只有上一级的审核员或动态更新办主任可以核查。"))
    closed = _closed(check, _("修改核查结果"))
    if closed:
        return _spot_check_page(request, user, check, refusal=closed, status=409)

    form = MarkForm(request.POST)
    errors: list[str] = []
    if not form.is_valid():
        errors = [str(m) for field in form.errors.values() for m in field]
    else:
        try:
            services.mark_item(
                user, item, form.cleaned_data["result"], form.cleaned_data["note"]
            )
        except ValidationError as error:
            errors = [str(message) for message in error.messages]
    if errors:
        return _spot_check_page(request, user, check, item_errors={item.pk: errors})

    url = reverse("quality:spot_check", args=[check.pk])
    return redirect(f"{url}{_page_query(request)}#item-{item.pk}")


# --- accept and return --------------------------------------------------------


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    """验收通过 (a note is required above the threshold: the service says)."""
    user = acting_user(request)
    check = access.get_spot_check_or_404(user, pk)
    _check_decider(user, check.submission)
    closed = _closed(check, _("验收"))
    if closed:
        return _spot_check_page(request, user, check, refusal=closed, status=409)

    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            services.accept(user, check, note=form.cleaned_data["note"])
        except ValidationError as error:
            form.add_error("note", error)
        else:
            messages.success(request, _("已验收通过。"))
            return redirect("quality:spot_check", pk=check.pk)
    return _spot_check_page(request, user, check, accept_form=form)


@login_required
@require_POST
def return_submission(request: HttpRequest, pk: int) -> HttpResponse:
    """退回 with written reasons, shown on the lower level's dashboard."""
    user = acting_user(request)
    check = access.get_spot_check_or_404(user, pk)
    _check_decider(user, check.submission)
    closed = _closed(check, _("退回"))
    if closed:
        return _spot_check_page(request, user, check, refusal=closed, status=409)

    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.return_for_correction(
                user, check.submission, form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error("reason", error)
        else:
            messages.success(request, _("已退回，下级可以更正数据后重新上报。"))
            return redirect("quality:spot_check", pk=check.pk)
    return _spot_check_page(request, user, check, return_form=form)


def _closed(check: SpotCheck, action: str) -> list[str]:
    """Why ``action`` is refused on a spot check whose review is over."""
    try:
        services.check_open(check, action)
    except ValidationError as error:
        return [str(message) for message in error.messages]
    return []


def _check_decider(user: User, submission: Submission) -> None:
    if not reporting_access.may_decide(user, submission):
        raise PermissionDenied(_("只有上一级的动态更新办主任可以验收或退回。"))
