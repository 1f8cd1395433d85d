"""Who may see which audit findings and runs, and who may act on them.

Every validation view, export and command fetches findings through this
module. A finding outside the user's subtree is "not found", so that its
existence is not revealed. Findings of person records name a person and
need a real-name role as well; findings of community records describe a
village and need the region scope only.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from dtgx.accounts.access import is_in_scope, may_see_real_names, region_scope
from dtgx.accounts.models import User
from dtgx.survey.models import CommunityRecord, PersonRecord, Round, SurveyRecord
from dtgx.validation.models import AuditRun, Finding, FindingStatus, SeverityChoice
from dtgx.validation.services import AUDIT_ROLES

# What a findings list reads beside the finding: the record, its person
# and its village (one join each, whatever the number of rows).
FINDING_RELATIONS = (
    "person_record__person",
    "person_record__village",
    "community_record__village",
)


def _visible(user: User) -> QuerySet[Finding]:
    prefix = region_scope(user)
    if prefix is None:
        return Finding.objects.none()
    findings = Finding.objects.filter(region_code__startswith=prefix)
    if not may_see_real_names(user):
        findings = findings.filter(person_record__isnull=True)
    return findings


def findings_in_scope(user: User, round: Round) -> QuerySet[Finding]:
    """The round's findings in the user's subtree (person findings only for
    a real-name role). No query until evaluated."""
    return _visible(user).filter(round=round)


def get_finding_or_404(user: User, pk: int) -> Finding:
    """The finding with its round, record, person, village and the users
    who verified or resolved it, or ``Http404`` when it does not exist or
    lies outside what the user may see (one query)."""
    findings = _visible(user).select_related(
        "round", *FINDING_RELATIONS, "verified_by", "resolved_by"
    )
    try:
        return findings.get(pk=pk)
    except Finding.DoesNotExist:
        raise Http404(_("审核发现不存在，或不在您的管辖范围内。")) from None


def may_audit(user: User) -> bool:
    """Whether the user's role runs bulk audits and verifies queries (an
    auditor or an office director with a region)."""
    return user.has_role(*AUDIT_ROLES) and region_scope(user) is not None


def may_verify(user: User, finding: Finding) -> bool:
    """Whether the page offers the verify form: an open query in the scope
    of an auditor. The service decides again when the form is sent."""
    return (
        may_audit(user)
        and is_in_scope(user, finding.region_code)
        and finding.status == FindingStatus.OPEN
        and finding.severity == SeverityChoice.QUERY
    )


def last_audit_run(user: User, round: Round, region_code: str) -> AuditRun | None:
    """The newest bulk audit of exactly this region in the round, with who
    ran it; ``None`` when there was none or the region is out of scope."""
    if not is_in_scope(user, region_code):
        return None
    runs = AuditRun.objects.filter(round=round, region_code=region_code)
    return runs.select_related("started_by").first()


def findings_of_record(record: SurveyRecord) -> QuerySet[Finding]:
    """The open and verified findings of a record the caller fetched
    through the survey's access helpers (so the user may see it), by rule
    id. No query until evaluated."""
    if isinstance(record, PersonRecord):
        owner = Q(person_record=record)
    else:
        assert isinstance(record, CommunityRecord)
        owner = Q(community_record=record)
    active = (FindingStatus.OPEN, FindingStatus.VERIFIED)
    return Finding.objects.filter(owner, status__in=active).order_by("rule_id")
