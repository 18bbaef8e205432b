"""Flash sale routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.flashsale.rest import views

app_name = "flashsale"

urlpatterns = [
    path("flash-sessions", views.SessionsView.as_view(), name="session-list"),
    path("flash-sessions/<int:session_id>", views.SessionView.as_view(), name="session-detail"),
    path(
        "flash-items/<int:item_id>/purchase-token",
        views.PurchaseTokenView.as_view(),
        name="purchase-token",
    ),
    path("flash-items/<int:item_id>/purchase", views.PurchaseView.as_view(), name="purchase"),
    path("flash-tickets/<str:ticket_no>", views.TicketView.as_view(), name="ticket"),
    path("admin/flash-sessions", views.AdminSessionListView.as_view(), name="admin-session-list"),
    path(
        "admin/flash-sessions/<int:session_id>",
        views.AdminSessionDetailView.as_view(),
        name="admin-session-detail",
    ),
    path(
        "admin/flash-sessions/<int:session_id>/schedule",
        views.AdminSessionScheduleView.as_view(),
        name="admin-session-schedule",
    ),
    path(
        "admin/flash-sessions/<int:session_id>/cancel",
        views.AdminSessionCancelView.as_view(),
        name="admin-session-cancel",
    ),
    path(
        "admin/flash-sessions/<int:session_id>/items",
        views.AdminSessionItemsView.as_view(),
        name="admin-session-items",
    ),
    path("admin/flash-items/<int:item_id>", views.AdminItemView.as_view(), name="admin-item"),
]
