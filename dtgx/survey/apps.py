from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveyConfig(AppConfig):
    name = "dtgx.survey"
    label = "survey"
    verbose_name = _("动态更新登记")
