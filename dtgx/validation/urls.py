from django.urls import path

from dtgx.validation import views

app_name = "validation"
urlpatterns = [
    path("<int:year>/region/<region:code>/", views.findings, name="findings"),
    path("<int:year>/region/<region:code>/run/", views.run_audit, name="run_audit"),
    path(
        "<int:year>/region/<region:code>/export/<str:fmt>/",
        views.export_findings,
        name="export_findings",
    ),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/verify/", views.verify, name="verify"),
]
