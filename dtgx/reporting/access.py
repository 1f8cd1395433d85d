"""Who may see which submissions, and what each may do with them.

Every reporting view (and the acceptance pages of ``dtgx.quality``) fetch
submissions through this module. A submission is visible to every user
whose subtree holds its region: the region's own officials and the levels
above. Outside the subtree it is "not found". The pages show figures and
statuses, no personal data; the spot check's page adds names and goes
through ``real_name_view`` rules of its own.

The ``may_*`` helpers decide which buttons a page offers; the services
decide again when the form is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dtgx.accounts.access import get_region_or_404, region_scope
from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.regions.codes import Level, level_of, prefix_of
from dtgx.regions.models import Region
from dtgx.reporting import services
from dtgx.reporting.models import (
    SignatureKind,
    Submission,
    SubmissionStatus,
)
from dtgx.survey.models import PersonRecord, Round

AWAITING_REVIEW = (SubmissionStatus.SUBMITTED, SubmissionStatus.REVIEWING)
# Levels whose regions below submit to them (and so have an acceptance list).
REVIEWING_LEVELS = (Level.NATION, Level.PROVINCE, Level.PREFECTURE)


@dataclass(frozen=True)
class ChildRow:
    """A region one submitting level below, with its submission if any."""

    region: Region
    submission: Submission | None

    @property
    def status_label(self) -> str:
        if self.submission is None:
            return _("未开始上报")
        return str(SubmissionStatus(self.submission.status).label)


@dataclass(frozen=True)
class RollUp:
    """The regions below that hold data, and which of them are accepted."""

    accepted: list[Submission]
    pending: list[Region]

    @property
    def prefixes(self) -> list[str]:
        return [prefix_of(s.region_code) for s in self.accepted]


# --- regions and submissions --------------------------------------------------


def get_submitting_region_or_404(user: User, code: str) -> Region:
    """A county, prefecture or province in the user's subtree."""
    region = get_region_or_404(user, code)
    if level_of(region.code) not in services.SUBMITTING_LEVELS:
        raise Http404(_("只有县级、市级和省级有汇总上报。"))
    return region


def get_reviewing_region_or_404(user: User, code: str) -> Region:
    """A prefecture, province or the nation in the user's subtree."""
    region = get_region_or_404(user, code)
    if level_of(region.code) not in REVIEWING_LEVELS:
        raise Http404(_("只有市级、省级和国家级验收下级上报的数据。"))
    return region


def find_submission(round: Round, region: Region) -> Submission | None:
    """The region's submission of the round, or ``None`` before the first
    prepare (a page never creates one). The caller checked the region."""
    return Submission.objects.filter(round=round, region_code=region.code).first()


def submissions_visible_to(user: User) -> QuerySet[Submission]:
    prefix = region_scope(user)
    if prefix is None:
        return Submission.objects.none()
    return Submission.objects.filter(region_code__startswith=prefix)


def get_submission_or_404(user: User, pk: int) -> Submission:
    """A submission in the user's subtree with its round (one query)."""
    try:
        return submissions_visible_to(user).select_related("round").get(pk=pk)
    except Submission.DoesNotExist:
        raise Http404(_("汇总上报不存在，或不在您的管辖范围内。")) from None


def child_rows(round: Round, region: Region) -> list[ChildRow]:
    """Each region one submitting level below ``region`` with its
    submission of the round (two queries)."""
    children = list(
        Region.objects.filter(
            parent_id=region.code, level__in=services.SUBMITTING_LEVELS
        ).order_by("code")
    )
    found = {
        s.region_code: s
        for s in Submission.objects.filter(
            round=round, region_code__in=[c.code for c in children]
        )
    }
    return [ChildRow(child, found.get(child.code)) for child in children]


def build_roll_up(round: Round, region: Region) -> RollUp:
    """The regions below with data of the round, split into accepted and
    not yet accepted: an official summary counts only the accepted ones."""
    if level_of(region.code) == Level.NATION:
        children = _provinces_with_data(round)
    else:
        children = services.submitting_children(round, region.code)
    accepted = {
        s.region_code: s
        for s in Submission.objects.filter(
            round=round,
            region_code__in=[c.code for c in children],
            status=SubmissionStatus.ACCEPTED,
        )
    }
    return RollUp(
        accepted=[accepted[c.code] for c in children if c.code in accepted],
        pending=[c for c in children if c.code not in accepted],
    )


def _provinces_with_data(round: Round) -> list[Region]:
    """The provinces holding records of the round (the services' own helper
    stops at the province: the nation does not submit)."""
    codes = {
        code[:2].ljust(12, "0")
        for code in PersonRecord.objects.filter(round=round)
        .values_list("region_code", flat=True)
        .distinct()
    }
    return list(Region.objects.filter(code__in=codes).order_by("code"))


# --- what a user may do -------------------------------------------------------


def may_prepare(user: User, region: Region) -> bool:
    """The office director of the region itself prepares and submits."""
    return user.has_role(Role.OFFICE_DIRECTOR) and user.region_id == region.code


def signable_kinds(user: User, submission: Submission | None) -> list[SignatureKind]:
    """The missing signatures of the current snapshot this user signs."""
    if submission is None or user.region_id != submission.region_code:
        return []
    if submission.status != SubmissionStatus.AWAITING_SIGNATURES:
        return []
    code = submission.region_code
    return [
        kind
        for kind in services.missing_signatures(submission)
        if user.has_role(services.signer_role(code, kind))
    ]


def may_review(user: User, submission: Submission) -> bool:
    """An auditor or office director of the level above (draws, marks)."""
    upper = services.reviewing_region(submission.region_code)
    return user.has_role(*services.REVIEW_ROLES) and user.region_id == upper


def may_decide(user: User, submission: Submission) -> bool:
    """The office director of the level above (accepts, returns)."""
    upper = services.reviewing_region(submission.region_code)
    return user.has_role(Role.OFFICE_DIRECTOR) and user.region_id == upper


# --- the dashboard ------------------------------------------------------------


@dataclass(frozen=True)
class SignatureTask:
    submission: Submission
    kinds: list[SignatureKind]


@dataclass(frozen=True)
class AcceptanceTask:
    submission: Submission
    region_name: str

    @property
    def status_label(self) -> str:
        return str(SubmissionStatus(self.submission.status).label)


@dataclass(frozen=True)
class Dashboard:
    """What waits for a user: signatures to give, acceptances to do,
    returns received, and the own region's submissions by round."""

    signatures: list[SignatureTask]
    acceptances: list[AcceptanceTask]
    returns: list[Submission]
    own: list[Submission]

    @property
    def waiting(self) -> bool:
        return bool(self.signatures or self.acceptances or self.returns)


def build_dashboard(user: User) -> Dashboard:
    """A handful of queries: the own region's submissions (one per round),
    and the submissions below waiting for this level's review."""
    code = user.region_id
    if code is None or not user.is_active:
        return Dashboard([], [], [], [])
    own = list(
        Submission.objects.filter(region_code=code)
        .select_related("round")
        .order_by("-round__year")
    )
    signatures = [
        SignatureTask(submission, kinds)
        for submission in own
        if (kinds := signable_kinds(user, submission))
    ]
    returns = [s for s in own if s.status == SubmissionStatus.RETURNED]
    return Dashboard(signatures, _acceptances(user, code), returns, own)


def _acceptances(user: User, code: str) -> list[AcceptanceTask]:
    if level_of(code) not in REVIEWING_LEVELS:
        return []
    if not user.has_role(*services.REVIEW_ROLES):
        return []
    below = Region.objects.filter(
        parent_id=code, level__in=services.SUBMITTING_LEVELS
    ).values_list("code", "name")
    names = dict(below)
    waiting = (
        Submission.objects.filter(
            region_code__in=list(names), status__in=AWAITING_REVIEW
        )
        .select_related("round")
        .order_by("-round__year", "region_code")
    )
    return [AcceptanceTask(s, names[s.region_code]) for s in waiting]
