"""Registry pages: persons of a region, one person, base lists.

Real-name pages go through ``real_name_view`` and record what they showed
in the access log: how many persons, never who.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dtgx.accounts.access import (
    acting_user,
    get_region_or_404,
    real_name_list_view,
    real_name_view,
    role_required,
)
from dtgx.accounts.audit import log_access
from dtgx.accounts.models import AccessAction, User
from dtgx.regions.models import Region
from dtgx.registry import access, uploads
from dtgx.registry.checks import LoadReport
from dtgx.registry.forms import BaseListUploadForm, PersonSearchForm
from dtgx.registry.models import Person
from dtgx.registry.services import load_base_list
from dtgx.registry.sources import BaseListError

PAGE_SIZE = 50
# Normalisations listed on the preview; the rest are only counted.
CLEANED_SHOWN = 200


@dataclass(frozen=True)
class ShownPerson:
    """A person with the identity numbers as this user may see them."""

    person: Person
    id_number: str
    certificate_number: str


def _shown(user: User, person: Person) -> ShownPerson:
    return ShownPerson(
        person,
        access.id_for_display(user, person.id_number),
        access.id_for_display(user, person.certificate_number),
    )


def _log_shown(
    request: HttpRequest,
    *,
    region_code: str,
    target: str,
    count: int,
    action: AccessAction = AccessAction.VIEW,
) -> None:
    """Log the page; log a reveal too when it showed whole numbers."""
    log_access(
        request,
        action=action,
        region_code=region_code,
        target=target,
        record_count=count,
    )
    if count and access.shows_full_id_numbers(acting_user(request)):
        log_access(
            request,
            action=AccessAction.REVEAL,
            region_code=region_code,
            target=target,
            record_count=count,
        )


# --- persons -------------------------------------------------------------


@login_required
def person_index(request: HttpRequest) -> HttpResponse:
    """Send the user to the persons of their own region."""
    user = acting_user(request)
    if user.region_id is None:
        raise Http404(_("您的账号还没有所属区划，请联系系统管理员。"))
    return redirect("registry:person_list", code=user.region_id)


@real_name_list_view
def person_list(request: HttpRequest, code: str) -> HttpResponse:
    """Persons living in a region, 50 a page, optionally searched by name
    or number. Queries do not grow with the page size."""
    user = acting_user(request)
    region = get_region_or_404(user, code)
    form = PersonSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""

    persons = access.persons_visible_to(user).within(region.code)
    partial_numbers = access.shows_full_id_numbers(user)
    if query:
        persons = persons.matching(query, partial_numbers=partial_numbers)
    persons = persons.select_related("village").order_by("region_code", "pk")
    page = Paginator(persons, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_shown(user, person) for person in page.object_list]

    _log_shown(
        request,
        region_code=region.code,
        target=_("残疾人名单查询") if query else _("残疾人名单"),
        count=len(rows),
        action=AccessAction.SEARCH if query else AccessAction.VIEW,
    )
    context = {
        "region": region,
        "form": form,
        "query": query,
        "page": page,
        "whole_numbers_only": not partial_numbers,
    }
    return render(request, "registry/person_list.html", {**context, "rows": rows})


@real_name_list_view
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One person with their residence history and base-list entries."""
    user = acting_user(request)
    person = access.get_person_or_404(user, pk)
    residences = person.residences.select_related("village", "recorded_by")
    entries = person.base_list_entries.select_related("base_list__region", "village")

    _log_shown(
        request,
        region_code=person.region_code,
        target=_("残疾人详情#%(pk)s") % {"pk": person.pk},
        count=1,
    )
    context = {
        "shown": _shown(user, person),
        "person": person,
        "residences": residences.order_by("-valid_from"),
        "entries": entries.order_by("-year"),
    }
    return render(request, "registry/person_detail.html", context)


# --- base lists ----------------------------------------------------------


@login_required
def base_list_index(request: HttpRequest) -> HttpResponse:
    """Base lists of the user's subtree: counts only, no personal data."""
    user = acting_user(request)
    lists = access.base_lists_visible_to(user).select_related("region", "loaded_by")
    page = Paginator(lists.order_by("-year", "region"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "may_load": access.may_load_base_lists(user)}
    return render(request, "registry/base_list_index.html", context)


@real_name_view
@role_required(*access.LOADER_ROLES)
def base_list_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: upload a file; it is stored and checked (a dry run), and the
    preview shows every bad row and what loading would change."""
    user = _loader(request)
    form = BaseListUploadForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        uploads.purge_stale_uploads()
        data = form.cleaned_data
        pending = uploads.store_upload(
            data["file"],
            region_code=data["region"].code,
            year=data["year"],
            reference_date=data["reference_date"],
        )
        try:
            report = _load(user, pending, dry_run=True)
        except BaseListError as error:
            pending.path.unlink(missing_ok=True)
            form.add_error("file", str(error))
        else:
            if report.ok and report.changed:
                uploads.remember(request.session, pending)
            else:  # nothing to confirm: keep no file
                pending.path.unlink(missing_ok=True)
            return _preview(request, report, pending)
    return render(request, "registry/base_list_upload.html", {"form": form})


@require_POST
@real_name_view
@role_required(*access.LOADER_ROLES)
def base_list_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: load the stored file for real."""
    user = _loader(request)
    pending = uploads.pending_upload(request.session, request.POST.get("token", ""))
    if pending is None:
        messages.error(
            request, _("找不到待确认的文件（可能已载入或已过期），请重新上传。")
        )
        return redirect("registry:base_list_upload")

    # TODO: load large files in a background job with progress (FC-34): a
    # county's 70,000 rows hold this request for about 45 s on SQLite. Goes
    # when the project has a job queue; until then big files may go through
    # ``manage.py load_base_list``.
    allow_removals = request.POST.get("allow_removals") == "on"
    try:
        report = _load(user, pending, dry_run=False, allow_removals=allow_removals)
    except BaseListError as error:
        uploads.forget(request.session, pending)
        messages.error(request, str(error))
        return redirect("registry:base_list_upload")
    uploads.forget(request.session, pending)
    if not report.ok:
        return _preview(request, report, None)
    messages.success(request, report.summary())
    return redirect("registry:base_list_index")


def _loader(request: HttpRequest) -> User:
    user = acting_user(request)
    if not access.may_load_base_lists(user):
        raise PermissionDenied(_("底册须由县级或以上的录入员或动态更新办主任载入。"))
    return user


def _load(
    user: User,
    pending: uploads.PendingUpload,
    *,
    dry_run: bool,
    allow_removals: bool = False,
) -> LoadReport:
    """Load the stored file under the name the user gave it."""
    try:
        region = access.loadable_regions(user).get(code=pending.region_code)
    except Region.DoesNotExist:
        raise PermissionDenied(_("该区划不在您的管辖范围内。")) from None
    with pending.path.open("rb") as handle:
        return load_base_list(
            user,
            File(handle, name=pending.file_name),
            region=region,
            year=pending.year,
            reference_date=pending.reference_day,
            dry_run=dry_run,
            allow_removals=allow_removals,
        )


def _preview(
    request: HttpRequest, report: LoadReport, pending: uploads.PendingUpload | None
) -> HttpResponse:
    lines = {problem.line for problem in (*report.errors, *report.warnings)}
    lines.update(item.line for item in report.cleaned)
    _log_shown(
        request,
        region_code=report.region_code,
        target=_("底册载入预览"),
        count=len(lines),
    )
    context = {
        "report": report,
        "pending": pending if report.ok and report.changed else None,
        "cleaned": report.cleaned[:CLEANED_SHOWN],
        "cleaned_hidden": max(0, len(report.cleaned) - CLEANED_SHOWN),
    }
    return render(request, "registry/base_list_preview.html", context)
