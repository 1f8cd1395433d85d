from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveyConfig(AppConfig):
    name = "dtgx.survey"
    label = "survey"
    verbose_name = _("动态更新登记")

    def ready(self) -> None:
        from dtgx.registry.signals import base_list_checks

        if _base_list_unlocked not in base_list_checks:
            base_list_checks.append(_base_list_unlocked)


def _base_list_unlocked(year: int, region_code: str) -> None:
    """Refuse a base list load into a region whose round data are locked."""
    from dtgx.survey.models import Round
    from dtgx.survey.services import check_region_unlocked

    round = Round.objects.filter(year=year).first()
    if round is not None:
        check_region_unlocked(round, region_code)
