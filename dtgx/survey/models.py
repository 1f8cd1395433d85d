"""Rounds, the records entered in them, their change history and locks.

A ``Round`` (年度动态更新) is national, one a year; it pins the form
version, the rule-set version, the reference date and the campaign window.
The base lists (底册) loaded for its year say whom it expects. Each holder
gets one ``PersonRecord`` a round and each village one ``CommunityRecord``:
one row with one typed column per form item, inherited from the generated
abstract model of the form version (``form_models``, DESIGN.md §5).

Rows change only through ``dtgx.survey.services``: a change to a saved
record writes a ``RecordChange`` with the old and new value of every item
that changed, the reason and the responsible person (第二十六条).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dtgx.accounts.models import AppendOnlyModel, AppendOnlyQuerySet
from dtgx.questionnaires.definitions import Questionnaire, load_questionnaire
from dtgx.regions.models import Region
from dtgx.registry.models import BaseList, Person
from dtgx.survey.form_models import CommunityAnswers2018, PersonAnswers2018

NAME_MAX_LENGTH = 50
REASON_MAX_LENGTH = 200


class RoundStatus(models.TextChoices):
    PREPARING = "preparing", _("准备中")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class SurveyMethod(models.IntegerChoices):
    """调查方式; the codes are those of item H2 of the person form."""

    VISIT = 1, _("入户")
    MEETING = 2, _("见面")
    PHONE = 3, _("电话")
    LOST = 4, _("失访")


class RecordStatus(models.TextChoices):
    """A draft may lack required answers; a saved record may not, and is
    changed only with a reason (更正原因)."""

    DRAFT = "draft", _("草稿")
    SAVED = "saved", _("已保存")


class Round(models.Model):
    """One year's national update campaign. Its status moves 准备中 → 进行中
    → 已结束 through ``services.open_round`` and ``services.close_round``."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    form_version = models.CharField(_("登记表版本"), max_length=20)
    rule_set_version = models.CharField(_("审核规则版本"), max_length=40)
    reference_date = models.DateField(_("标准时点"))
    campaign_start = models.DateField(_("工作开始日期"))
    campaign_end = models.DateField(_("工作结束日期"))
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=RoundStatus.choices,
        default=RoundStatus.PREPARING,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    opened_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度动态更新")
        verbose_name_plural = _("年度动态更新")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(campaign_start__lte=F("campaign_end")),
                name="round_campaign_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}"

    def base_lists(self) -> models.QuerySet[BaseList]:
        """The base lists loaded for the round's year (one per region)."""
        return BaseList.objects.filter(year=self.year)

    def in_year(self, day: date) -> bool:
        """Whether ``day`` belongs to the round: annual periods are calendar
        years, 1 January to 31 December (FC-24)."""
        return day.year == self.year


class SurveyRecord(models.Model):
    """What person and community records share: the round, the village
    (``region_code`` repeats its code for indexed subtree prefix matches),
    the status, who entered it and the version used to refuse lost
    updates (each change adds one)."""

    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="+", verbose_name=_("年度")
    )
    village = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("村(社区)"),
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=RecordStatus.choices,
        default=RecordStatus.SAVED,
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("最后保存人"),
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    # Set by the services: a change is an UPDATE, which ``auto_now`` misses.
    updated_at = models.DateTimeField(_("最后保存时间"), default=timezone.now)

    # Set by the generated abstract model the concrete class inherits.
    FORM_KIND: ClassVar[str]
    FORM_VERSION: ClassVar[str]

    class Meta:
        abstract = True

    @classmethod
    def questionnaire(cls) -> Questionnaire:
        """The form definition of the version this model stores (cached)."""
        return load_questionnaire(cls.FORM_KIND, cls.FORM_VERSION)


class PersonRecord(SurveyRecord, PersonAnswers2018):
    """One holder's person form (残疾人登记表) in one round. The survey
    method, collector and survey date repeat items H2, F4 and F5 in
    columns that do not depend on the form version; check constraints
    keep the two equal."""

    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="survey_records",
        verbose_name=_("持证残疾人"),
    )
    survey_method = models.PositiveSmallIntegerField(
        _("调查方式"), choices=SurveyMethod.choices
    )
    collector = models.CharField(_("信息采集员"), max_length=NAME_MAX_LENGTH)
    survey_date = models.DateField(_("调查日期"))

    class Meta:
        verbose_name = _("残疾人登记表记录")
        verbose_name_plural = _("残疾人登记表记录")
        ordering = ["round", "region_code", "id"]
        indexes = [
            models.Index(
                fields=["region_code"],
                name="person_record_region_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["round", "region_code"], name="person_record_round_idx"
            ),
            # The audit looks for a certificate number entered twice a round.
            models.Index(
                fields=["round", "basic_certificate_number"],
                name="person_record_r2_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "person"], name="person_record_once_a_round"
            ),
            models.CheckConstraint(
                condition=Q(region_code=F("village")),
                name="person_record_region_is_village",
            ),
            models.CheckConstraint(
                condition=Q(survey_method=F("header_survey_method")),
                name="person_record_method_is_h2",
            ),
            models.CheckConstraint(
                condition=Q(collector=F("footer_collector")),
                name="person_record_collector_is_f4",
            ),
            models.CheckConstraint(
                condition=Q(survey_date=F("footer_fill_date")),
                name="person_record_date_is_f5",
            ),
        ]

    def __str__(self) -> str:
        # No name or number: this string ends up in admin screens and logs.
        return f"残疾人登记表记录#{self.pk}"


class CommunityRecord(SurveyRecord, CommunityAnswers2018):
    """One village's or urban community's community form (社区登记表) in
    one round."""

    class Meta:
        verbose_name = _("社区登记表记录")
        verbose_name_plural = _("社区登记表记录")
        ordering = ["round", "region_code", "id"]
        indexes = [
            models.Index(
                fields=["region_code"],
                name="community_record_region_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "village"], name="community_record_once_a_round"
            ),
            models.CheckConstraint(
                condition=Q(region_code=F("village")),
                name="community_record_region_is_village",
            ),
            models.CheckConstraint(
                condition=Q(region_code=F("header_region_code")),
                name="community_record_region_is_h1",
            ),
        ]

    def __str__(self) -> str:
        return f"社区登记表记录#{self.pk}"


class RecordChange(AppendOnlyModel):
    """One change to one saved record (数据更正): the items that changed
    with their old and new values, who, when, why and who answers for it.

    ``items`` is a list of ``{"item": id, "old": value, "new": value}`` in
    printed order, values as ``answers.to_json`` writes them; items that
    did not change are never listed. A bulk correction gives each of its
    records its own row, sharing one ``batch_id`` (FC-31)."""

    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="+", verbose_name=_("年度")
    )
    person_record = models.ForeignKey(
        PersonRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("残疾人登记表记录"),
    )
    community_record = models.ForeignKey(
        CommunityRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("社区登记表记录"),
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    version = models.PositiveIntegerField(_("更正后版本"))
    items = models.JSONField(_("更正项目"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    changed_at = models.DateTimeField(_("更正时间"), auto_now_add=True)
    reason = models.CharField(_("更正原因"), max_length=REASON_MAX_LENGTH)
    responsible_person = models.CharField(_("责任人"), max_length=NAME_MAX_LENGTH)
    batch_id = models.UUIDField(_("批量更正批次"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("数据更正记录")
        verbose_name_plural = _("数据更正记录")
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(
                fields=["region_code"],
                name="record_change_region_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["batch_id"], name="record_change_batch_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(person_record__isnull=False, community_record__isnull=True)
                    | Q(person_record__isnull=True, community_record__isnull=False)
                ),
                name="record_change_one_record",
            ),
            models.UniqueConstraint(
                fields=["person_record", "version"],
                name="record_change_person_version",
            ),
            models.UniqueConstraint(
                fields=["community_record", "version"],
                name="record_change_community_version",
            ),
        ]

    def __str__(self) -> str:
        return f"数据更正#{self.pk}"


class RegionLock(models.Model):
    """A region whose records of a round may not be created or changed
    (its whole subtree), e.g. once its data are submitted. Checked by
    ``services.check_region_unlocked`` on every path that writes records."""

    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="+", verbose_name=_("年度")
    )
    region_code = models.CharField(_("区划代码"), max_length=12)
    reason = models.CharField(_("锁定原因"), max_length=REASON_MAX_LENGTH)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("锁定人"),
    )
    locked_at = models.DateTimeField(_("锁定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("数据锁定")
        verbose_name_plural = _("数据锁定")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "region_code"], name="region_lock_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.region_code}"
