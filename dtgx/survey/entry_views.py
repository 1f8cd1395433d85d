"""The entry screen (录入) of person and community forms, and the page that
leads a clerk from one saved form to the next.

Views parse, fetch through the access helpers, call one service and
render: ``create_*`` for a new form, ``save_*_draft`` for a draft and
``change_*`` (with reason and responsible person) for a saved one. The
version the page was loaded at travels in a hidden input, so that a save
over someone else's is refused (``VersionConflict``) and the clerk's
entries stay on the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from dtgx.accounts.access import (
    acting_user,
    get_region_or_404,
    real_name_list_view,
    real_name_view,
)
from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.questionnaires.definitions import Questionnaire
from dtgx.questionnaires.expressions import Value
from dtgx.regions.codes import Level
from dtgx.regions.models import Region
from dtgx.registry.access import shows_full_id_numbers
from dtgx.registry.models import Person
from dtgx.survey import access, services
from dtgx.survey.answers import values_of
from dtgx.survey.entry import (
    REASON_FIELD,
    RESPONSIBLE_FIELD,
    VERSION_FIELD,
    EntryPage,
    ParsedAnswers,
    bookkeeping_errors,
    build_entry_page,
    initial_texts,
    masked_identifiers,
    parse_answers,
    split_errors,
)
from dtgx.survey.entry_data import (
    PersonHeader,
    build_person_header,
    community_prefill,
    next_pending,
)
from dtgx.survey.models import (
    CommunityRecord,
    PersonRecord,
    RecordStatus,
    Round,
    SurveyRecord,
)
from dtgx.survey.services import REGION_ITEM, VersionConflict
from dtgx.survey.views import log_shown, masked_number

DRAFT_ACTION = "draft"


@dataclass
class Submission:
    """What the clerk sent, and what was wrong with it."""

    parsed: ParsedAnswers
    draft: bool
    errors: dict[str, list[str]]
    top: list[str]
    reason: str = ""
    responsible: str = ""
    conflict: str = ""

    @property
    def ok(self) -> bool:
        return not (self.errors or self.top or self.conflict)

    def refuse(self, form: Questionnaire, error: ValidationError) -> None:
        if isinstance(error, VersionConflict):
            self.conflict = " ".join(error.messages)
            return
        by_item, other = split_errors(form, error)
        for item_id, found in by_item.items():
            self.errors.setdefault(item_id, []).extend(found)
        self.top += other


def _check_roles(user: User, roles: tuple[Role, ...]) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied(_("您的角色不能录入或修改登记表。"))


def _submission(
    request: HttpRequest,
    form: Questionnaire,
    kept: Mapping[str, Value],
    *,
    person_form: bool,
) -> Submission:
    parsed = parse_answers(form, request.POST, kept=kept)
    errors = dict(parsed.errors)
    if person_form:
        for item_id, found in bookkeeping_errors(parsed.answers).items():
            errors.setdefault(item_id, found)
    return Submission(
        parsed=parsed,
        draft=request.POST.get("action") == DRAFT_ACTION,
        errors=errors,
        top=[],
        reason=request.POST.get(REASON_FIELD, ""),
        responsible=request.POST.get(RESPONSIBLE_FIELD, ""),
    )


def _check_correction(submission: Submission) -> None:
    """A correction names its reason and responsible person; say so beside
    the fields before the service says it at the top."""
    if not services.clean_text(submission.reason):
        submission.errors[REASON_FIELD] = [_("请填写更正原因。")]
    if not services.clean_text(submission.responsible):
        submission.errors[RESPONSIBLE_FIELD] = [_("请填写责任人。")]


def _focus(request: HttpRequest, form: Questionnaire) -> str:
    """The item the cursor starts on (``?focus=<item id>``, as the audit
    findings link it); ``""`` for anything that is not an item."""
    item_id = request.GET.get("focus", "")
    return item_id if item_id in form.item_ids else ""


def _expected_version(request: HttpRequest) -> int:
    try:
        return int(request.POST.get(VERSION_FIELD, ""))
    except ValueError:
        raise Http404(_("页面已过期，请重新打开登记表。")) from None


def _page(
    form: Questionnaire,
    *,
    texts: Mapping[str, str],
    initial: Mapping[str, Value],
    derived: Mapping[str, object],
    fixed: Mapping[str, str],
    submission: Submission | None,
    reveal: bool,
    mark_all_changes: bool,
    carry_over: bool = False,
) -> EntryPage:
    return build_entry_page(
        form,
        texts=texts,
        initial=initial,
        derived=derived,
        fixed=fixed,
        errors=submission.errors if submission else {},
        masked=masked_identifiers(form, reveal_ids=reveal),
        mark_all_changes=mark_all_changes,
        carry_over=carry_over,
    )


def _kept(
    form: Questionnaire, initial: Mapping[str, Value], reveal: bool
) -> dict[str, Value]:
    masked = masked_identifiers(form, reveal_ids=reveal)
    return {item_id: initial.get(item_id) for item_id in masked}


def _context(
    page: EntryPage, submission: Submission | None, **extra: object
) -> dict[str, object]:
    return {
        "page": page,
        "submission": submission,
        "reason_field": REASON_FIELD,
        "responsible_field": RESPONSIBLE_FIELD,
        "version_field": VERSION_FIELD,
        "item_errors": submission.errors if submission else {},
        **extra,
    }


# --- person forms ------------------------------------------------------------


@real_name_view
def person_entry_new(request: HttpRequest, year: int, person: int) -> HttpResponse:
    """Enter a person's form of the round, starting from last round's
    record when there is one (changed items are marked), else from the
    registry's name and number."""
    user = acting_user(request)
    round = access.get_round_or_404(user, year)
    holder = access.get_round_person_or_404(user, round, person)
    _check_roles(user, services.ENTRY_ROLES)
    entered = access.person_records_visible_to(user, round).filter(person=holder)
    if (record := entered.first()) is not None:
        messages.info(request, _("此人本年度的登记表已经录入，请在这里修改。"))
        return redirect("survey:person_entry_edit", pk=record.pk)

    form = PersonRecord.questionnaire()
    prefill = services.prefill_from_last_round(holder, round)
    initial = _person_initial(holder, prefill)
    reveal = shows_full_id_numbers(user)
    header = build_person_header(holder, round, reveal_ids=reveal)
    submission = None
    if request.method == "POST":
        submission = _submission(
            request, form, _kept(form, initial, reveal), person_form=True
        )
        if submission.ok:
            saved = _create_person(user, round, holder, form, submission)
            if saved is not None:
                return _after_new_person(request, saved)

    texts = submission.parsed.texts if submission else initial_texts(form, initial)
    page = _page(
        form,
        texts=texts,
        initial=initial,
        derived=services.person_derived(holder, round),
        fixed=_person_fixed(header),
        submission=submission,
        reveal=reveal,
        mark_all_changes=prefill is not None,
        carry_over=True,
    )
    log_shown(
        request,
        region_code=header.village_code or holder.region_code,
        target=_("残疾人登记表录入"),
        count=1,
    )
    context = _context(
        page,
        submission,
        round=round,
        header=header,
        prefill=prefill,
        record=None,
        title=_("录入残疾人登记表"),
        back_url=_pending_url(round, header),
    )
    return render(request, "survey/entry.html", context)


def _person_initial(
    holder: Person, prefill: services.Prefill | None
) -> dict[str, Value]:
    """Last round's answers, or else the registry's name and number."""
    if prefill is not None:
        return dict(prefill.answers)
    return {
        "basic.name": holder.name,
        "basic.certificate_number": holder.certificate_number,
    }


def _create_person(
    user: User,
    round: Round,
    holder: Person,
    form: Questionnaire,
    submission: Submission,
) -> PersonRecord | None:
    answers = submission.parsed.answers
    method, collector, day = _visit(answers)
    try:
        return services.create_person_record(
            user,
            round,
            holder,
            answers,
            survey_method=method,
            collector=collector,
            survey_date=day,
            draft=submission.draft,
        )
    except ValidationError as error:
        submission.refuse(form, error)
        return None


def _visit(answers: Mapping[str, Value]) -> tuple[int, str, date]:
    """H2, F4 and F5 as the service takes them. ``bookkeeping_errors`` has
    made sure they were given; anything odd is left for the service to
    refuse beside its item."""
    method = answers.get(services.METHOD_ITEM)
    collector = answers.get(services.COLLECTOR_ITEM)
    day = answers.get(services.DATE_ITEM)
    return (
        method if isinstance(method, int) and not isinstance(method, bool) else 0,
        collector if isinstance(collector, str) else "",
        day if isinstance(day, date) else date.min,
    )


def _person_fixed(header: PersonHeader) -> dict[str, str]:
    return {REGION_ITEM: header.village_code} if header.village_code else {}


def _pending_url(round: Round, header: PersonHeader) -> str:
    code = header.village_code
    if not code:
        return reverse("survey:round_list")
    return reverse("survey:pending_list", args=[round.year, code])


def _after_new_person(request: HttpRequest, record: PersonRecord) -> HttpResponse:
    if record.status == RecordStatus.DRAFT:
        text = _("已保存为草稿：%(name)s。草稿还须补全后正式保存。")
    else:
        text = _("已保存：%(name)s的登记表。")
    messages.success(request, text % {"name": record.basic_name or ""})
    url = reverse("survey:entry_next", args=[record.round.year, record.region_code])
    return redirect(f"{url}?saved={record.pk}")


@real_name_view
def person_entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Continue a draft, or correct a saved record (更正: the reason and the
    responsible person are asked on the same screen)."""
    user = acting_user(request)
    record = access.get_person_record_or_404(user, pk)
    draft = record.status == RecordStatus.DRAFT
    _check_roles(user, services.ENTRY_ROLES if draft else services.CORRECTION_ROLES)

    form = PersonRecord.questionnaire()
    stored = values_of(form, record)
    reveal = shows_full_id_numbers(user)
    header = build_person_header(record.person, record.round, reveal_ids=reveal)
    submission = None
    if request.method == "POST":
        submission = _submission(
            request, form, _kept(form, stored, reveal), person_form=True
        )
        response = _update_record(request, user, record, form, submission)
        if response is not None:
            return response

    texts = submission.parsed.texts if submission else initial_texts(form, stored)
    page = _page(
        form,
        texts=texts,
        initial=stored,
        derived=services.person_derived(record.person, record.round),
        fixed={REGION_ITEM: record.region_code},
        submission=submission,
        reveal=reveal,
        mark_all_changes=True,
    )
    log_shown(
        request,
        region_code=record.region_code,
        target=_("残疾人登记表#%(pk)s修改") % {"pk": record.pk},
        count=1,
    )
    context = _context(
        page,
        submission,
        round=record.round,
        header=header,
        prefill=None,
        record=record,
        title=_("更正残疾人登记表") if not draft else _("继续录入草稿"),
        back_url=reverse("survey:person_record_detail", args=[record.pk]),
        focus=_focus(request, form),
    )
    return render(request, "survey/entry.html", context)


def _update_record(
    request: HttpRequest,
    user: User,
    record: SurveyRecord,
    form: Questionnaire,
    submission: Submission,
) -> HttpResponse | None:
    """Save a draft or a correction; the response to send, or ``None`` to
    show the page again with the messages."""
    draft = record.status == RecordStatus.DRAFT
    if not draft:
        _check_correction(submission)
    if not submission.ok:
        return None
    version = _expected_version(request)
    try:
        changed = _save_update(user, record, submission, version, draft=draft)
    except ValidationError as error:
        submission.refuse(form, error)
        return None
    return _after_update(
        request, record, changed, draft=draft, finished=not submission.draft
    )


def _save_update(
    user: User,
    record: SurveyRecord,
    submission: Submission,
    version: int,
    *,
    draft: bool,
) -> bool:
    """Call the one service that applies; whether anything was written."""
    answers = submission.parsed.answers
    if isinstance(record, PersonRecord):
        if draft:
            services.save_person_draft(
                user,
                record,
                answers,
                expected_version=version,
                finish=not submission.draft,
            )
            return True
        change = services.change_person_record(
            user,
            record,
            answers,
            expected_version=version,
            reason=submission.reason,
            responsible_person=submission.responsible,
        )
        return change is not None
    assert isinstance(record, CommunityRecord)
    if draft:
        services.save_community_draft(
            user,
            record,
            answers,
            expected_version=version,
            finish=not submission.draft,
        )
        return True
    change = services.change_community_record(
        user,
        record,
        answers,
        expected_version=version,
        reason=submission.reason,
        responsible_person=submission.responsible,
    )
    return change is not None


def _after_update(
    request: HttpRequest,
    record: SurveyRecord,
    changed: bool,
    *,
    draft: bool,
    finished: bool,
) -> HttpResponse:
    person = isinstance(record, PersonRecord)
    detail = (
        "survey:person_record_detail" if person else "survey:community_record_detail"
    )
    if draft and not finished:
        messages.success(request, _("草稿已保存。"))
        edit = "survey:person_entry_edit" if person else "survey:community_entry_edit"
        return redirect(edit, pk=record.pk)
    if draft:
        messages.success(request, _("登记表已补全并正式保存。"))
        if person:
            url = reverse(
                "survey:entry_next", args=[record.round.year, record.region_code]
            )
            return redirect(f"{url}?saved={record.pk}")
        return redirect(detail, pk=record.pk)
    if changed:
        messages.success(request, _("更正已保存，更正记录中列出了改动的项目。"))
    else:
        messages.info(request, _("没有改动任何项目，登记表保持不变。"))
    return redirect(detail, pk=record.pk)


# --- the next form -----------------------------------------------------------


@real_name_list_view
def entry_next(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """After a save: the next person of the village not yet entered (the
    not-yet-entered list's order), and a search among those still to be
    entered, for a pile of paper forms in another order."""
    user = acting_user(request)
    round = access.get_round_or_404(user, year)
    village = get_region_or_404(user, code)
    query = request.GET.get("q", "").strip()[:40]
    found = next_pending(user, round, village, query=query)
    saved = _saved_record(user, request.GET.get("saved", ""))

    log_shown(
        request,
        region_code=village.code,
        target=_("录入下一份"),
        count=len(found.entries) + (1 if saved else 0),
        searched=bool(query),
    )
    context = {
        "round": round,
        "village": village,
        "found": found,
        "query": query,
        "saved": saved,
        "rows": [
            (entry, masked_number(user, entry.person.certificate_number))
            for entry in found.entries
        ],
    }
    return render(request, "survey/entry_next.html", context)


def _saved_record(user: User, pk: str) -> PersonRecord | None:
    if not pk.isdigit():
        return None
    try:
        return access.get_person_record_or_404(user, int(pk))
    except Http404:
        return None


# --- community forms ---------------------------------------------------------


@login_required
def community_entry_new(request: HttpRequest, year: int, code: str) -> HttpResponse:
    """Enter a village's community form of the round, starting from last
    round's form of the village when there is one."""
    user = acting_user(request)
    round = access.get_round_or_404(user, year)
    village = get_region_or_404(user, code)
    if village.level != Level.VILLAGE:
        raise Http404(_("社区登记表按村(社区)填写，请选择村级区划。"))
    _check_roles(user, services.ENTRY_ROLES)
    entered = access.community_records_visible_to(user, round).filter(village=village)
    if (record := entered.first()) is not None:
        messages.info(
            request, _("本村(社区)本年度的社区登记表已经录入，请在这里修改。")
        )
        return redirect("survey:community_entry_edit", pk=record.pk)

    form = CommunityRecord.questionnaire()
    prefill = community_prefill(village, round)
    initial: dict[str, Value] = (
        dict(prefill.answers) if prefill else {"header.region_name": village.name}
    )
    submission = None
    if request.method == "POST":
        submission = _submission(request, form, {}, person_form=False)
        if submission.ok:
            saved = _create_community(user, round, village, form, submission)
            if saved is not None:
                messages.success(
                    request,
                    _("已保存：%(name)s的社区登记表。") % {"name": village.name},
                )
                return redirect(
                    "survey:community_record_list",
                    year=round.year,
                    code=village.parent_id or village.code,
                )

    texts = submission.parsed.texts if submission else initial_texts(form, initial)
    page = _page(
        form,
        texts=texts,
        initial=initial,
        derived=services.community_derived(village.code),
        fixed={REGION_ITEM: village.code},
        submission=submission,
        reveal=True,
        mark_all_changes=prefill is not None,
    )
    context = _context(
        page,
        submission,
        round=round,
        village=village,
        prefill_year=prefill.year if prefill else None,
        record=None,
        title=_("录入社区登记表"),
        back_url=reverse(
            "survey:community_record_list",
            args=[round.year, village.parent_id or village.code],
        ),
    )
    return render(request, "survey/entry.html", context)


def _create_community(
    user: User,
    round: Round,
    village: Region,
    form: Questionnaire,
    submission: Submission,
) -> CommunityRecord | None:
    try:
        return services.create_community_record(
            user, round, village, submission.parsed.answers, draft=submission.draft
        )
    except ValidationError as error:
        submission.refuse(form, error)
        return None


@login_required
def community_entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Continue a community draft or correct a saved community form."""
    user = acting_user(request)
    record = access.get_community_record_or_404(user, pk)
    draft = record.status == RecordStatus.DRAFT
    _check_roles(user, services.ENTRY_ROLES if draft else services.CORRECTION_ROLES)

    form = CommunityRecord.questionnaire()
    stored = values_of(form, record)
    submission = None
    if request.method == "POST":
        submission = _submission(request, form, {}, person_form=False)
        response = _update_record(request, user, record, form, submission)
        if response is not None:
            return response

    texts = submission.parsed.texts if submission else initial_texts(form, stored)
    page = _page(
        form,
        texts=texts,
        initial=stored,
        derived=services.community_derived(record.region_code),
        fixed={REGION_ITEM: record.region_code},
        submission=submission,
        reveal=True,
        mark_all_changes=True,
    )
    context = _context(
        page,
        submission,
        round=record.round,
        village=record.village,
        record=record,
        title=_("更正社区登记表") if not draft else _("继续录入草稿"),
        back_url=reverse("survey:community_record_detail", args=[record.pk]),
        focus=_focus(request, form),
    )
    return render(request, "survey/entry.html", context)
