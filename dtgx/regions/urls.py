from django.urls import path

from dtgx.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.region_index, name="index"),
    path("<region:code>/", views.region_detail, name="detail"),
]
