"""Forms of the submission pages: the signature form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

DIGEST_LENGTH = 64


class SignForm(forms.Form):
    """Re-enter the password to sign the digest the page showed; the digest
    comes back so that a snapshot changed in between is refused."""

    password = forms.CharField(
        label=_("登录密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("请重新输入您的登录密码后签字。")},
    )
    digest = forms.CharField(
        max_length=DIGEST_LENGTH,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("缺少数据摘要，请刷新页面后再签字。"),
            "max_length": _("数据摘要不完整或有误，请刷新页面，核对摘要后再签字。"),
        },
    )
    # Only where the province asks for a second factor (``second_factor``).
    second_factor_code = forms.CharField(
        label=_("动态码"),
        max_length=10,
        help_text=_("身份验证器上当前显示的6位数字。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}
        ),
        error_messages={"required": _("请输入身份验证器上的6位动态码。")},
    )

    def __init__(self, *args: Any, second_factor: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not second_factor:
            del self.fields["second_factor_code"]
