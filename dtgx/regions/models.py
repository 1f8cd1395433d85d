from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from dtgx.regions.codes import Level, prefix_of


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
        _("城乡分类代码"), max_length=3, blank=True, default=""
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
        """Ancestors from the nation down to the parent (one query per level)."""
        chain: list[Region] = []
        node = self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))
