from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "dtgx.registry"
    label = "registry"
    verbose_name = _("持证残疾人")
