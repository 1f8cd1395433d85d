"""Online spot checks (网络抽查) of a submitted region (第三十五、三十六条).

The level above draws a reproducible random sample of the region's person
records (seed and method stored, stratified by village), marks each
sampled record consistent with its source or not, with a note, and
decides: accept, or return with reasons. A new submission after a return
gets a new spot check; the old ones stay.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dtgx.reporting.models import Submission
from dtgx.survey.models import PersonRecord

NOTE_MAX_LENGTH = 300


class SpotCheckResult(models.TextChoices):
    CONSISTENT = "consistent", _("一致")
    INCONSISTENT = "inconsistent", _("不一致")


class SpotCheck(models.Model):
    submission = models.ForeignKey(
        Submission,
        on_delete=models.PROTECT,
        related_name="spot_checks",
        verbose_name=_("汇总上报"),
    )
    cycle = models.PositiveIntegerField(_("上报轮次"))
    seed = models.BigIntegerField(_("随机种子"))
    method = models.CharField(_("抽样方法"), max_length=200)
    rate = models.DecimalField(_("抽样比例"), max_digits=5, decimal_places=4)
    minimum = models.PositiveIntegerField(_("最少抽取"))
    threshold = models.DecimalField(_("合格差错率上限"), max_digits=5, decimal_places=4)
    population = models.PositiveIntegerField(_("记录总数"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("抽样人"),
    )
    drawn_at = models.DateTimeField(_("抽样时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("网络抽查")
        verbose_name_plural = _("网络抽查")
        ordering = ["-drawn_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "cycle"], name="spot_check_once_a_cycle"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}#{self.cycle}"


class SpotCheckItem(models.Model):
    spot_check = models.ForeignKey(
        SpotCheck,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("网络抽查"),
    )
    record = models.ForeignKey(
        PersonRecord,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("残疾人登记表记录"),
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    result = models.CharField(
        _("核查结果"),
        max_length=16,
        choices=SpotCheckResult.choices,
        blank=True,
    )
    note = models.CharField(_("核查说明"), max_length=NOTE_MAX_LENGTH, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核查人"),
    )
    checked_at = models.DateTimeField(_("核查时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("抽查记录")
        verbose_name_plural = _("抽查记录")
        ordering = ["region_code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["spot_check", "record"], name="spot_check_item_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.spot_check_id}:{self.record_id}"


def error_rate(items: models.QuerySet[SpotCheckItem]) -> Decimal | None:
    """Inconsistent among checked items; ``None`` before any is checked."""
    checked = items.exclude(result="").count()
    if not checked:
        return None
    wrong = items.filter(result=SpotCheckResult.INCONSISTENT).count()
    return Decimal(wrong) / Decimal(checked)
