from django.urls import path

from dtgx.quality import views

app_name = "quality"
urlpatterns = [
    path(
        "<int:year>/region/<region:code>/",
        views.acceptance_list,
        name="acceptance_list",
    ),
    path("submissions/<int:pk>/draw/", views.draw, name="draw"),
    path("spot-checks/<int:pk>/", views.spot_check, name="spot_check"),
    path("spot-checks/<int:pk>/accept/", views.accept, name="accept"),
    path(
        "spot-checks/<int:pk>/return/",
        views.return_submission,
        name="return_submission",
    ),
    path("items/<int:pk>/mark/", views.mark, name="mark"),
]
