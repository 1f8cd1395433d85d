from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValidationConfig(AppConfig):
    name = "dtgx.validation"
    label = "validation"
    verbose_name = _("逻辑审核")
