"""The logic audit as services: on save, in bulk, and verification.

* ``audit_saved_record`` runs in the transaction of every save of a record
  (the ``record_saved`` signal of the survey services): it recomputes the
  record's derived inputs and its findings with the per-record evaluator.
* ``audit_region`` audits every saved record of a region and round with
  the rules compiled to SQL (one query per province and form), and brings
  the findings table up to date with three set-based statements.
* ``verify_finding`` records an auditor's explanation of a query (疑问).

Both audits apply the same lifecycle to a (record, rule) pair: a failing
rule without a finding raises one (待处理); a failing rule whose finding
was resolved opens it again; a finding whose rule passes is resolved
(已更正). A verified query stays verified while its rule still fails,
unless a correction changes an item the rule reads (then its explanation
no longer speaks of the stored values, and it opens again).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dtgx.accounts.access import is_in_scope
from dtgx.accounts.audit import record_event
from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.bulk import insert_all
from dtgx.identity.id_numbers import today_in_shanghai
from dtgx.questionnaires.definitions import FormKey
from dtgx.regions.codes import CodeError, common_ancestor, prefix_of
from dtgx.regions.subtree import in_subtree, subtree_literal, subtree_sql
from dtgx.survey.answers import values_of
from dtgx.survey.models import (
    CommunityRecord,
    PersonRecord,
    RecordStatus,
    Round,
    RoundStatus,
    SurveyRecord,
)
from dtgx.validation.evaluate import evaluate_record
from dtgx.validation.inputs import (
    bulk_community_inputs,
    bulk_person_inputs,
    community_inputs,
    person_inputs,
    record_facts,
)
from dtgx.validation.models import (
    EXPLANATION_MAX_LENGTH,
    EXPLANATION_MIN_LENGTH,
    AuditRun,
    CommunityInputs,
    Finding,
    FindingStatus,
    PersonInputs,
)
from dtgx.validation.rules import RULESETS_DIR, RuleSet, Severity, load_rule_set
from dtgx.validation.sql import (
    AuditSource,
    Link,
    audit_query,
    dialect_of,
    insert_findings,
    tuned_for_audit,
)

# SQL text here is built from table and column names of our own models, the
# scratch table's constant name, round ids (integers) and region prefixes
# that ``prefix_of`` guarantees to be digits; every value is a parameter.
# ruff: noqa: S608

logger = logging.getLogger(__name__)

# Who may run a bulk audit and verify queries.
AUDIT_ROLES = (Role.AUDITOR, Role.OFFICE_DIRECTOR)

# The scratch table one bulk audit writes its failures into (per connection).
FAILURES_TABLE = "dtgx_audit_failure"

INPUTS_BATCH = 2000


# --- Rule sets -----------------------------------------------------------------


def rule_set_for(round: Round, region_code: str) -> RuleSet:
    """The rules that audit a record of ``region_code`` in ``round``: the
    national set the round names, with the file of the record's province
    (``rulesets/provinces/<2 digits>-<name>-<form version>.yaml``) if there
    is one. Refuses with a clear message when the round names no set."""
    national = round.rule_set_version
    if not (RULESETS_DIR / f"{national}.yaml").is_file() or "/" in national:
        raise ValidationError(
            _(
                "%(year)s年度动态更新指定的审核规则集“%(name)s”不存在，"
                "无法审核：请国家级动态更新办核对年度设置中的审核规则版本"
                "（例如 national-2018）。"
            )
            % {"year": round.year, "name": national},
            code="rule_set",
        )
    return _rule_set(national, region_code[:2])


@cache
def _rule_set(national: str, province: str) -> RuleSet:
    """Rule sets by name and province, parsed once per process (a new rule
    set version is a deployment)."""
    return load_rule_set(national, province_rule_file(national, province))


def province_rule_file(national: str, province: str) -> Path | None:
    """The province's own rules extending ``national``, if it has any."""
    edition = national.removeprefix("national-")
    matches = sorted((RULESETS_DIR / "provinces").glob(f"{province}-*-{edition}.yaml"))
    return matches[0] if matches else None


def rule_set_label(rule_set: RuleSet) -> str:
    """What a finding records as its rule-set version."""
    return f"{rule_set.name} {rule_set.version} ({'+'.join(rule_set.origins)})"[:80]


def check_rule_set_name(name: str) -> None:
    """Refuse a round whose rule set does not exist (run by create_round)."""
    if "/" in name or not (RULESETS_DIR / f"{name}.yaml").is_file():
        available = sorted(path.stem for path in RULESETS_DIR.glob("*.yaml"))
        raise ValidationError(
            _("审核规则版本“%(name)s”不存在，请从以下规则集中选择：%(names)s。")
            % {"name": name, "names": "、".join(available)},
            code="rule_set",
        )


# --- On save ---------------------------------------------------------------------


@dataclass
class _Deferred:
    actor: User
    saved: dict[tuple[str, int], SurveyRecord] = field(default_factory=dict)
    changed: dict[tuple[str, int], frozenset[str]] = field(default_factory=dict)


_deferred = threading.local()


@contextmanager
def deferred_audit(actor: User) -> Iterator[None]:
    """Within this block, saves are audited together at its end, with the
    bulk evaluator over the saved records' region, instead of one by one:
    for batch work (imports, the demo) where per-record evaluation would
    cost more than the work itself. The findings are the same (the two
    evaluators agree, see the property tests); verified queries whose
    items a correction changed are opened again as on a single save. Use
    inside the batch's transaction; nested blocks join the outer one."""
    if getattr(_deferred, "batch", None) is not None:
        yield
        return
    batch = _deferred.batch = _Deferred(actor)
    try:
        yield
    finally:
        _deferred.batch = None
    _audit_batch(batch)


def audit_on_save(
    record: SurveyRecord, *, actor: User, changed: frozenset[str] | None
) -> None:
    """The ``record_saved`` receiver: audit now, or at the end of the
    surrounding ``deferred_audit`` block."""
    batch: _Deferred | None = getattr(_deferred, "batch", None)
    if batch is None:
        audit_saved_record(record, actor=actor, changed=changed)
        return
    key = (type(record).__name__, int(record.pk))
    batch.saved[key] = record
    if changed:
        batch.changed[key] = batch.changed.get(key, frozenset()) | changed


def _audit_batch(batch: _Deferred) -> None:
    records = [r for r in batch.saved.values() if r.status == RecordStatus.SAVED]
    if not records:
        return
    by_round: dict[int, list[SurveyRecord]] = defaultdict(list)
    for record in records:
        by_round[record.round_id].append(record)
    with transaction.atomic():
        for group in by_round.values():
            round = group[0].round
            prefix = _common_prefix([r.region_code for r in group])
            _audit_subtree(batch.actor, round, prefix, ("person", "community"))
        for (kind, pk), changed in batch.changed.items():
            record = batch.saved[(kind, pk)]
            _reopen_touched(record, changed, batch.actor)


def _common_prefix(codes: list[str]) -> str:
    """The code prefix of the smallest region holding every code."""
    return prefix_of(common_ancestor(codes))


def _reopen_touched(record: SurveyRecord, changed: frozenset[str], actor: User) -> None:
    owner = "person_record" if isinstance(record, PersonRecord) else "community_record"
    verified = Finding.objects.filter(**{owner: record}, status=FindingStatus.VERIFIED)
    if not verified:
        return
    rule_set = rule_set_for(record.round, record.region_code)
    label = rule_set_label(rule_set)
    now = timezone.now()
    for finding in verified:
        if _touches(rule_set, finding.rule_id, changed):
            _reopen(finding, label, now, actor=actor)


def audit_saved_record(
    record: SurveyRecord, *, actor: User, changed: frozenset[str] | None
) -> None:
    """Recompute one record's inputs and findings. Drafts have none. Runs
    inside the caller's transaction; about eight small queries."""
    if record.status != RecordStatus.SAVED:
        return
    rule_set = rule_set_for(record.round, record.region_code)
    if isinstance(record, PersonRecord):
        derived = _save_person_inputs(record)
        linked = {
            "community": _community_values(record),
            "last": _last_values(record),
        }
        form = rule_set.default_form("person")
        owner = "person_record"
    else:
        assert isinstance(record, CommunityRecord)
        # Before any write: the village's bulk audit below takes it anyway.
        _lock_audits(record.round, record.region_code)
        derived = community_inputs(record.region_code)
        _upsert(CommunityInputs(record=record, **derived))
        # The village's person records read this form (cross-form rules).
        _audit_subtree(actor, record.round, record.region_code, ("person",))
        linked = {}
        form = rule_set.default_form("community")
        owner = "community_record"

    values = values_of(type(record).questionnaire(), record)
    failing = {
        result.rule_id
        for result in evaluate_record(
            rule_set,
            values,
            derived,
            community=linked.get("community"),
            last=linked.get("last"),
            form=form,
        )
    }
    _sync_one(record, owner, rule_set, failing, actor=actor, changed=changed)


def _save_person_inputs(record: PersonRecord) -> dict[str, object]:
    facts, context = record_facts(record, today_in_shanghai())
    inputs = person_inputs(facts, context)
    _upsert(PersonInputs(record=record, **inputs))
    return inputs


def _upsert(row: PersonInputs | CommunityInputs) -> None:
    """Insert or replace one inputs row in one statement."""
    fields = [f.name for f in row._meta.fields if f.name != "record"]
    type(row).objects.bulk_create(
        [row],  # type: ignore[list-item]
        update_conflicts=True,
        unique_fields=["record"],
        update_fields=fields,
    )


def _community_values(record: PersonRecord) -> dict[str, object] | None:
    found = CommunityRecord.objects.filter(
        round=record.round_id, village=record.village_id, status=RecordStatus.SAVED
    ).order_by()[:1]
    for community in found:
        return dict(values_of(CommunityRecord.questionnaire(), community))
    return None


def _last_values(record: PersonRecord) -> dict[str, object] | None:
    """The holder's saved record of the year before, if there is one."""
    last_round = (
        Round.objects.filter(year=record.round.year - 1)
        .values_list("pk", flat=True)
        .first()
    )
    if last_round is None:
        return None
    found = PersonRecord.objects.filter(
        round=last_round, person=record.person_id, status=RecordStatus.SAVED
    ).order_by()[:1]
    for last in found:
        return dict(values_of(PersonRecord.questionnaire(), last))
    return None


def _sync_one(
    record: SurveyRecord,
    owner: str,
    rule_set: RuleSet,
    failing: set[str],
    *,
    actor: User,
    changed: frozenset[str] | None,
) -> None:
    now = timezone.now()
    label = rule_set_label(rule_set)
    existing = {f.rule_id: f for f in Finding.objects.filter(**{owner: record})}

    for rule_id in failing - existing.keys():
        Finding.objects.create(
            round_id=record.round_id,
            region_code=record.region_code,
            rule_id=rule_id,
            severity=rule_set.rule(rule_id).severity.value,
            rule_set_version=label,
            found_at=now,
            **{owner: record},
        )
    for rule_id, finding in existing.items():
        if rule_id not in failing:
            if finding.status != FindingStatus.RESOLVED:
                _resolve(finding, actor, now)
        elif finding.status == FindingStatus.RESOLVED:
            _reopen(finding, label, now)
        elif finding.status == FindingStatus.VERIFIED and _touches(
            rule_set, rule_id, changed
        ):
            _reopen(finding, label, now, actor=actor)


def _touches(rule_set: RuleSet, rule_id: str, changed: frozenset[str] | None) -> bool:
    """Whether a correction changed an item the rule reads."""
    if not changed:
        return False
    try:
        names = rule_set.rule(rule_id).names
    except KeyError:
        return True
    return bool(names & changed)


def _resolve(finding: Finding, actor: User, now: object) -> None:
    finding.status = FindingStatus.RESOLVED
    finding.resolved_by = actor
    finding.resolved_at = now  # type: ignore[assignment]
    finding.save(update_fields=["status", "resolved_by", "resolved_at"])


def _reopen(
    finding: Finding, label: str, now: object, *, actor: User | None = None
) -> None:
    """Open a finding again; a verification it loses goes to the audit
    trail with its explanation."""
    if finding.status == FindingStatus.VERIFIED:
        record_event(
            actor=actor,
            action="validation.finding.reopen",
            target_type="finding",
            target_id=str(finding.pk),
            region_code=finding.region_code,
            before={
                "status": finding.status,
                "explanation": finding.explanation,
                "verified_by": finding.verified_by_id,
            },
            after={"status": FindingStatus.OPEN.value},
            reason=_("更正改动了该规则涉及的项目，原核实说明不再适用。"),
        )
    finding.status = FindingStatus.OPEN
    finding.rule_set_version = label
    finding.found_at = now  # type: ignore[assignment]
    finding.explanation = ""
    finding.verified_by = None
    finding.verified_at = None
    finding.resolved_by = None
    finding.resolved_at = None
    finding.save()


# --- Verification -------------------------------------------------------------------


def verify_finding(actor: User, finding: Finding, explanation: str) -> None:
    """Confirm a query (疑问) as true with a written explanation (核实说明).

    Only an auditor or office director whose scope holds the record may;
    only an open query can be verified (an error must be corrected); the
    explanation needs at least a few characters. Writes
    ``validation.finding.verify``."""
    _check_auditor(actor, finding.region_code)
    text = " ".join((explanation or "").split())
    if len(text) < EXPLANATION_MIN_LENGTH:
        raise ValidationError(
            _(
                "请写明核实情况（至少%(min)s个字），例如“已入户核实，本人确为"
                "独居，情况属实”。"
            )
            % {"min": EXPLANATION_MIN_LENGTH},
            code="explanation",
        )
    if len(text) > EXPLANATION_MAX_LENGTH:
        raise ValidationError(
            _("核实说明最多%(max)s个字，请精简。") % {"max": EXPLANATION_MAX_LENGTH},
            code="explanation",
        )

    with transaction.atomic():
        current = Finding.objects.select_for_update().get(pk=finding.pk)
        if current.severity != Severity.QUERY.value:
            raise ValidationError(
                _("错误数据不能核实通过，只能更正：请打开登记表修改相关项目。"),
                code="severity",
            )
        if current.status != FindingStatus.OPEN:
            raise ValidationError(
                _("这条审核发现已是“%(status)s”状态，无需再核实。")
                % {"status": FindingStatus(current.status).label},
                code="status",
            )
        now = timezone.now()
        Finding.objects.filter(pk=current.pk).update(
            status=FindingStatus.VERIFIED,
            explanation=text,
            verified_by=actor,
            verified_at=now,
        )
        record_event(
            actor=actor,
            action="validation.finding.verify",
            target_type="finding",
            target_id=str(current.pk),
            region_code=current.region_code,
            before={"status": current.status},
            after={"status": FindingStatus.VERIFIED.value, "explanation": text},
        )
    finding.refresh_from_db()


def _check_auditor(actor: User, code: str) -> None:
    if not actor.has_role(*AUDIT_ROLES):
        names = "、".join(str(role.label) for role in AUDIT_ROLES)
        raise PermissionDenied(_("只有%(roles)s可以进行审核。") % {"roles": names})
    if not is_in_scope(actor, code):
        raise PermissionDenied(_("这些数据不在您的管辖范围内。"))


# --- Bulk audit ---------------------------------------------------------------------


@dataclass
class _Counts:
    records: int = 0
    failures: int = 0
    raised: int = 0
    resolved: int = 0
    reopened: int = 0


def audit_region(actor: User, round: Round, region_code: str) -> AuditRun:
    """Audit every saved record of ``round`` in the subtree of
    ``region_code`` with the rules compiled to SQL; returns the run with
    its counts. One transaction: the inputs are recomputed, the rules run
    once per province and form, and findings are raised, resolved and
    opened again in set-based statements. Writes ``validation.audit.run``.
    """
    _check_auditor(actor, region_code)
    if round.status == RoundStatus.PREPARING:
        raise ValidationError(
            _("%(year)s年度动态更新尚未开始，没有可审核的登记表。")
            % {"year": round.year},
            code="round_status",
        )
    prefix = _prefix(region_code)
    started = timezone.now()

    with transaction.atomic():
        counts, labels = _audit_subtree(actor, round, prefix, ("person", "community"))
        run = AuditRun.objects.create(
            round=round,
            region_code=region_code,
            rule_set_version="; ".join(sorted(labels))[:80],
            started_by=actor,
            started_at=started,
            finished_at=timezone.now(),
            **vars(counts),
        )
        record_event(
            actor=actor,
            action="validation.audit.run",
            target_type="audit_run",
            target_id=str(run.pk),
            region_code=region_code,
            after=vars(counts),
        )
    logger.info(
        "audit of %s for round %s: %s records in %.1f s",
        region_code,
        round.year,
        counts.records,
        run.seconds,
    )
    return run


def _audit_subtree(
    actor: User, round: Round, prefix: str, kinds: tuple[str, ...]
) -> tuple[_Counts, set[str]]:
    """The bulk audit of the records of ``kinds`` under ``prefix``, in the
    caller's transaction: its counts and the rule sets it used."""
    counts = _Counts()
    labels: set[str] = set()
    _lock_audits(round, prefix)
    _refresh_inputs(round, prefix)
    _create_failures_table()
    with tuned_for_audit(connection):
        for province in _provinces(round, prefix):
            rule_set = rule_set_for(round, province.ljust(12, "0"))
            labels.add(rule_set_label(rule_set))
            scope = prefix if len(prefix) >= 2 else province
            for kind in kinds:
                _audit_kind(actor, round, scope, kind, rule_set, counts)
    return counts, labels


# First key of the PostgreSQL advisory locks serialising bulk audits
# ("dtau" as a 32-bit integer); the second is the round and the province.
_AUDIT_LOCK_SPACE = 0x64746175


def _lock_audits(round: Round, prefix: str) -> None:
    """Serialise bulk audits of overlapping regions until the transaction
    ends: each deletes and rewrites its records' inputs and findings, so
    two at once over the same records collide (two clerks importing in one
    village, the audit button during an import). On PostgreSQL one
    advisory lock per round and province, taken in code order; SQLite's
    IMMEDIATE transactions already hold the single write lock."""
    if connection.vendor != "postgresql":
        return
    provinces = [prefix[:2]] if len(prefix) >= 2 else _provinces(round, prefix)
    with connection.cursor() as cursor:
        for province in sorted(provinces):
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [_AUDIT_LOCK_SPACE, int(round.pk) * 100 + int(province)],
            )


def _prefix(region_code: str) -> str:
    """The code prefix of a region's subtree; digits only, as it goes into
    SQL (``prefix_of`` refuses anything but a well-formed code)."""
    try:
        return prefix_of(region_code)
    except CodeError:
        raise ValidationError(_("区划代码应为12位数字。"), code="region") from None


def _provinces(round: Round, prefix: str) -> list[str]:
    if len(prefix) >= 2:
        return [prefix[:2]]
    codes: set[str] = set()
    for model in (PersonRecord, CommunityRecord):
        codes.update(
            code[:2]
            for code in model.objects.filter(round=round)
            .values_list("region_code", flat=True)
            .distinct()
        )
    return sorted(codes)


def _refresh_inputs(round: Round, prefix: str) -> None:
    today = today_in_shanghai()
    person_rows = bulk_person_inputs(round, prefix, today)
    in_region = PersonRecord.objects.filter(in_subtree(prefix), round=round)
    PersonInputs.objects.filter(record__in=in_region.values("id")).delete()
    _insert_inputs(PersonInputs, person_rows)

    community = CommunityRecord.objects.filter(in_subtree(prefix), round=round)
    CommunityInputs.objects.filter(record__in=community.values("id")).delete()
    _insert_inputs(CommunityInputs, bulk_community_inputs(round, prefix))


def _insert_inputs(
    model: type[PersonInputs] | type[CommunityInputs],
    rows: Iterable[tuple[int, Mapping[str, object]]],
) -> None:
    batch: list[PersonInputs | CommunityInputs] = []
    for record_id, inputs in rows:
        batch.append(model(record_id=record_id, **inputs))
        if len(batch) >= INPUTS_BATCH:
            insert_all(batch)
            batch = []
    if batch:
        insert_all(batch)


def _create_failures_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {FAILURES_TABLE} "
            "(record_id BIGINT NOT NULL, rule_id VARCHAR(40) NOT NULL)"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {FAILURES_TABLE}_idx "
            f"ON {FAILURES_TABLE} (record_id, rule_id)"
        )


def _audit_kind(
    actor: User,
    round: Round,
    prefix: str,
    kind: str,
    rule_set: RuleSet,
    counts: _Counts,
) -> None:
    """Run one form's rules over the region's records of that form and
    bring their findings up to date."""
    model = PersonRecord if kind == "person" else CommunityRecord
    records = model.objects.filter(
        in_subtree(prefix), round=round, status=RecordStatus.SAVED
    )
    counts.records += records.count()
    form = rule_set.default_form(kind)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FAILURES_TABLE}")
    if not prefix.isdigit():  # it goes into the SQL text
        raise ValueError("a region code prefix is digits only")
    query = _compiled_audit(round, kind, rule_set, form).replace(_PREFIX_MARK, prefix)
    counts.failures += insert_findings(connection, query, FAILURES_TABLE)
    _sync_bulk(actor, round, prefix, kind, rule_set, form, counts)


# The audit queries compiled for a round, form and rule set, with the
# region's code prefix left as a mark: compiling the national set costs
# about 10 ms, more than running it over a village, which is what batch
# work (imports, the demo's clerks) audits over and over. The rule set is
# kept with its query so that its id is not reused while cached.
_PREFIX_MARK = "\x00prefix\x00"
_COMPILED_MAX = 64
_compiled: dict[tuple[object, ...], tuple[RuleSet, str]] = {}
_compiled_lock = threading.Lock()


def _compiled_audit(round: Round, kind: str, rule_set: RuleSet, form: FormKey) -> str:
    dialect = dialect_of(connection)
    last = Round.objects.filter(year=round.year - 1).values_list("pk", flat=True)
    last_pk = last.first()
    key = (id(rule_set), kind, form, int(round.pk), last_pk, dialect.value)
    with _compiled_lock:
        hit = _compiled.get(key)
    if hit is not None:
        return hit[1]
    source = _source(round, _PREFIX_MARK, kind, last_pk)
    query = audit_query(rule_set, form, source, dialect)
    with _compiled_lock:
        if len(_compiled) >= _COMPILED_MAX:
            _compiled.clear()
        _compiled[key] = (rule_set, query)
    return query


def _source(round: Round, prefix: str, kind: str, last_pk: int | None) -> AuditSource:
    """The record table of ``kind`` in ``round`` under ``prefix``, its
    inputs table, and for person records the village's community record
    and last round's (``last_pk``) record of the same holder."""
    model = PersonRecord if kind == "person" else CommunityRecord
    inputs = PersonInputs if kind == "person" else CommunityInputs
    in_region = subtree_literal('r."region_code"', prefix)
    where = f'r."round_id" = {int(round.pk)} AND r."status" = \'saved\' AND {in_region}'
    links: dict[str, Link] = {}
    if kind == "person":
        links["community"] = Link(
            CommunityRecord._meta.db_table,
            "c",
            (("village_id", "village_id"),),
            where=f'c."round_id" = {int(round.pk)} AND c."status" = \'saved\'',
        )
        if last_pk is not None:
            links["last"] = Link(
                PersonRecord._meta.db_table,
                "l",
                (("person_id", "person_id"),),
                where=f'l."round_id" = {int(last_pk)} AND l."status" = \'saved\'',
            )
    return AuditSource(
        model._meta.db_table,
        derived_table=inputs._meta.db_table,
        links=links,
        where=where,
    )


def _sync_bulk(
    actor: User,
    round: Round,
    prefix: str,
    kind: str,
    rule_set: RuleSet,
    form: FormKey,
    counts: _Counts,
) -> None:
    """Reopen, raise and resolve findings against the failures table."""
    finding = Finding._meta.db_table
    column = f"{kind}_record_id"
    records = (PersonRecord if kind == "person" else CommunityRecord)._meta.db_table
    label = rule_set_label(rule_set)
    now = timezone.now()
    in_region, region_params = subtree_sql(f"{finding}.region_code", prefix)
    # On SQLite a unary plus keeps the round's index (round, status,
    # severity) out of the plan, which otherwise read every open finding of
    # the round instead of the region's from the region index.
    plus = "+" if connection.vendor == "sqlite" else ""
    mine = (
        f"{plus}{finding}.round_id = %s AND {finding}.{column} IS NOT NULL "
        f"AND {in_region}"
    )

    failed = (
        f"EXISTS (SELECT 1 FROM {FAILURES_TABLE} f WHERE f.record_id = "
        f"{finding}.{column} AND f.rule_id = {finding}.rule_id)"
    )
    scope: list[Any] = [round.pk, *region_params]
    severity_sql, severity_params = _severity_case(rule_set, form)
    other = "community_record_id" if kind == "person" else "person_record_id"

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {finding} SET status = %s, resolved_at = NULL, "
            "resolved_by_id = NULL, rule_set_version = %s, found_at = %s "
            f"WHERE {mine} AND status = %s AND {failed}",
            [FindingStatus.OPEN, label, now, *scope, FindingStatus.RESOLVED],
        )
        counts.reopened += cursor.rowcount
        cursor.execute(
            f"INSERT INTO {finding} (round_id, {column}, {other}, region_code, "
            "rule_id, severity, rule_set_version, status, found_at, explanation) "
            f"SELECT %s, f.record_id, NULL, r.region_code, f.rule_id, "
            f"{severity_sql}, %s, %s, %s, '' "
            f"FROM {FAILURES_TABLE} f JOIN {records} r ON r.id = f.record_id "
            f"WHERE NOT EXISTS (SELECT 1 FROM {finding} x WHERE "
            f"x.{column} = f.record_id AND x.rule_id = f.rule_id)",
            [round.pk, *severity_params, label, FindingStatus.OPEN, now],
        )
        counts.raised += cursor.rowcount
        cursor.execute(
            f"UPDATE {finding} SET status = %s, resolved_at = %s, "
            f"resolved_by_id = %s WHERE {mine} AND status IN (%s, %s) "
            f"AND NOT {failed}",
            [
                FindingStatus.RESOLVED,
                now,
                actor.pk,
                *scope,
                FindingStatus.OPEN,
                FindingStatus.VERIFIED,
            ],
        )
        counts.resolved += cursor.rowcount


def _severity_case(rule_set: RuleSet, form: FormKey) -> tuple[str, list[str]]:
    """``CASE f.rule_id WHEN ... THEN severity ... END`` for the form's
    rules, with its parameters."""
    by_severity: dict[str, list[str]] = defaultdict(list)
    for rule in rule_set.rules_for(form):
        by_severity[rule.severity.value].append(rule.id)
    parts: list[str] = []
    params: list[str] = []
    for severity, ids in by_severity.items():
        marks = ", ".join(["%s"] * len(ids))
        parts.append(f"WHEN f.rule_id IN ({marks}) THEN %s")
        params += [*ids, severity]
    return f"CASE {' '.join(parts)} END", params
