"""Survey pages: rounds, progress, record lists, one record, its history.

Views parse, fetch through ``access``, compute and render; the entry screen
that calls the services comes separately. Real-name pages go through
``real_name_view`` and record in the access log how many persons they
showed, never who; a page showing whole identity numbers logs a reveal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dtgx.accounts.access import (
    acting_user,
    get_region_or_404,
    list_refused_message,
    may_list_real_names,
    real_name_list_view,
    real_name_view,
    visible_regions,
)
from dtgx.accounts.audit import log_access
from dtgx.accounts.models import AccessAction, User
from dtgx.exports import Column, ColumnKind, csv_response, xlsx_response
from dtgx.regions.codes import Level
from dtgx.registry.access import (
    id_for_display,
    persons_matching,
    shows_full_id_numbers,
)
from dtgx.registry.models import BaseListEntry
from dtgx.survey import access, services
from dtgx.survey.answers import values_of
from dtgx.survey.display import build_history, build_sections
from dtgx.survey.forms import RecordSearchForm
from dtgx.survey.models import (
    PersonRecord,
    RecordChange,
    SurveyRecord,
)
from dtgx.survey.progress import compute_progress
from dtgx.survey.sheets import export_only_headers, item_columns, row_cells

PAGE_SIZE = 50


@dataclass(frozen=True)
class ShownRecord:
    """A person record with the name and certificate number as entered on
    the form (the registry's where the form has none), the number masked
    unless the user may see it whole."""

    record: PersonRecord
    name: str
    certificate_number: str


@dataclass(frozen=True)
class ShownEntry:
    """A base-list entry still to be entered, its number as above."""

    entry: BaseListEntry
    certificate_number: str


def log_shown(
    request: HttpRequest,
    *,
    region_code: str,
    target: str,
    count: int,
    searched: bool = False,
) -> None:
    """Log the page; log a reveal too when it showed whole numbers."""
    action = AccessAction.SEARCH if searched else AccessAction.VIEW
    log_access(
        request,
        action=action,
        region_code=region_code,
        target=target,
        record_count=count,
    )
    if count and shows_full_id_numbers(acting_user(request)):
        log_access(
            request,
            action=AccessAction.REVEAL,
            region_code=region_code,
            target=target,
            record_count=count,
        )


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> Page[Any]:
    """One page of ``queryset``: every row is reachable, none is capped."""
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _search(request: HttpRequest) -> tuple[RecordSearchForm, str]:
    form = RecordSearchForm(request.GET)
    return form, form.cleaned_data["q"] if form.is_valid() else ""


def masked_number(user: User, value: str) -> str:
    return id_for_display(user, value)


# --- rounds and progress ---------------------------------------------------


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    """Every round (rounds are national), newest first."""
    user = acting_user(request)
    rounds = access.rounds_visible_to(user).order_by("-year")
    return render(
        request,
        "survey/round_list.html",
        {"rounds": rounds, "home_code": user.region_id},
    )


@login_required
def round_home(request: HttpRequest, year: int) -> HttpResponse:
    """Send the user to the round's progress in their own region."""
    user = acting_user(request)
    round = access.get_round_or_404(user, year)
    if user.region_id is None:
        raise Http404(_("您的账号还没有所属区划，请联系系统管理员。"))
    return redirect("survey:progress", year=round.year, code=user.region_id)


@login_required
def progress(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """Expected, entered and not yet entered persons, and community forms,
    by child region. Counts only, no personal data; a fixed number of
    queries whatever the size of the region."""
    user = acting_user(request)
    round = access.get_round_or_404(user, year)
    region = get_region_or_404(user, code)

    context = {
        "round": round,
        "region": region,
        "progress": compute_progress(round, region),
        "child_pages": region.level < Level.VILLAGE,
        "lock": services.lock_over(round, region.code),
    }
    return render(request, "survey/progress.html", context)


# --- person records ----------------------------------------------------------


@real_name_list_view
def person_record_list(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """The round's person records in a region, 50 a page, optionally
    searched by name or identity or certificate number (normalised as
    everywhere: full-width digits, lowercase x, pasted spaces)."""
    user = acting_user(request)
    round = access.get_round_or_404(user, year)
    region = get_region_or_404(user, code)
    form, query = _search(request)

    records = access.person_records_visible_to(user, round).filter(
        region_code__startswith=region.prefix
    )
    if query:
        records = records.filter(person__in=persons_matching(user, query))
    records = records.select_related("person", "village").order_by("region_code", "pk")
    page = _page(request, records)
    rows = [_shown_record(user, record) for record in page.object_list]

    log_shown(
        request,
        region_code=region.code,
        target=_("登记表记录名单查询") if query else _("登记表记录名单"),
        count=len(rows),
        searched=bool(query),
    )
    context = {"round": round, "region": region, "form": form, "query": query}
    return render(
        request,
        "survey/person_record_list.html",
        {**context, "page": page, "rows": rows},
    )


def _shown_record(user: User, record: object) -> ShownRecord:
    assert isinstance(record, PersonRecord)
    person = record.person
    number = record.basic_certificate_number or person.certificate_number
    return ShownRecord(
        record, record.basic_name or person.name, masked_number(user, number)
    )


@real_name_list_view
def pending_list(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """Persons of the base list in a region without a record in the round
    yet, 50 a page, searchable like the record list."""
    user = acting_user(request)
    round = access.get_round_or_404(user, year)
    region = get_region_or_404(user, code)
    form, query = _search(request)

    entries = access.pending_entries_visible_to(user, round).filter(
        village__code__startswith=region.prefix
    )
    if query:
        entries = entries.filter(person__in=persons_matching(user, query))
    entries = entries.select_related("person", "village").order_by("village_id", "pk")
    page = _page(request, entries)
    rows = [_shown_entry(user, entry) for entry in page.object_list]

    log_shown(
        request,
        region_code=region.code,
        target=_("未录入名单"),
        count=len(rows),
        searched=bool(query),
    )
    context = {"round": round, "region": region, "form": form, "query": query}
    return render(
        request, "survey/pending_list.html", {**context, "page": page, "rows": rows}
    )


def _shown_entry(user: User, entry: object) -> ShownEntry:
    assert isinstance(entry, BaseListEntry)
    return ShownEntry(entry, masked_number(user, entry.person.certificate_number))


@real_name_view
def person_record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One person record: its bookkeeping and every answer by section."""
    user = acting_user(request)
    record = access.get_person_record_or_404(user, pk)
    _check_sampled_for_experts(user, record)

    log_shown(
        request,
        region_code=record.region_code,
        target=_("残疾人登记表#%(pk)s") % {"pk": record.pk},
        count=1,
    )
    context = {
        **_record_context(user, record),
        "shown": _shown_record(user, record),
        "history_url": "survey:person_record_history",
    }
    return render(request, "survey/person_record_detail.html", context)


@real_name_view
def person_record_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The corrections of one person record, newest first (第二十六条)."""
    user = acting_user(request)
    record = access.get_person_record_or_404(user, pk)
    _check_sampled_for_experts(user, record)

    log_shown(
        request,
        region_code=record.region_code,
        target=_("残疾人登记表#%(pk)s更正记录") % {"pk": record.pk},
        count=1,
    )
    context = {
        **_history_context(user, record),
        "detail_url": "survey:person_record_detail",
        "title": _("残疾人登记表更正记录"),
    }
    return render(request, "survey/record_history.html", context)


def _check_sampled_for_experts(user: User, record: PersonRecord) -> None:
    """A role that may not take name lists (an expert) opens only the
    records a spot check sampled, for its evaluation."""
    if may_list_real_names(user):
        return
    # Imported here: ``quality`` builds on ``survey``, not the reverse.
    from dtgx.quality.models import SpotCheckItem

    if not SpotCheckItem.objects.filter(record=record).exists():
        raise PermissionDenied(list_refused_message())


def _record_context(user: User, record: SurveyRecord) -> dict[str, object]:
    form = type(record).questionnaire()
    values = values_of(form, record)
    reveal = shows_full_id_numbers(user)
    return {
        "record": record,
        "form": form,
        "sections": build_sections(form, values, reveal_ids=reveal),
        "lock": services.lock_over(record.round, record.region_code),
    }


def _history_context(user: User, record: SurveyRecord) -> dict[str, object]:
    form = type(record).questionnaire()
    owner = "person_record" if isinstance(record, PersonRecord) else "community_record"
    changes = RecordChange.objects.filter(**{owner: record}).select_related(
        "changed_by"
    )
    reveal = shows_full_id_numbers(user)
    shown = build_history(
        form, changes.order_by("-changed_at", "-id"), reveal_ids=reveal
    )
    return {"record": record, "form": form, "changes": shown}


# --- community records -------------------------------------------------------


@login_required
def community_record_list(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """The villages of a region (e.g. a township) with their community
    form of the round, entered or not, 50 a page. Current villages are
    listed, and withdrawn ones that have a form."""
    user = acting_user(request)
    round = access.get_round_or_404(user, year)
    region = get_region_or_404(user, code)

    records = access.community_records_visible_to(user, round).filter(
        village=OuterRef("code")
    )
    villages = (
        visible_regions(user)
        .filter(level=Level.VILLAGE, code__startswith=region.prefix)
        .annotate(
            record_pk=Subquery(records.values("pk")[:1]),
            record_status=Subquery(records.values("status")[:1]),
        )
        .filter(Q(valid_to__isnull=True) | Q(record_pk__isnull=False))
        .order_by("code")
    )
    page = _page(request, villages)
    context = {"round": round, "region": region, "page": page}
    return render(request, "survey/community_record_list.html", context)


@login_required
def community_record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One community record with every answer by section."""
    user = acting_user(request)
    record = access.get_community_record_or_404(user, pk)
    context = {
        **_record_context(user, record),
        "history_url": "survey:community_record_history",
    }
    return render(request, "survey/community_record_detail.html", context)


@login_required
def community_record_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The corrections of one community record, newest first."""
    user = acting_user(request)
    record = access.get_community_record_or_404(user, pk)
    context = {
        **_history_context(user, record),
        "detail_url": "survey:community_record_detail",
        "title": _("社区登记表更正记录"),
    }
    return render(request, "survey/record_history.html", context)


# --- exports -------------------------------------------------------------------

EXPORT_FORMATS = ("xlsx", "csv")
EXPORT_CHUNK = 2000


@real_name_list_view
def person_record_export(
    request: HttpRequest, year: int, code: str, fmt: str
) -> HttpResponse:
    """The round's person records of a region as xlsx or csv, one column
    per item as in the import template (so a list can be corrected and
    imported again). Identity and certificate numbers are masked unless
    the role may see them whole. Logged as an export (and a reveal)."""
    user = acting_user(request)
    round = access.get_round_or_404(user, year)
    region = get_region_or_404(user, code)
    records = (
        access.person_records_visible_to(user, round)
        .filter(region_code__startswith=region.prefix)
        .select_related("village")
        .order_by("region_code", "pk")
    )
    name = _("%(year)s年%(region)s残疾人登记表记录") % {
        "year": round.year,
        "region": region.name,
    }
    # ``real_name_view`` is typed for pages; a download streams instead.
    return _export(request, records, region.code, name, fmt)  # type: ignore[return-value]


@login_required
def community_record_export(
    request: HttpRequest, year: int, code: str, fmt: str
) -> HttpResponse:
    """The round's community records of a region as xlsx or csv."""
    user = acting_user(request)
    round = access.get_round_or_404(user, year)
    region = get_region_or_404(user, code)
    records = (
        access.community_records_visible_to(user, round)
        .filter(region_code__startswith=region.prefix)
        .select_related("village")
        .order_by("region_code", "pk")
    )
    name = _("%(year)s年%(region)s社区登记表记录") % {
        "year": round.year,
        "region": region.name,
    }
    # ``real_name_view`` is typed for pages; a download streams instead.
    return _export(request, records, region.code, name, fmt)  # type: ignore[return-value]


def _export(
    request: HttpRequest,
    records: QuerySet[Any],
    region_code: str,
    name: str,
    fmt: str,
) -> FileResponse | StreamingHttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404(_("只能导出为xlsx或csv。"))
    user = acting_user(request)
    model: type[SurveyRecord] = records.model
    form = model.questionnaire()
    items = item_columns(form)
    reveal = shows_full_id_numbers(user) and model is PersonRecord
    number, village, status, version = export_only_headers()
    columns = [
        *(column.column for column in items),
        Column(number, ColumnKind.INTEGER),
        Column(village, ColumnKind.TEXT),
        Column(status, ColumnKind.TEXT),
        Column(version, ColumnKind.INTEGER),
    ]

    def rows() -> Iterator[list[object]]:
        for record in records.iterator(chunk_size=EXPORT_CHUNK):
            cells = row_cells(items, values_of(form, record), reveal_ids=reveal)
            yield [
                *cells,
                record.pk,
                record.village.name,
                str(record.get_status_display()),
                record.version,
            ]

    count = records.count()
    target = _("%(name)s（%(fmt)s导出）") % {"name": name, "fmt": fmt}
    log_access(
        request,
        action=AccessAction.EXPORT,
        region_code=region_code,
        target=target,
        record_count=count,
    )
    if reveal and count:
        log_access(
            request,
            action=AccessAction.REVEAL,
            region_code=region_code,
            target=target,
            record_count=count,
        )
    if fmt == "csv":
        return csv_response(name, columns, rows())
    return xlsx_response(name, columns, rows(), sheet_title=name)
