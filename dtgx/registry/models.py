"""Certificate holders, where they lived when, and the base lists of rounds.

A ``Person`` is one holder of the 残疾人证, whatever region they move to: the
row is keyed by the identity number and never duplicated. Where the person
lives is a history (``Residence``), so that "the village at the reference
date" is a query and a move during the year does not count anybody twice.
A ``BaseList`` (底册) is the set of holders expected in one round for one
region, with each holder's village and status at the reference date.

Rows change only through ``dtgx.registry.services``, which audit them.
"""

from __future__ import annotations

import re
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dtgx.identity import Category, Grade, Sex, normalize_identifier, normalize_name
from dtgx.regions.codes import prefix_of
from dtgx.regions.models import Region

# What a search for an identity or certificate number looks like once
# normalised: at least four characters, digits with an X at most.
_IDENTIFIER_QUERY = re.compile(r"\d{3,19}[\dX]\d{0,2}")


class HukouType(models.IntegerChoices):
    """户口性质 (R3 of the person form)."""

    AGRICULTURAL = 1, _("农业")
    NON_AGRICULTURAL = 2, _("非农业")


class Status(models.TextChoices):
    """Status of the holder in the certificate database."""

    NORMAL = "normal", _("正常")
    DECEASED = "deceased", _("死亡")
    CANCELLED = "cancelled", _("证件注销")
    MOVED_OUT = "moved_out", _("迁出")


class PersonQuerySet(models.QuerySet["Person"]):
    def within(self, code: str) -> PersonQuerySet:
        """Persons whose current residence lies in the region ``code``'s
        subtree (an indexed prefix match on ``region_code``)."""
        return self.filter(region_code__startswith=prefix_of(code))

    def matching(self, text: str, *, partial_numbers: bool = True) -> PersonQuerySet:
        """Persons a search box entry finds. Text that normalises to digits
        (an ``X`` allowed) is an identity or certificate number or a prefix
        of one, or a 15-digit legacy number; other text is part of a name.
        Full-width digits, a lowercase ``x`` and pasted spaces are folded
        first, as everywhere (FC-01, FC-17, FC-18).

        Without ``partial_numbers`` (users who see numbers masked) a number
        matches only whole: an 18-character identity number or a
        20-character certificate number. Prefixes would let a user recover
        the hidden digits one search at a time."""
        identifier = normalize_identifier(text)
        if _IDENTIFIER_QUERY.fullmatch(identifier):
            if not partial_numbers:
                return self._whole_number(identifier)
            if len(identifier) > 18:
                return self.filter(certificate_number__startswith=identifier)
            return self.filter(
                Q(id_number__startswith=identifier) | Q(legacy_id_number=identifier)
            )
        name = normalize_name(text)
        return self.filter(name__contains=name) if name else self

    def _whole_number(self, identifier: str) -> PersonQuerySet:
        if len(identifier) == 18:
            return self.filter(id_number=identifier)
        if len(identifier) == 20:
            return self.filter(certificate_number=identifier)
        return self.none()

    def resident_on(self, day: date, code: str) -> PersonQuerySet:
        """Persons whose residence on ``day`` lay in the subtree of
        ``code``, wherever they live now (one subquery on ``Residence``)."""
        residences = (
            Residence.objects.on(day)
            .filter(village__code__startswith=prefix_of(code))
            .values("person_id")
        )
        return self.filter(pk__in=residences)


class Person(models.Model):
    """A certificate holder (持证残疾人).

    ``certificate_number`` is the identity number followed by the category
    and grade codes; ``sex`` and ``birth_date`` are derived from the identity
    number. ``region_code`` repeats ``village_id`` (the village's code) so
    that subtree scoping is one indexed prefix match that PostgreSQL can
    serve with ``varchar_pattern_ops``; the services keep the two equal and a
    check constraint enforces it.
    """

    id_number = models.CharField(_("公民身份号码"), max_length=18, unique=True)
    certificate_number = models.CharField(_("残疾人证号"), max_length=20, unique=True)
    # Missing values are NULL in this project, never '' (DESIGN §5).
    legacy_id_number = models.CharField(  # noqa: DJ001
        _("15位旧身份证号"),
        max_length=15,
        null=True,
        blank=True,
        db_index=True,
        help_text=_("用于匹配按旧号码登记的历史记录。"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.PositiveSmallIntegerField(_("性别"), choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    category = models.PositiveSmallIntegerField(_("残疾类别"), choices=Category.choices)
    grade = models.PositiveSmallIntegerField(_("残疾等级"), choices=Grade.choices)
    hukou_type = models.PositiveSmallIntegerField(
        _("户口性质"), choices=HukouType.choices, null=True, blank=True
    )
    village = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("现居住地村(社区)"),
    )
    region_code = models.CharField(_("居住地区划代码"), max_length=12)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.NORMAL
    )
    status_date = models.DateField(_("状态日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("持证残疾人")
        verbose_name_plural = _("持证残疾人")
        ordering = ["region_code", "id"]
        indexes = [
            models.Index(
                fields=["region_code"],
                name="person_region_prefix_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(certificate_number__startswith=F("id_number")),
                name="person_certificate_holds_id",
            ),
            models.CheckConstraint(
                condition=Q(region_code=F("village")),
                name="person_region_code_is_village",
            ),
            models.CheckConstraint(
                condition=Q(category__gte=1, category__lte=7),
                name="person_category_range",
            ),
            models.CheckConstraint(
                condition=Q(grade__gte=1, grade__lte=4), name="person_grade_range"
            ),
        ]

    def __str__(self) -> str:
        # Deliberately no name or number: this string ends up in admin
        # screens and error reports.
        return f"持证残疾人#{self.pk}"

    def residence_on(self, day: date) -> Residence | None:
        """The residence covering ``day``, or ``None`` if none is recorded
        (one query)."""
        return self.residences.on(day).select_related("village").first()


class ResidenceQuerySet(models.QuerySet["Residence"]):
    def on(self, day: date) -> ResidenceQuerySet:
        """Residences that cover ``day`` (``valid_from`` inclusive,
        ``valid_to`` exclusive)."""
        return self.filter(valid_from__lte=day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gt=day)
        )

    def current(self) -> ResidenceQuerySet:
        return self.filter(valid_to__isnull=True)


class Residence(models.Model):
    """A period a person lived in one village: from ``valid_from`` up to
    (not including) ``valid_to``; ``valid_to`` is empty for the current
    residence. A move closes the current period and opens the next on the
    same day, so periods never overlap."""

    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="residences",
        verbose_name=_("持证残疾人"),
    )
    village = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("村(社区)")
    )
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    objects = ResidenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("居住地记录")
        verbose_name_plural = _("居住地记录")
        ordering = ["person", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(valid_to__isnull=True),
                name="residence_one_current",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from")),
                name="residence_period_order",
            ),
        ]

    def __str__(self) -> str:
        until = self.valid_to.isoformat() if self.valid_to else "…"
        return f"{self.village_id} {self.valid_from.isoformat()}–{until}"


class BaseList(models.Model):
    """The 底册 of one round (``year``) for one region of county level or
    above: holders there at ``reference_date``. Loading a corrected file for
    the same year and region updates this row and its entries; the counts
    describe the latest load, and the audit trail keeps every load."""

    year = models.PositiveSmallIntegerField(_("年度"))
    reference_date = models.DateField(_("统计时点"))
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("区划")
    )
    source_name = models.CharField(_("来源文件"), max_length=255)
    sha256 = models.CharField(_("SHA-256校验值"), max_length=64)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("载入人"),
    )
    loaded_at = models.DateTimeField(_("载入时间"))
    rows = models.PositiveIntegerField(_("行数"), default=0)
    created = models.PositiveIntegerField(_("新增人数"), default=0)
    updated = models.PositiveIntegerField(_("更新人数"), default=0)
    unchanged = models.PositiveIntegerField(_("未变人数"), default=0)
    moves = models.PositiveIntegerField(_("迁移人数"), default=0)

    class Meta:
        verbose_name = _("底册")
        verbose_name_plural = _("底册")
        ordering = ["-year", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "region"], name="base_list_one_per_region_year"
            )
        ]
        indexes = [models.Index(fields=["sha256"], name="base_list_sha_idx")]

    def __str__(self) -> str:
        return f"{self.year} {self.region_id}"


class BaseListEntry(models.Model):
    """One holder in a base list, with the village and status at the
    reference date. ``year`` repeats ``base_list.year`` so that the database
    itself refuses to count a person twice in one round."""

    base_list = models.ForeignKey(
        BaseList,
        on_delete=models.PROTECT,
        related_name="entries",
        verbose_name=_("底册"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="base_list_entries",
        verbose_name=_("持证残疾人"),
    )
    village = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("统计时点居住地村(社区)"),
    )
    status = models.CharField(_("统计时点状态"), max_length=20, choices=Status.choices)

    class Meta:
        verbose_name = _("底册条目")
        verbose_name_plural = _("底册条目")
        ordering = ["base_list", "village", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["base_list", "person"], name="base_list_entry_unique"
            ),
            models.UniqueConstraint(
                fields=["year", "person"], name="base_list_entry_once_a_year"
            ),
        ]
        indexes = [
            # Entries of a region's subtree: a prefix match on the village.
            models.Index(
                fields=["village"],
                name="entry_village_prefix_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.base_list_id}:{self.person_id}"
