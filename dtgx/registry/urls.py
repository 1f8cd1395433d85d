from django.urls import path

from dtgx.registry import views

app_name = "registry"
urlpatterns = [
    path("persons/", views.person_index, name="person_index"),
    path("persons/region/<region:code>/", views.person_list, name="person_list"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("base-lists/", views.base_list_index, name="base_list_index"),
    path("base-lists/upload/", views.base_list_upload, name="base_list_upload"),
    path("base-lists/confirm/", views.base_list_confirm, name="base_list_confirm"),
]
