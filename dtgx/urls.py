from django.urls import include, path

from dtgx.accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("dtgx.accounts.urls")),
    path("regions/", include("dtgx.regions.urls")),
    path("registry/", include("dtgx.registry.urls")),
    path("survey/", include("dtgx.survey.urls")),
    path("audit/", include("dtgx.validation.urls")),
    path("imports/", include("dtgx.imports.urls")),
    path("reporting/", include("dtgx.reporting.urls")),
    path("quality/", include("dtgx.quality.urls")),
]

handler403 = "dtgx.errors.permission_denied"
handler404 = "dtgx.errors.page_not_found"
