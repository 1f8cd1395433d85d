from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dtgx.accounts import access, services
from dtgx.accounts.audit import client_address
from dtgx.accounts.forms import (
    AccountCreateForm,
    ActiveForm,
    AgreementForm,
    LoginForm,
    NewPasswordForm,
    PasswordResetForm,
    RolesForm,
)
from dtgx.accounts.roles import Role


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = NewPasswordForm
    success_url = "/"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.complete_password_change(access.acting_user(self.request))
        messages.success(self.request, _("密码已修改。"))
        return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # The front door shows what waits in the submission workflow, so the
    # home page reaches up to ``reporting`` (imported here, not at the top,
    # to keep ``accounts`` free of it everywhere else).
    from dtgx.reporting.access import build_dashboard

    user = access.acting_user(request)
    context = {
        "dashboard": build_dashboard(user),
        "agreement_accepted": access.has_accepted_agreement(user),
        "may_see_real_names": access.may_see_real_names(user),
        "may_list_real_names": access.may_list_real_names(user),
        "is_user_admin": user.has_role(Role.USER_ADMIN),
        "can_read_access_log": access.can_read_access_log(user),
    }
    return render(request, "accounts/home.html", context)


@login_required
def agreement(request: HttpRequest) -> HttpResponse:
    user = access.acting_user(request)
    form = AgreementForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.accept_agreement(user, ip_address=client_address(request))
        messages.success(request, _("已签署保密协议。"))
        return redirect("home")
    context = {
        "form": form,
        "accepted": access.has_accepted_agreement(user),
        "version": settings.CONFIDENTIALITY_AGREEMENT_VERSION,
    }
    return render(request, "accounts/agreement.html", context)


@access.role_required(Role.USER_ADMIN)
def user_list(request: HttpRequest) -> HttpResponse:
    admin = access.acting_user(request)
    users = (
        access.manageable_users(admin)
        .select_related("region")
        .prefetch_related("role_grants")
        .order_by("region_id", "username")
    )
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page})


@access.role_required(Role.USER_ADMIN)
def user_create(request: HttpRequest) -> HttpResponse:
    admin = access.acting_user(request)
    form = AccountCreateForm(request.POST or None, admin=admin)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new = services.NewAccount(
            username=data["username"],
            display_name=data["display_name"],
            region=data["region"],
            roles=frozenset(Role(r) for r in data["roles"]),
            initial_password=data["initial_password"],
            phone=data["phone"],
        )
        if _apply(form, lambda: services.create_account(admin, new)):
            messages.success(request, _("账号已创建，首次登录时须修改密码。"))
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form})


@access.role_required(Role.USER_ADMIN)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    admin = access.acting_user(request)
    user = access.get_managed_user_or_404(admin, pk)
    roles_form = RolesForm(initial={"roles": sorted(user.role_set)})
    if request.method == "POST":
        roles_form = RolesForm(request.POST)
        if roles_form.is_valid():
            roles = frozenset(Role(r) for r in roles_form.cleaned_data["roles"])
            reason = roles_form.cleaned_data["reason"]
            if _apply(
                roles_form,
                lambda: services.change_roles(admin, user, roles, reason=reason),
            ):
                messages.success(request, _("角色已更新。"))
                return redirect("accounts:user_detail", pk=user.pk)
    context = {
        "account": user,
        "roles_form": roles_form,
        "active_form": ActiveForm(),
        "reset_form": PasswordResetForm(),
        "locked_out": services.is_locked_out(user),
    }
    return render(request, "accounts/user_detail.html", context)


@require_POST
@access.role_required(Role.USER_ADMIN)
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    admin = access.acting_user(request)
    user = access.get_managed_user_or_404(admin, pk)
    form = ActiveForm(request.POST)
    active = request.POST.get("active") == "1"
    if form.is_valid() and _apply(
        form,
        lambda: services.set_account_active(
            admin, user, active=active, reason=form.cleaned_data["reason"]
        ),
    ):
        messages.success(request, _("账号已启用。") if active else _("账号已停用。"))
    else:
        messages.error(request, " ".join(_errors(form)) or _("请填写原因。"))
    return redirect("accounts:user_detail", pk=user.pk)


@require_POST
@access.role_required(Role.USER_ADMIN)
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    admin = access.acting_user(request)
    user = access.get_managed_user_or_404(admin, pk)
    form = PasswordResetForm(request.POST)
    if form.is_valid() and _apply(
        form,
        lambda: services.reset_password(
            admin, user, new_password=form.cleaned_data["new_password"]
        ),
    ):
        messages.success(request, _("密码已重置，持有人下次登录时须修改密码。"))
    else:
        messages.error(request, " ".join(_errors(form)))
    return redirect("accounts:user_detail", pk=user.pk)


@require_POST
@access.role_required(Role.USER_ADMIN)
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    admin = access.acting_user(request)
    user = access.get_managed_user_or_404(admin, pk)
    services.unlock_account(admin, user)
    messages.success(request, _("账号已解除锁定。"))
    return redirect("accounts:user_detail", pk=user.pk)


@access.role_required(Role.OFFICE_DIRECTOR)
def access_log(request: HttpRequest) -> HttpResponse:
    user = access.acting_user(request)
    rows = access.visible_access_log(user).select_related("user")
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(request, "accounts/access_log.html", {"page": page})


def _apply(form: Form, change: Any) -> bool:
    """Run a service; turn its validation refusal into form errors."""
    try:
        change()
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return False
    return True


def _errors(form: Form) -> list[str]:
    return [str(message) for errors in form.errors.values() for message in errors]
