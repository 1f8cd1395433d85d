from django.urls import path

from dtgx.reporting import views

app_name = "reporting"
urlpatterns = [
    path("<int:year>/region/<region:code>/", views.submission, name="submission"),
    path("<int:year>/region/<region:code>/prepare/", views.prepare, name="prepare"),
    path("<int:year>/region/<region:code>/submit/", views.submit, name="submit"),
    path("<int:year>/region/<region:code>/sign/<str:kind>/", views.sign, name="sign"),
    path("<int:year>/region/<region:code>/tables/", views.tables, name="tables"),
    path(
        "<int:year>/region/<region:code>/tables/xlsx/",
        views.export_tables,
        name="export_tables",
    ),
]
