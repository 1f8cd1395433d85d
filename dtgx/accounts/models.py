from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from dtgx.accounts.roles import Role
from dtgx.regions.models import Region


class User(AbstractUser):
    """A staff member of one region, holding one or more roles there."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("所属区划"),
        help_text=_("用户只能看到本区划及其下级的数据。"),
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    must_change_password = models.BooleanField(_("首次登录须修改密码"), default=False)
    created_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role_set(self) -> frozenset[Role]:
        """The user's roles, cached on the instance for one request."""
        cached: frozenset[Role] | None = getattr(self, "_role_cache", None)
        if cached is None:
            cached = frozenset(
                Role(value) for value in self.role_grants.values_list("role", flat=True)
            )
            self._role_cache = cached
        return cached

    def has_role(self, *roles: Role) -> bool:
        return bool(self.role_set.intersection(roles))


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("角色"), max_length=40, choices=Role.choices)
    granted_at = models.DateTimeField(_("授予时间"), auto_now_add=True)
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("角色授予")
        verbose_name_plural = _("角色授予")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class AgreementAcceptance(models.Model):
    """A user's acceptance of one version of the confidentiality agreement."""

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="agreement_acceptances"
    )
    version = models.CharField(_("协议版本"), max_length=20)
    accepted_at = models.DateTimeField(_("签署时间"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("保密协议签署")
        verbose_name_plural = _("保密协议签署")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "version"], name="unique_agreement_acceptance"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.version}"


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """Refuses bulk changes: rows of these tables are evidence."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("append-only table")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("append-only table")


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("append-only table")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("append-only table")


class AccessAction(models.TextChoices):
    VIEW = "view", _("查看")
    EXPORT = "export", _("导出")
    REVEAL = "reveal", _("显示完整证件号")
    SEARCH = "search", _("查询")


class AccessLog(AppendOnlyModel):
    """One view or export of real-name data: who, when, what, how many, from
    where. Never updated or deleted."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    action = models.CharField(_("操作"), max_length=10, choices=AccessAction.choices)
    # Region whose data were accessed: lets a director read their subtree's log.
    region_code = models.CharField(_("区划代码"), max_length=12, db_index=True)
    target = models.CharField(_("访问对象"), max_length=200)
    record_count = models.PositiveIntegerField(_("记录数"), default=0)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("实名数据访问日志")
        verbose_name_plural = _("实名数据访问日志")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.target}"


class AuditEvent(AppendOnlyModel):
    """A state change: actor, action, target, time, before and after.

    Written by services in the same transaction as the change it describes
    (see ``dtgx.accounts.audit.record_event``)."""

    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=60)
    target_id = models.CharField(_("对象标识"), max_length=64)
    region_code = models.CharField(_("区划代码"), max_length=12, db_index=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    reason = models.TextField(_("原因"), blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        target = f"{self.target_type}:{self.target_id}"
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {target}"


class Authenticator(models.Model):
    """A user's authenticator app (身份验证器, TOTP per RFC 6238), asked for
    when a province wants a second factor on signatures.

    Pending until the holder types a code from it (``confirmed_at``). A code
    is good once: ``last_used_step`` is the time step of the last code
    accepted, and codes of that step or earlier are refused. The secret is
    shown only while enrolling and never written to a log or audit event
    (see ``dtgx.accounts.authenticator``)."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="authenticator"
    )
    secret = models.CharField(_("密钥"), max_length=64, editable=False)
    issued_at = models.DateTimeField(_("生成时间"))
    confirmed_at = models.DateTimeField(_("绑定时间"), null=True, blank=True)
    last_used_step = models.BigIntegerField(
        _("最近使用的时间步"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("身份验证器")
        verbose_name_plural = _("身份验证器")

    def __str__(self) -> str:
        return f"{self.user} · {self.verbose_state}"

    @property
    def verbose_state(self) -> str:
        return str(_("已绑定") if self.confirmed_at else _("待确认"))
