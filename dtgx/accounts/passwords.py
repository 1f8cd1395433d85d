"""Password strength rules added to Django's own validators."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class CharacterClassValidator:
    """Require characters from at least three of: upper case, lower case,
    digits and symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        classes = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(
                _(
                    "密码须至少包含大写字母、小写字母、数字、符号中的 %(count)d 类，"
                    "请加入缺少的字符类型。"
                )
                % {"count": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("密码须至少包含大写字母、小写字母、数字、符号中的 %(count)d 类。") % {
            "count": self.min_classes
        }


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with a message of our own: Django 5.2's Chinese
    catalogue lacks its current English text, so the stock message showed
    in English inside the Chinese interface."""

    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(min_length)d 个字符，请加长后再试。") % {
            "min_length": self.min_length
        }

    def get_help_text(self) -> str:
        return _("密码至少需要 %(min_length)d 个字符。") % {
            "min_length": self.min_length
        }
