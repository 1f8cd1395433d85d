from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from dtgx.accounts import access
from dtgx.accounts.models import User
from dtgx.accounts.roles import Role
from dtgx.regions.models import Region


def too_long(label: Promise) -> dict[str, Any]:
    """``error_messages`` of a field with a length limit, in words: the
    limit, the length typed and what to do (Django's own message speaks
    of a "变量" and its "字符数")."""
    message = _(
        "{label}不能超过%(limit_value)d个字，现在有%(show_value)d个字，请精简后再提交。"
    )
    return {"max_length": format_lazy(message, label=label)}


class AccountCreateForm(forms.Form):
    username = forms.RegexField(
        label=_("登录名"),
        max_length=40,
        regex=r"^[A-Za-z0-9_.@-]+$",
        error_messages={
            "invalid": _("登录名只能包含字母、数字和 _ . @ -。"),
            **too_long(_("登录名")),
        },
    )
    display_name = forms.CharField(
        label=_("姓名"), max_length=50, error_messages=too_long(_("姓名"))
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        error_messages=too_long(_("联系电话")),
    )
    region = forms.ModelChoiceField(label=_("所属区划"), queryset=Region.objects.none())
    roles = forms.MultipleChoiceField(
        label=_("角色"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    initial_password = forms.CharField(
        label=_("初始密码"),
        widget=forms.PasswordInput,
        help_text=_("账号持有人首次登录时须修改此密码。"),
    )

    def __init__(self, *args: Any, admin: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ModelChoiceField)
        region_field.queryset = access.assignable_regions(admin).order_by("code")


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("角色"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(
        label=_("变更原因"), max_length=200, error_messages=too_long(_("变更原因"))
    )


class ActiveForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=200, error_messages=too_long(_("原因"))
    )


class PasswordResetForm(forms.Form):
    new_password = forms.CharField(label=_("新的初始密码"), widget=forms.PasswordInput)


class AgreementForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("我已阅读并同意遵守以上保密协议"),
        error_messages={"required": _("请勾选同意后再提交。")},
    )


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "登录名或密码不正确。请注意密码区分大小写；连续输错多次后账号将被暂时锁定。"
        ),
        "inactive": _("此账号已停用。如需继续使用，请联系本级系统管理员。"),
    }


class NewPasswordForm(PasswordChangeForm):
    """Password change that refuses to keep the old password: otherwise the
    password an administrator set could stay in force for good."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        new = cleaned.get("new_password1")
        if new and self.user.check_password(new):
            self.add_error(
                "new_password1", _("新密码不能与原密码相同，请设置一个新的密码。")
            )
        return cleaned
