from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValidationConfig(AppConfig):
    name = "dtgx.validation"
    label = "validation"
    verbose_name = _("逻辑审核")

    def ready(self) -> None:
        from dtgx.survey.signals import record_saved, rule_set_checks
        from dtgx.validation import services

        record_saved.connect(_audit_on_save, dispatch_uid="validation.audit_on_save")
        if services.check_rule_set_name not in rule_set_checks:
            rule_set_checks.append(services.check_rule_set_name)


def _audit_on_save(sender: type, **kwargs: Any) -> None:
    from dtgx.validation.services import audit_on_save

    audit_on_save(kwargs["record"], actor=kwargs["actor"], changed=kwargs["changed"])
