"""Identity routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.identity.rest import views

app_name = "identity"

urlpatterns = [
    path("auth/register", views.RegisterView.as_view(), name="register"),
    path("auth/login", views.LoginView.as_view(), name="login"),
    path("auth/refresh", views.RefreshView.as_view(), name="refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="logout"),
    path("auth/password/change", views.PasswordChangeView.as_view(), name="password-change"),
    path("auth/password/reset", views.PasswordResetRequestView.as_view(), name="password-reset"),
    path(
        "auth/password/reset/confirm",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("me", views.MeView.as_view(), name="me"),
    path("me/addresses", views.AddressListView.as_view(), name="address-list"),
    path("me/addresses/<int:address_id>", views.AddressDetailView.as_view(), name="address-detail"),
    path(
        "me/addresses/<int:address_id>/default",
        views.AddressDefaultView.as_view(),
        name="address-default",
    ),
    path("admin/users", views.AdminUserListView.as_view(), name="admin-user-list"),
    path(
        "admin/users/<int:user_id>", views.AdminUserDetailView.as_view(), name="admin-user-detail"
    ),
]
