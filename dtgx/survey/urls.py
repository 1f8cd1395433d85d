from django.urls import path

from dtgx.survey import entry_views, printable, views

app_name = "survey"
urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("<int:year>/", views.round_home, name="round_home"),
    path("<int:year>/region/<region:code>/", views.progress, name="progress"),
    path(
        "<int:year>/region/<region:code>/persons/",
        views.person_record_list,
        name="person_record_list",
    ),
    path(
        "<int:year>/region/<region:code>/pending/",
        views.pending_list,
        name="pending_list",
    ),
    path(
        "<int:year>/region/<region:code>/communities/",
        views.community_record_list,
        name="community_record_list",
    ),
    path(
        "<int:year>/region/<region:code>/persons/export/<str:fmt>/",
        views.person_record_export,
        name="person_record_export",
    ),
    path(
        "<int:year>/region/<region:code>/communities/export/<str:fmt>/",
        views.community_record_export,
        name="community_record_export",
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
    # The entry screen (录入, 更正) and the way from one form to the next.
    path(
        "<int:year>/persons/new/<int:person>/",
        entry_views.person_entry_new,
        name="person_entry_new",
    ),
    path(
        "persons/<int:pk>/edit/",
        entry_views.person_entry_edit,
        name="person_entry_edit",
    ),
    path(
        "<int:year>/region/<region:code>/next/",
        entry_views.entry_next,
        name="entry_next",
    ),
    path(
        "<int:year>/communities/new/<region:code>/",
        entry_views.community_entry_new,
        name="community_entry_new",
    ),
    path(
        "communities/<int:pk>/edit/",
        entry_views.community_entry_edit,
        name="community_entry_edit",
    ),
    path(
        "forms/<str:kind>/<str:version>/print/",
        printable.print_form,
        name="print_form",
    ),
]
