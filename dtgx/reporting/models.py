"""Submissions (汇总上报): a region's frozen, signed report of a round to
the level above, and its acceptance or return.

A ``Submission`` is the state of one region in one round; it moves only
through ``dtgx.reporting.services`` (and the acceptance services of
``dtgx.quality``):

    准备中 → 待签字 (prepare) → 已上报 (two signatures, submit)
          → 验收中 (the level above draws its sample) → 已验收 (accept)
                                                    or 已退回 (return)
    已退回 → 待签字 (prepare again, the next cycle)
    待签字 → 准备中 when a record changes after signing (the signatures
    are voided)

Each prepare freezes a ``Snapshot`` (the summary tables, the validation
report and a SHA-256 digest over the region's records); the two officials
sign that digest (``Signature``). Every transition is a
``SubmissionEvent`` row, so the cycles of return and resubmission stay in
the history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dtgx.accounts.models import AppendOnlyModel, AppendOnlyQuerySet
from dtgx.survey.models import Round

REASON_MAX_LENGTH = 500


class SubmissionStatus(models.TextChoices):
    PREPARING = "preparing", _("准备中")
    AWAITING_SIGNATURES = "awaiting_signatures", _("待签字")
    SUBMITTED = "submitted", _("已上报")
    REVIEWING = "reviewing", _("验收中")
    ACCEPTED = "accepted", _("已验收")
    RETURNED = "returned", _("已退回")


class SignatureKind(models.TextChoices):
    DEPUTY_SECRETARY_GENERAL = "deputy_secretary_general", _("政府副秘书长签字")
    FEDERATION_CHAIRMAN = "federation_chairman", _("残联理事长签字")
    VALIDATION_REPORT = "validation_report", _("数据校验报告签字")


class Submission(models.Model):
    """One region's submission of one round (county and above)."""

    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="+", verbose_name=_("年度")
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    status = models.CharField(
        _("状态"),
        max_length=24,
        choices=SubmissionStatus.choices,
        default=SubmissionStatus.PREPARING,
    )
    # One cycle per prepare: a return and a new prepare start the next.
    cycle = models.PositiveIntegerField(_("上报轮次"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    return_reason = models.CharField(
        _("退回原因"), max_length=REASON_MAX_LENGTH, blank=True
    )

    class Meta:
        verbose_name = _("汇总上报")
        verbose_name_plural = _("汇总上报")
        ordering = ["round", "region_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "region_code"], name="submission_once_a_round"
            ),
        ]
        indexes = [
            models.Index(
                fields=["region_code"],
                name="submission_region_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.region_code}"

    @property
    def current_snapshot(self) -> Snapshot | None:
        return (
            self.snapshots.filter(cycle=self.cycle, voided_at__isnull=True)
            .order_by("-id")
            .first()
        )


class Snapshot(models.Model):
    """What was frozen at a prepare: the digest the officials sign, the
    summary tables and the validation report (as JSON), the counts. A
    change to the region's records afterwards voids it."""

    submission = models.ForeignKey(
        Submission,
        on_delete=models.PROTECT,
        related_name="snapshots",
        verbose_name=_("汇总上报"),
    )
    cycle = models.PositiveIntegerField(_("上报轮次"))
    digest = models.CharField(_("数据摘要(SHA-256)"), max_length=64)
    person_records = models.PositiveIntegerField(_("残疾人登记表数"))
    community_records = models.PositiveIntegerField(_("社区登记表数"))
    summary = models.JSONField(_("汇总表"))
    report = models.JSONField(_("数据校验报告"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("准备人"),
    )
    created_at = models.DateTimeField(_("准备时间"), auto_now_add=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    void_reason = models.CharField(
        _("作废原因"), max_length=REASON_MAX_LENGTH, blank=True
    )

    class Meta:
        verbose_name = _("上报快照")
        verbose_name_plural = _("上报快照")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.submission_id}#{self.cycle}:{self.digest[:12]}"


class Signature(models.Model):
    """One official's signature on one snapshot's digest."""

    snapshot = models.ForeignKey(
        Snapshot,
        on_delete=models.PROTECT,
        related_name="signatures",
        verbose_name=_("上报快照"),
    )
    kind = models.CharField(_("签字类型"), max_length=32, choices=SignatureKind.choices)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("签字人"),
    )
    signer_name = models.CharField(_("签字人姓名"), max_length=50)
    digest = models.CharField(_("所签摘要"), max_length=64)
    signed_at = models.DateTimeField(_("签字时间"), auto_now_add=True)
    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("签字")
        verbose_name_plural = _("签字")
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "kind"],
                condition=Q(voided_at__isnull=True),
                name="signature_once_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id}:{self.kind}"


class SubmissionEvent(AppendOnlyModel):
    """One transition of a submission: who, when, from, to and why."""

    submission = models.ForeignKey(
        Submission,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("汇总上报"),
    )
    cycle = models.PositiveIntegerField(_("上报轮次"))
    action = models.CharField(_("操作"), max_length=40)
    from_status = models.CharField(_("原状态"), max_length=24)
    to_status = models.CharField(_("新状态"), max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.CharField(_("说明"), max_length=REASON_MAX_LENGTH, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("上报记录")
        verbose_name_plural = _("上报记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.submission_id}:{self.action}"
