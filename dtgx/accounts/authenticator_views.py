"""我的账户 and the authenticator app: binding it, and its reset by a user
administrator. The enrolment page carries the secret, so it is never
cached."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dtgx.accounts import access
from dtgx.accounts import authenticator as service
from dtgx.accounts.roles import Role


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("动态码"),
        max_length=10,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
            }
        ),
        error_messages={"required": gettext_lazy("请输入身份验证器上的6位动态码。")},
    )


class ResetForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("重置原因"),
        max_length=200,
        error_messages={"required": gettext_lazy("请填写重置身份验证器的原因。")},
    )


@login_required
def my_account(request: HttpRequest) -> HttpResponse:
    user = access.acting_user(request)
    context = {
        "authenticator": service.get_confirmed(user),
        "agreement_accepted": access.has_accepted_agreement(user),
    }
    return render(request, "accounts/my_account.html", context)


@never_cache
@login_required
def bind_authenticator(request: HttpRequest) -> HttpResponse:
    """GET shows a fresh secret (once); POST binds it with a code."""
    user = access.acting_user(request)
    bound = service.get_confirmed(user)
    if bound is not None:
        page = "accounts/authenticator.html"
        return render(request, page, {"authenticator": bound})

    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service.confirm_authenticator(user, form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            messages.success(
                request, _("身份验证器已绑定。签字时请输入它显示的6位动态码。")
            )
            return redirect("accounts:my_account")
    if request.method == "POST":
        enrolment = service.get_pending_enrolment(user)
    else:
        enrolment = service.issue_secret(user)
    context = {"form": form, "enrolment": enrolment}
    return render(request, "accounts/authenticator.html", context)


@require_POST
@access.role_required(Role.USER_ADMIN)
def user_reset_authenticator(request: HttpRequest, pk: int) -> HttpResponse:
    admin = access.acting_user(request)
    user = access.get_managed_user_or_404(admin, pk)
    form = ResetForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写重置身份验证器的原因。"))
        return redirect("accounts:user_detail", pk=user.pk)

    reason = form.cleaned_data["reason"]
    if service.reset_authenticator(admin, user, reason=reason):
        messages.success(
            request, _("身份验证器已重置，持有人须在“我的账户”中重新绑定。")
        )
    else:
        messages.info(request, _("此账号没有绑定身份验证器，无需重置。"))
    return redirect("accounts:user_detail", pk=user.pk)
