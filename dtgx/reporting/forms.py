"""Forms of the submission pages: the signature form."""

from __future__ import annotations

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
        error_messages={"required": _("缺少数据摘要，请刷新页面后再签字。")},
    )
