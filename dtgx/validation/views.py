"""Findings pages: a region's findings of a round with counts by rule, the
bulk audit button, exports, and one finding with its verify form.

Views parse, fetch through ``dtgx.validation.access`` (and the survey's and
accounts' helpers for rounds and regions), call a service and render.
Findings of person records name the person: the pages are real-name pages
and log how many persons they showed, never who; whole identity numbers
are shown (and a reveal logged) only to the roles that may see them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dtgx.accounts.access import (
    acting_user,
    get_region_or_404,
    real_name_list_view,
)
from dtgx.accounts.audit import log_access
from dtgx.accounts.models import AccessAction, User
from dtgx.exports import Column, ColumnKind, csv_response, xlsx_response
from dtgx.regions.models import Region
from dtgx.registry.access import id_for_display, shows_full_id_numbers
from dtgx.survey import access as survey_access
from dtgx.survey.answers import display_value, values_of
from dtgx.survey.models import Round
from dtgx.survey.services import CORRECTION_ROLES
from dtgx.survey.views import log_shown
from dtgx.validation.access import (
    FINDING_RELATIONS,
    findings_in_scope,
    get_finding_or_404,
    last_audit_run,
    may_audit,
    may_verify,
)
from dtgx.validation.display import RuleBook, ShownFinding, form_of
from dtgx.validation.forms import FindingFilterForm, VerifyForm
from dtgx.validation.models import Finding, FindingStatus, SeverityChoice
from dtgx.validation.services import audit_region, verify_finding

PAGE_SIZE = 50
EXPORT_FORMATS = ("csv", "xlsx")
EXPORT_CHUNK = 2000


@dataclass(frozen=True)
class RuleCount:
    """Findings of one rule (or of all, for the totals) by status."""

    rule_id: str
    title: str
    severity: str
    open: int
    verified: int
    resolved: int

    @property
    def severity_label(self) -> str:
        return str(SeverityChoice(self.severity).label) if self.severity else ""

    @property
    def total(self) -> int:
        return self.open + self.verified + self.resolved


@dataclass(frozen=True)
class FindingRow:
    """A finding as the list shows it: where, whose record (the person's
    name and masked number, or the village), and the rule's message."""

    shown: ShownFinding
    village: str
    name: str
    certificate_number: str

    @property
    def finding(self) -> Finding:
        return self.shown.finding


@dataclass(frozen=True)
class ItemValue:
    """One item a rule names, with the record's value as the page shows it."""

    item_id: str
    number: str
    label: str
    text: str


# --- the findings page --------------------------------------------------------


@dataclass
class _Selection:
    """The findings of a region a request selects, and what it took."""

    round: Round
    region: Region
    filters: FindingFilterForm
    in_area: QuerySet[Finding]
    listed: QuerySet[Finding]


def _select(request: HttpRequest, year: int, code: str) -> _Selection:
    user = acting_user(request)
    round = survey_access.get_round_or_404(user, year)
    region = get_region_or_404(user, code)
    filters = FindingFilterForm(request.GET, region=region)

    in_area = findings_in_scope(user, round).filter(
        region_code__startswith=filters.area_prefix(region)
    )
    listed = filters.apply(in_area).order_by("region_code", "rule_id", "pk")
    return _Selection(round, region, filters, in_area, listed)


@real_name_list_view
def findings(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """A region's findings of the round: counts by rule and status, the
    last bulk audit, and the filtered list, 50 a page. A fixed number of
    queries whatever the number of findings."""
    user = acting_user(request)
    selection = _select(request, year, code)
    round, region = selection.round, selection.region
    book = RuleBook(round)

    counts = _rule_counts(selection.in_area, book, region.code)
    listed = selection.listed.select_related(*FINDING_RELATIONS)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_row(user, book, finding) for finding in page.object_list]

    log_shown(
        request,
        region_code=region.code,
        target=_("审核发现名单"),
        count=sum(1 for row in rows if row.finding.person_record_id),
    )
    context = {
        "round": round,
        "region": region,
        "filters": selection.filters,
        "counts": counts,
        "total": _total(counts),
        "page": page,
        "rows": rows,
        "query": _query(request, "page"),
        "area_query": _area_query(selection.filters),
        "last_run": last_audit_run(user, round, region.code),
        "may_audit": may_audit(user),
    }
    return render(request, "validation/findings.html", context)


def _rule_counts(
    findings: QuerySet[Finding], book: RuleBook, region_code: str
) -> list[RuleCount]:
    """One grouped query: each rule's findings by status."""
    grouped = (
        findings.order_by()
        .values("rule_id", "severity")
        .annotate(
            open=Count("pk", filter=Q(status=FindingStatus.OPEN)),
            verified=Count("pk", filter=Q(status=FindingStatus.VERIFIED)),
            resolved=Count("pk", filter=Q(status=FindingStatus.RESOLVED)),
        )
        .order_by("rule_id", "severity")
    )
    return [
        RuleCount(
            rule_id=row["rule_id"],
            title=book.title(
                row["rule_id"], _province_code(row["rule_id"], region_code)
            ),
            severity=row["severity"],
            open=row["open"],
            verified=row["verified"],
            resolved=row["resolved"],
        )
        for row in grouped
    ]


def _province_code(rule_id: str, region_code: str) -> str:
    """A region code of the province whose rule set holds the rule: a
    provincial rule (``P43-001``) names its province."""
    if rule_id.startswith("P") and rule_id[1:3].isdigit():
        return rule_id[1:3].ljust(12, "0")
    return region_code


def _total(counts: Sequence[RuleCount]) -> RuleCount:
    return RuleCount(
        rule_id="",
        title="",
        severity="",
        open=sum(c.open for c in counts),
        verified=sum(c.verified for c in counts),
        resolved=sum(c.resolved for c in counts),
    )


def _row(user: User, book: RuleBook, finding: Finding) -> FindingRow:
    shown = book.shown(finding)
    person_record = finding.person_record
    if person_record is not None:
        person = person_record.person
        number = person_record.basic_certificate_number or person.certificate_number
        return FindingRow(
            shown,
            village=person_record.village.name,
            name=person_record.basic_name or person.name,
            certificate_number=id_for_display(user, number),
        )
    community = finding.community_record
    assert community is not None
    return FindingRow(
        shown, village=community.village.name, name="", certificate_number=""
    )


def _query(request: HttpRequest, *drop: str) -> str:
    """The request's query string without ``drop``, for links that keep
    the filters."""
    query = request.GET.copy()
    for key in drop:
        query.pop(key, None)
    return query.urlencode()


def _area_query(filters: FindingFilterForm) -> str:
    area = filters.value("area")
    return f"area={area}&" if area else ""


# --- the bulk audit -------------------------------------------------------------


@login_required
@require_POST
def run_audit(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """Run the bulk audit of the region and come back to its findings with
    the counts, or with what stopped it."""
    user = acting_user(request)
    round = survey_access.get_round_or_404(user, year)
    region = get_region_or_404(user, code)
    if not may_audit(user):
        raise PermissionDenied(_("只有审核员和动态更新办主任可以运行批量审核。"))

    try:
        run = audit_region(user, round, region.code)
    except (ValidationError, PermissionDenied) as error:
        messages.error(
            request,
            _("批量审核没有运行：%(reason)s") % {"reason": _reason(error)},
        )
    else:
        messages.success(
            request,
            _(
                "批量审核完成：审核登记表%(records)s份，新发现%(raised)s条，"
                "已更正%(resolved)s条，重新打开%(reopened)s条，"
                "用时%(seconds)s秒。"
            )
            % {
                "records": run.records,
                "raised": run.raised,
                "resolved": run.resolved,
                "reopened": run.reopened,
                "seconds": f"{run.seconds:.1f}",
            },
        )
    return redirect("validation:findings", year=round.year, code=region.code)


def _reason(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("您没有权限审核这个区划的数据。")


# --- exports -----------------------------------------------------------------------


def _export_columns(reveal: bool) -> list[Column]:
    text, identifier = ColumnKind.TEXT, ColumnKind.IDENTIFIER
    number = _("残疾人证号") if reveal else _("残疾人证号（已遮蔽）")
    return [
        Column(_("区划代码"), identifier),
        Column(_("村(社区)"), text),
        Column(_("登记表"), text),
        Column(_("姓名"), text),
        Column(number, identifier),
        Column(_("规则编号"), text),
        Column(_("规则名称"), text),
        Column(_("严重程度"), text),
        Column(_("审核提示"), text),
        Column(_("状态"), text),
        Column(_("发现时间"), ColumnKind.DATETIME),
        Column(_("核实说明"), text),
        Column(_("核实人"), text),
        Column(_("核实时间"), ColumnKind.DATETIME),
        Column(_("更正时间"), ColumnKind.DATETIME),
    ]


def _export_rows(
    user: User, book: RuleBook, findings: QuerySet[Finding]
) -> Iterator[list[object]]:
    for finding in findings.iterator(chunk_size=EXPORT_CHUNK):
        row = _row(user, book, finding)
        form = _("残疾人登记表") if finding.person_record_id else _("社区登记表")
        yield [
            finding.region_code,
            row.village,
            form,
            row.name,
            row.certificate_number or None,
            finding.rule_id,
            row.shown.title,
            finding.get_severity_display(),
            row.shown.message,
            finding.get_status_display(),
            finding.found_at,
            finding.explanation,
            str(finding.verified_by) if finding.verified_by else "",
            finding.verified_at,
            finding.resolved_at,
        ]


@real_name_list_view
def export_findings(
    request: HttpRequest, year: int, code: str, fmt: str
) -> HttpResponse:
    """The filtered findings of the region as a CSV or xlsx file; logged as
    an export with the number of rows (and a reveal when the file holds
    whole identity numbers)."""
    if fmt not in EXPORT_FORMATS:
        raise Http404(_("只能导出为CSV或XLSX文件。"))
    user = acting_user(request)
    selection = _select(request, year, code)
    region = selection.region
    listed = selection.listed.select_related(
        *FINDING_RELATIONS, "verified_by", "resolved_by"
    )
    reveal = shows_full_id_numbers(user)
    count = listed.count()

    columns = _export_columns(reveal)
    rows = _export_rows(user, RuleBook(selection.round), listed)
    filename = _("审核发现_%(region)s_%(year)s") % {
        "region": region.prefix or region.code,
        "year": selection.round.year,
    }
    response: HttpResponseBase
    if fmt == "csv":
        response = csv_response(filename, columns, rows)
    else:
        response = xlsx_response(filename, columns, rows, sheet_title=_("审核发现"))

    target = _("审核发现导出（%(format)s）") % {"format": fmt.upper()}
    log_access(
        request,
        action=AccessAction.EXPORT,
        region_code=region.code,
        target=target,
        record_count=count,
    )
    if reveal and count:
        log_access(
            request,
            action=AccessAction.REVEAL,
            region_code=region.code,
            target=target,
            record_count=count,
        )
    # ``real_name_view`` is typed for pages; a download streams instead.
    return response  # type: ignore[return-value]


# --- one finding --------------------------------------------------------------------


@real_name_list_view
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One finding: its rule, its record and the values of the items the
    rule names, its history, and the verify form for an open query."""
    user = acting_user(request)
    finding = get_finding_or_404(user, pk)
    return _finding_page(request, user, finding, VerifyForm())


@real_name_list_view
@require_POST
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Verify an open query with an explanation (核实说明); refusals are
    shown in the form."""
    user = acting_user(request)
    finding = get_finding_or_404(user, pk)
    if not may_audit(user):
        raise PermissionDenied(_("只有审核员和动态更新办主任可以核实疑问数据。"))

    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            verify_finding(user, finding, form.cleaned_data["explanation"])
        except ValidationError as error:
            form.add_error("explanation", error)
        except PermissionDenied as error:
            form.add_error(None, _reason(error))
        else:
            messages.success(
                request, _("已核实：核实说明已保存，这条疑问数据不再阻止上报。")
            )
            return redirect("validation:finding_detail", pk=finding.pk)
    return _finding_page(request, user, finding, form)


def _finding_page(
    request: HttpRequest, user: User, finding: Finding, form: VerifyForm
) -> HttpResponse:
    book = RuleBook(finding.round)
    shown = book.shown(finding)
    person = finding.person_record_id is not None
    row = _row(user, book, finding)

    log_shown(
        request,
        region_code=finding.region_code,
        target=_("审核发现#%(pk)s") % {"pk": finding.pk},
        count=1 if person else 0,
    )
    detail = (
        "survey:person_record_detail" if person else "survey:community_record_detail"
    )
    edit = "survey:person_entry_edit" if person else "survey:community_entry_edit"
    context = {
        "finding": finding,
        "shown": shown,
        "row": row,
        "items": _item_values(user, finding, shown),
        "record_url": reverse(detail, args=[finding.record.pk]),
        "edit_url": reverse(edit, args=[finding.record.pk]),
        "may_correct": user.has_role(*CORRECTION_ROLES),
        "may_verify": may_verify(user, finding),
        "form": form,
    }
    return render(request, "validation/finding_detail.html", context)


def _item_values(user: User, finding: Finding, shown: ShownFinding) -> list[ItemValue]:
    """The record's values of the items the rule names, as shown on the
    record's page (identity numbers masked unless the role sees them)."""
    form = form_of(finding)
    values = values_of(form, finding.record)
    reveal = shows_full_id_numbers(user)
    return [
        ItemValue(
            item_id,
            form.item(item_id).number,
            form.item(item_id).label,
            display_value(form.item(item_id), values.get(item_id), reveal_ids=reveal),
        )
        for item_id in shown.items
        if item_id in form.item_ids
    ]
