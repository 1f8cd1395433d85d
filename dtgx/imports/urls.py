from django.urls import path

from dtgx.imports import views

app_name = "imports"
urlpatterns = [
    path("<int:year>/<str:kind>/", views.import_page, name="import_page"),
    path("<int:year>/<str:kind>/template/", views.template, name="template"),
    path("batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<int:pk>/progress/", views.batch_progress, name="batch_progress"),
    path("batches/<int:pk>/decide/", views.batch_decide, name="batch_decide"),
    path("batches/<int:pk>/report/", views.batch_report, name="batch_report"),
]
