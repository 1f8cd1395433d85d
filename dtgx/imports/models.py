"""Import batches, the bad cells they found and the bad rows as read.

An ``ImportBatch`` moves through its states only by ``dtgx.imports.services``:

    排队 → 正在检查 → 待选择 → 正在导入 → 已导入
                         ↘ 暂不导入
    (a file that cannot be read at all: 无法读取)

The uploaded file is kept on disk only until the clerk decides; the bad
rows keep their cells here so that the error report can be downloaded
afterwards (real-name data: the report is logged like any export).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dtgx.survey.models import NAME_MAX_LENGTH, REASON_MAX_LENGTH, Round


class ImportKind(models.TextChoices):
    PERSON = "person", _("残疾人登记表")
    COMMUNITY = "community", _("社区登记表")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队等待检查")
    CHECKING = "checking", _("正在检查")
    CHECKED = "checked", _("已检查，待选择")
    COMMITTING = "committing", _("正在导入")
    COMMITTED = "committed", _("已导入")
    HELD = "held", _("暂不导入")
    FAILED = "failed", _("无法读取")


class ImportBatch(models.Model):
    """One uploaded file and what checking and importing it found and did.

    ``reason`` and ``responsible_person``, when given at upload, allow rows
    whose record already exists with other answers to become corrections
    (数据更正) sharing ``batch_id``; without them such rows are refused,
    never overwritten silently."""

    round = models.ForeignKey(
        Round, on_delete=models.PROTECT, related_name="+", verbose_name=_("年度")
    )
    kind = models.CharField(_("登记表"), max_length=10, choices=ImportKind.choices)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ImportStatus.choices,
        default=ImportStatus.QUEUED,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("上传人"),
    )
    # The uploader's region: who else may look at the batch.
    region_code = models.CharField(_("区划代码"), max_length=12)
    file_name = models.CharField(_("文件名"), max_length=200)
    stored_path = models.CharField(_("暂存文件"), max_length=300, blank=True)
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    encoding = models.CharField(_("编码"), max_length=40, blank=True)
    reason = models.CharField(_("更正原因"), max_length=REASON_MAX_LENGTH, blank=True)
    responsible_person = models.CharField(
        _("责任人"), max_length=NAME_MAX_LENGTH, blank=True
    )
    batch_id = models.UUIDField(_("批次号"), default=uuid.uuid4, unique=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    checked_at = models.DateTimeField(_("检查完成时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("决定人"),
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("导入完成时间"), null=True, blank=True)
    message = models.TextField(_("说明"), blank=True)
    headers = models.JSONField(_("表头"), default=list, blank=True)

    rows_total = models.PositiveIntegerField(_("数据行数"), default=0)
    rows_blank = models.PositiveIntegerField(_("跳过的空行"), default=0)
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    rows_bad = models.PositiveIntegerField(_("有错误的行"), default=0)
    to_create = models.PositiveIntegerField(_("新增"), default=0)
    to_change = models.PositiveIntegerField(_("更正"), default=0)
    unchanged = models.PositiveIntegerField(_("未变"), default=0)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["region_code"],
                name="import_batch_region_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"导入批次#{self.pk}"

    @property
    def rows_valid(self) -> int:
        return self.to_create + self.to_change + self.unchanged

    @property
    def is_running(self) -> bool:
        running = (ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.COMMITTING)
        return self.status in running


class ImportProblem(models.Model):
    """One bad cell (or a problem of a whole row) of a batch."""

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="problems"
    )
    line = models.PositiveIntegerField(_("行号"))
    column = models.CharField(_("列"), max_length=200, blank=True)
    value = models.CharField(_("内容"), max_length=200, blank=True)
    message = models.TextField(_("错误说明"))

    class Meta:
        verbose_name = _("导入错误")
        verbose_name_plural = _("导入错误")
        ordering = ["line", "id"]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line}"


class BadRow(models.Model):
    """The cells of a row that was not imported, as text, for the report."""

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="bad_rows"
    )
    line = models.PositiveIntegerField(_("行号"))
    cells = models.JSONField(_("内容"))

    class Meta:
        ordering = ["line"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="bad_row_once")
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line}"
