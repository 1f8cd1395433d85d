from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dtgx.regions.codes import Level, UrbanRuralClass, ancestor_codes, prefix_of


class RegionQuerySet(models.QuerySet["Region"]):
    def within(self, ancestor: Region | str) -> RegionQuerySet:
        """The ancestor and every region below it (a prefix match on the code)."""
        code = ancestor if isinstance(ancestor, str) else ancestor.code
        return self.filter(code__startswith=prefix_of(code))

    def current(self) -> RegionQuerySet:
        """Regions in force now (not withdrawn)."""
        return self.filter(valid_to__isnull=True)


class Region(models.Model):
    """A unit of the six-level hierarchy, keyed by its 12-digit code.

    Codes are never deleted: records of past rounds point at them. A withdrawn
    code keeps its row with ``valid_to`` set; a rename is kept in
    ``RegionName``.
    """

    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级区划"),
    )
    # 统计用城乡分类代码 (111 主城区 … 220 村庄), known for villages only.
    urban_rural_class = models.CharField(
        _("城乡分类代码"),
        max_length=3,
        blank=True,
        default="",
        choices=UrbanRuralClass.choices,
    )
    valid_from = models.PositiveSmallIntegerField(_("启用年份"), null=True, blank=True)
    valid_to = models.PositiveSmallIntegerField(
        _("停用年份"),
        null=True,
        blank=True,
        help_text=_("最后一个有效年份；为空表示现行有效。"),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [
            # Prefix (LIKE 'xx%') lookups on PostgreSQL need the pattern
            # operator class; other databases ignore ``opclasses``.
            models.Index(
                fields=["code"],
                name="region_code_prefix_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["level", "code"], name="region_level_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        return prefix_of(self.code)

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label)

    def is_ancestor_of(self, other: Region | str) -> bool:
        code = other if isinstance(other, str) else other.code
        return code.startswith(self.prefix)

    def ancestors(self) -> list[Region]:
        """Ancestors from the nation down to the parent (one query)."""
        codes = ancestor_codes(self.code)
        return list(Region.objects.filter(code__in=codes).order_by("level"))


class RegionName(models.Model):
    """A name a code had before it was renamed, with the years it was valid.

    Records of past rounds show the name their region had at the time."""

    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="former_names",
        verbose_name=_("区划"),
    )
    name = models.CharField(_("名称"), max_length=100)
    valid_from = models.PositiveSmallIntegerField(_("启用年份"), null=True, blank=True)
    valid_to = models.PositiveSmallIntegerField(_("停用年份"))

    class Meta:
        verbose_name = _("区划曾用名")
        verbose_name_plural = _("区划曾用名")
        ordering = ["region", "valid_to"]

    def __str__(self) -> str:
        return f"{self.name}（{self.region_id}，至{self.valid_to}年）"


class DivisionTable(models.Model):
    """One import of a division code table; a survey round pins one.

    The counts say what the import changed; ``sha256`` identifies the exact
    source file(s), so re-importing the same table is recognised."""

    class Kind(models.TextChoices):
        FOUR_FILES = "four_files", _("省市县乡四个CSV文件")
        CODE_LIST = "code_list", _("代码、名称列表（CSV或XLSX）")
        BUILTIN = "builtin", _("内置省市县数据")

    year = models.PositiveSmallIntegerField(_("区划年份"))
    kind = models.CharField(_("来源类型"), max_length=20, choices=Kind.choices)
    source = models.CharField(_("来源"), max_length=255)
    sha256 = models.CharField(_("SHA-256校验值"), max_length=64)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    renamed = models.PositiveIntegerField(_("更名"), default=0)
    restored = models.PositiveIntegerField(_("恢复启用"), default=0)
    reclassified = models.PositiveIntegerField(_("城乡分类变更"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)
    withdrawn = models.PositiveIntegerField(_("停用"), default=0)
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("区划代码表")
        verbose_name_plural = _("区划代码表")
        ordering = ["-imported_at"]
        indexes = [
            models.Index(fields=["year", "sha256"], name="division_table_sha_idx")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.source}"
