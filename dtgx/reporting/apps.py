from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "dtgx.reporting"
    label = "reporting"
    verbose_name = _("汇总上报")

    def ready(self) -> None:
        from dtgx.survey.signals import record_saved

        record_saved.connect(
            _void_on_change, dispatch_uid="reporting.void_signatures_on_change"
        )


def _void_on_change(sender: type, **kwargs: Any) -> None:
    from dtgx.reporting.services import void_signatures_after_change

    record = kwargs["record"]
    void_signatures_after_change(record.round, record.region_code, kwargs["actor"])
