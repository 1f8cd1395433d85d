from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    name = "dtgx.regions"
    label = "regions"
    verbose_name = _("行政区划")

    def ready(self) -> None:
        from django.urls import register_converter

        from dtgx.regions.converters import RegionCodeConverter

        # Registered here so that every app's URLconf can use <region:code>.
        register_converter(RegionCodeConverter, "region")
