from django.contrib.auth import views as auth_views
from django.urls import path

from dtgx.accounts import authenticator_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("agreement/", views.agreement, name="agreement"),
    path("me/", authenticator_views.my_account, name="my_account"),
    path(
        "me/authenticator/",
        authenticator_views.bind_authenticator,
        name="authenticator",
    ),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("users/<int:pk>/active/", views.user_set_active, name="user_set_active"),
    path(
        "users/<int:pk>/password/",
        views.user_reset_password,
        name="user_reset_password",
    ),
    path("users/<int:pk>/unlock/", views.user_unlock, name="user_unlock"),
    path(
        "users/<int:pk>/authenticator/reset/",
        authenticator_views.user_reset_authenticator,
        name="user_reset_authenticator",
    ),
    path("access-log/", views.access_log, name="access_log"),
]
