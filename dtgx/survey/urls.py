from django.urls import path

from dtgx.survey import views

app_name = "survey"
urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("<int:year>/", views.round_home, name="round_home"),
    path("<int:year>/region/<str:code>/", views.progress, name="progress"),
    path(
        "<int:year>/region/<str:code>/persons/",
        views.person_record_list,
        name="person_record_list",
    ),
    path(
        "<int:year>/region/<str:code>/pending/",
        views.pending_list,
        name="pending_list",
    ),
    path(
        "<int:year>/region/<str:code>/communities/",
        views.community_record_list,
        name="community_record_list",
    ),
    path("persons/<int:pk>/", views.person_record_detail, name="person_record_detail"),
    path(
        "persons/<int:pk>/history/",
        views.person_record_history,
        name="person_record_history",
    ),
    path(
        "communities/<int:pk>/",
        views.community_record_detail,
        name="community_record_detail",
    ),
    path(
        "communities/<int:pk>/history/",
        views.community_record_history,
        name="community_record_history",
    ),
]
