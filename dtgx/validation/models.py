"""Findings of the logic audit, the audit runs, and the derived inputs the
bulk audit reads.

A ``Finding`` is one rule's verdict on one record of a round (疑问数据 /
错误数据). It is raised when the rule fails, stays one row however often the
record is audited, and moves between three states only through
``dtgx.validation.services``:

* 待处理 (open): raised and not dealt with;
* 已核实 (verified): a query (疑问) an auditor confirmed as true, with a
  written explanation; an error (错误) cannot be verified, only corrected;
* 已更正 (resolved): the rule passes on the corrected record.

A resolved finding whose rule fails again is opened again; a verified one
is opened again when a correction changes an item its rule reads.

``PersonInputs`` and ``CommunityInputs`` hold, one row per record, the
derived inputs the rules read besides the items (age, the registry's
category, whether the number is in the base list ...): computed in Python
by ``dtgx.validation.inputs`` on every save and before every bulk audit,
so that the compiled SQL reads typed columns only. Their columns are the
names ``dtgx.validation.sql.derived_shapes`` lists; a test keeps the two
equal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dtgx.survey.models import CommunityRecord, PersonRecord, Round
from dtgx.validation.rules import Severity

RULE_ID_MAX_LENGTH = 40
EXPLANATION_MAX_LENGTH = 500
EXPLANATION_MIN_LENGTH = 4


class FindingStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    VERIFIED = "verified", _("已核实")
    RESOLVED = "resolved", _("已更正")


class SeverityChoice(models.TextChoices):
    ERROR = Severity.ERROR.value, _("错误")
    QUERY = Severity.QUERY.value, _("疑问")


class Finding(models.Model):
    """One rule's verdict on one person or community record."""

    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="+", verbose_name=_("年度")
    )
    person_record = models.ForeignKey(
        PersonRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("残疾人登记表记录"),
    )
    community_record = models.ForeignKey(
        CommunityRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("社区登记表记录"),
    )
    # The record's village code, repeated for indexed subtree prefix matches.
    region_code = models.CharField(_("区划代码"), max_length=12)
    rule_id = models.CharField(_("规则编号"), max_length=RULE_ID_MAX_LENGTH)
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=SeverityChoice.choices
    )
    rule_set_version = models.CharField(_("规则集版本"), max_length=80)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=FindingStatus.choices,
        default=FindingStatus.OPEN,
    )
    found_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    explanation = models.CharField(
        _("核实说明"), max_length=EXPLANATION_MAX_LENGTH, blank=True
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核实人"),
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("更正人"),
    )
    resolved_at = models.DateTimeField(_("更正时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("审核发现")
        verbose_name_plural = _("审核发现")
        ordering = ["region_code", "id"]
        indexes = [
            models.Index(
                fields=["region_code"],
                name="finding_region_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["round", "status", "severity"], name="finding_round_status"
            ),
            models.Index(fields=["round", "rule_id"], name="finding_round_rule"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(person_record__isnull=False, community_record__isnull=True)
                    | Q(person_record__isnull=True, community_record__isnull=False)
                ),
                name="finding_one_record",
            ),
            models.UniqueConstraint(
                fields=["person_record", "rule_id"], name="finding_person_rule"
            ),
            models.UniqueConstraint(
                fields=["community_record", "rule_id"], name="finding_community_rule"
            ),
            # Only a query is verified, and never without an explanation.
            models.CheckConstraint(
                condition=~Q(status=FindingStatus.VERIFIED)
                | (Q(severity=Severity.QUERY.value) & ~Q(explanation="")),
                name="finding_verified_query_explained",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}#{self.pk}"

    @property
    def record(self) -> PersonRecord | CommunityRecord:
        record = self.person_record or self.community_record
        assert record is not None
        return record

    @property
    def blocks_submission(self) -> bool:
        """Open findings block a submission; verified queries do not."""
        return self.status == FindingStatus.OPEN


class AuditRun(models.Model):
    """One bulk audit of a region's records of a round: who ran it, when,
    with which rule set, and what it changed."""

    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="+", verbose_name=_("年度")
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    rule_set_version = models.CharField(_("规则集版本"), max_length=80)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("执行人"),
    )
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"))
    records = models.PositiveIntegerField(_("审核记录数"))
    failures = models.PositiveIntegerField(_("未通过规则次数"))
    raised = models.PositiveIntegerField(_("新发现"))
    resolved = models.PositiveIntegerField(_("已更正"))
    reopened = models.PositiveIntegerField(_("重新打开"))

    class Meta:
        verbose_name = _("批量审核")
        verbose_name_plural = _("批量审核")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(
                fields=["round", "region_code"], name="audit_run_round_region"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_code}@{self.started_at:%Y-%m-%d %H:%M}"

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


class PersonInputs(models.Model):
    """The derived inputs of one person record (see module docstring)."""

    record = models.OneToOneField(
        PersonRecord,
        on_delete=models.CASCADE,
        primary_key=True,
        db_column="id",  # the bulk audit joins the inputs on the record id
        related_name="audit_inputs",
    )
    # The form's own derived values.
    age = models.IntegerField(null=True)
    sex = models.SmallIntegerField(null=True)
    category = models.SmallIntegerField(null=True)
    grade = models.SmallIntegerField(null=True)
    hukou = models.SmallIntegerField(null=True)
    # The national rule set's inputs.
    certificate_checksum_ok = models.BooleanField(null=True)
    certificate_birth_date_ok = models.BooleanField(null=True)
    certificate_province_ok = models.BooleanField(null=True)
    duplicate_in_round = models.BooleanField(null=True)
    in_base_list = models.BooleanField(null=True)
    registry_status = models.SmallIntegerField(null=True)
    registry_category = models.SmallIntegerField(null=True)
    registry_grade = models.SmallIntegerField(null=True)
    registry_sex = models.SmallIntegerField(null=True)
    name_matches_registry = models.BooleanField(null=True)
    id_county_matches_village = models.BooleanField(null=True)
    region_code_valid = models.BooleanField(null=True)
    householder_id_valid = models.BooleanField(null=True)
    in_subsistence_registry = models.BooleanField(null=True)
    in_poverty_registry = models.BooleanField(null=True)
    care_allowance_paid = models.BooleanField(null=True)
    campaign_start = models.DateField(null=True)
    campaign_end = models.DateField(null=True)
    audit_date = models.DateField(null=True)

    class Meta:
        verbose_name = _("审核派生值")
        verbose_name_plural = _("审核派生值")

    def __str__(self) -> str:
        return f"{self.pk}"


class CommunityInputs(models.Model):
    """The derived inputs of one community record."""

    record = models.OneToOneField(
        CommunityRecord,
        on_delete=models.CASCADE,
        primary_key=True,
        db_column="id",
        related_name="audit_inputs",
    )
    committee_type = models.SmallIntegerField(null=True)

    class Meta:
        verbose_name = _("社区表审核派生值")
        verbose_name_plural = _("社区表审核派生值")

    def __str__(self) -> str:
        return f"{self.pk}"
