from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser

from dtgx.accounts.models import User


class AccountBackend(ModelBackend):
    """Password login that also authenticates disabled accounts, so that the
    login form can tell their holders why it refuses them; a disabled
    account's existing session is never restored."""

    def user_can_authenticate(self, user: User | AnonymousUser | None) -> bool:
        return True

    def get_user(self, user_id: Any) -> User | None:
        user = super().get_user(user_id)
        if not isinstance(user, User) or not user.is_active:
            return None
        return user
