"""Spot checks as services: draw the sample, mark records, decide.

``draw_sample`` is reproducible: the sample is a function of the seed (kept
on the spot check), the rate and minimum, and the submitted records (which
are locked). Within every village it takes its share of records, rounded
up; when the shares add up to less than the minimum, more records are
drawn from the rest of the region with the same generator.
"""

from __future__ import annotations

import math
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dtgx.accounts.audit import record_event
from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.quality.models import (
    NOTE_MAX_LENGTH,
    SpotCheck,
    SpotCheckItem,
    SpotCheckResult,
    error_rate,
)
from dtgx.regions.codes import prefix_of
from dtgx.reporting import services as reporting
from dtgx.reporting.models import Submission, SubmissionStatus
from dtgx.reporting.policy import policy_for
from dtgx.survey.models import PersonRecord, RecordStatus


@dataclass(frozen=True)
class Verdict:
    """The spot check's figures and the verdict the system suggests."""

    sampled: int
    checked: int
    inconsistent: int
    error_rate: Decimal | None
    threshold: Decimal
    complete: bool

    @property
    def suggests_acceptance(self) -> bool:
        return (
            self.complete
            and self.error_rate is not None
            and self.error_rate <= self.threshold
        )

    @property
    def error_percent(self) -> str | None:
        if self.error_rate is None:
            return None
        percent = self.error_rate * 100
        return str(percent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def draw_sample(
    actor: User, submission: Submission, *, seed: int | None = None
) -> SpotCheck:
    """Draw the spot-check sample of a submitted region and start the
    review (已上报 → 验收中). Only an auditor or office director of the
    level above may. ``seed`` defaults to a fresh random one."""
    policy = policy_for(submission.region_code)
    seed = secrets.randbelow(2**31) if seed is None else seed
    records = list(
        PersonRecord.objects.filter(
            round=submission.round,
            region_code__startswith=prefix_of(submission.region_code),
            status=RecordStatus.SAVED,
        )
        .order_by("region_code", "id")
        .values_list("id", "region_code")
    )
    chosen = stratified_sample(records, policy.sample_rate, policy.sample_minimum, seed)

    with transaction.atomic():
        reporting.begin_review(actor, submission)
        spot_check = SpotCheck.objects.create(
            submission=submission,
            cycle=submission.cycle,
            seed=seed,
            method=_(
                "按村(社区)分层随机抽样：抽取%(rate)s%%（不少于%(minimum)s份），"
                "按各村记录数比例分配（最大余数法），村内随机抽取；"
                "Python random.Random(种子)"
            )
            % {
                "rate": _percent(policy.sample_rate),
                "minimum": policy.sample_minimum,
            },
            rate=policy.sample_rate,
            minimum=policy.sample_minimum,
            threshold=policy.error_rate_threshold,
            population=len(records),
            drawn_by=actor,
        )
        SpotCheckItem.objects.bulk_create(
            SpotCheckItem(spot_check=spot_check, record_id=pk, region_code=code)
            for pk, code in chosen
        )
        record_event(
            actor=actor,
            action="quality.spot_check.draw",
            target_type="spot_check",
            target_id=str(spot_check.pk),
            region_code=submission.region_code,
            after={"seed": seed, "sampled": len(chosen), "population": len(records)},
        )
    return spot_check


def build_method_description(spot_check: SpotCheck) -> str:
    """How the sample was drawn, in words for the people who check it.
    ``SpotCheck.method`` keeps the exact text stored at drawing time, with
    the generator's name, for whoever must reproduce the sample; pages
    show this description instead."""
    return _(
        "按村(社区)分层随机抽样：共抽取%(rate)s%%（不少于%(minimum)s份），"
        "按各村记录数比例分到各村，村内随机抽取；随机数种子%(seed)s，"
        "用同一种子重新抽样可得到同一样本。"
    ) % {
        "rate": _percent(spot_check.rate),
        "minimum": spot_check.minimum,
        "seed": spot_check.seed,
    }


def stratified_sample(
    records: list[tuple[int, str]], rate: Decimal, minimum: int, seed: int
) -> list[tuple[int, str]]:
    """(record id, village code) pairs drawn from ``records`` (given in
    village, id order): ``max(minimum, ceil(rate × N))`` records (all of
    them when fewer), allocated to the villages in proportion to their
    size (largest remainders first, ties drawn at random), then drawn at
    random within each village; sorted like the input."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible sample, not a secret)
    total = len(records)
    size = min(total, max(minimum, math.ceil(Decimal(total) * rate)))
    by_village: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for record in records:
        by_village[record[1]].append(record)
    villages = sorted(by_village)
    quotas = {v: size * len(by_village[v]) // total for v in villages} if total else {}
    remainders = sorted(
        villages,
        key=lambda v: (-(size * len(by_village[v]) % total), rng.random()),
    )
    for village in remainders[: size - sum(quotas.values())]:
        quotas[village] += 1
    chosen: list[tuple[int, str]] = []
    for village in villages:
        chosen += rng.sample(by_village[village], quotas[village])
    return sorted(chosen, key=lambda record: (record[1], record[0]))


def mark_item(
    actor: User, item: SpotCheckItem, result: SpotCheckResult | str, note: str
) -> None:
    """Record whether a sampled record agrees with its source (the paper
    form, a call back): an inconsistency needs a note saying what differs.
    The spot check's review must still be open."""
    result = SpotCheckResult(result)
    text = " ".join((note or "").split())[:NOTE_MAX_LENGTH]
    if result == SpotCheckResult.INCONSISTENT and len(text) < 2:
        raise ValidationError(
            _("请写明不一致之处，例如“R17就业形式与原始表不符”。"), code="note"
        )
    submission = item.spot_check.submission
    _check_reviewer(actor, submission, (Role.AUDITOR, Role.OFFICE_DIRECTOR))
    with transaction.atomic():
        current = Submission.objects.select_for_update().get(pk=submission.pk)
        if (
            current.status != SubmissionStatus.REVIEWING
            or current.cycle != item.spot_check.cycle
        ):
            raise ValidationError(
                _("这次抽查已经结束，不能再修改核查结果。"), code="status"
            )
        before = {"result": item.result, "note": item.note}
        item.result = result
        item.note = text
        item.checked_by = actor
        item.checked_at = timezone.now()
        item.save()
        record_event(
            actor=actor,
            action="quality.spot_check.mark",
            target_type="spot_check_item",
            target_id=str(item.pk),
            region_code=item.region_code,
            before=before,
            after={"result": item.result, "note": item.note},
        )


def check_open(spot_check: SpotCheck, action: str) -> None:
    """Refuse ``action`` (“验收”, “退回”, “核查”) on a spot check whose review
    is over: one of an earlier cycle, or of a submission already accepted
    or returned. The services check the status again under the lock; this
    says in words why the page's button is gone."""
    submission = spot_check.submission
    if spot_check.cycle != submission.cycle:
        message = _(
            "这是第%(cycle)s轮上报的抽查，已经结束，不能再%(action)s；"
            "请到本轮上报的抽查页面办理。"
        )
    elif submission.status == SubmissionStatus.ACCEPTED:
        message = _("本次抽查已验收，不能再%(action)s。")
    elif submission.status == SubmissionStatus.RETURNED:
        message = _(
            "本次上报已退回下级更正，不能再%(action)s；下级重新上报后，请重新抽样。"
        )
    elif submission.status != SubmissionStatus.REVIEWING:
        message = _("这次上报还没有开始抽查验收，不能%(action)s；请先抽样。")
    else:
        return
    raise ValidationError(
        message % {"action": action, "cycle": spot_check.cycle}, code="status"
    )


def verdict(spot_check: SpotCheck) -> Verdict:
    items = spot_check.items.all()
    sampled = items.count()
    checked = items.exclude(result="").count()
    return Verdict(
        sampled=sampled,
        checked=checked,
        inconsistent=items.filter(result=SpotCheckResult.INCONSISTENT).count(),
        error_rate=error_rate(items),
        threshold=spot_check.threshold,
        complete=checked == sampled,
    )


def accept(actor: User, spot_check: SpotCheck, *, note: str = "") -> None:
    """Accept the submission once every sampled record is checked. The
    office director decides; the suggested verdict is shown, not forced,
    but accepting above the threshold needs a written note."""
    check_open(spot_check, _("验收"))
    result = verdict(spot_check)
    if not result.complete:
        raise ValidationError(
            _("还有%(n)s份抽查记录未核查，全部核查后才能验收。")
            % {"n": result.sampled - result.checked},
            code="incomplete",
        )
    text = " ".join((note or "").split())
    if not result.suggests_acceptance and len(text) < 4:
        raise ValidationError(
            _(
                "差错率%(rate)s%%超过合格标准%(limit)s%%：如仍要验收，请写明理由；"
                "否则请退回。"
            )
            % {
                "rate": result.error_percent,
                "limit": _percent(spot_check.threshold),
            },
            code="threshold",
        )
    summary = _("抽查%(n)s份，不一致%(bad)s份，差错率%(rate)s%%。") % {
        "n": result.sampled,
        "bad": result.inconsistent,
        "rate": result.error_percent,
    }
    reporting.accept_submission(
        actor, spot_check.submission, note=f"{summary}{text}"[:500]
    )


def return_for_correction(actor: User, submission: Submission, reason: str) -> None:
    """Return the submission with reasons (a thin wrapper, for symmetry)."""
    reporting.return_submission(actor, submission, reason=reason)


def _percent(share: Decimal) -> str:
    """0.05 → "5", 0.025 → "2.5"."""
    return f"{(share * 100).normalize():f}"


def _check_reviewer(
    actor: User, submission: Submission, roles: tuple[Role, ...]
) -> None:
    upper = reporting.reviewing_region(submission.region_code)
    if not (actor.has_role(*roles) and actor.region_id == upper):
        raise PermissionDenied(_("只有上一级的审核员或动态更新办主任可以抽查。"))
