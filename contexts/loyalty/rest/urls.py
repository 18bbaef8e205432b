"""Loyalty routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.loyalty.rest import views

app_name = "loyalty"

urlpatterns = [
    path("me/points", views.MyPointsView.as_view(), name="my-points"),
    path("me/points/entries", views.MyPointsEntriesView.as_view(), name="my-points-entries"),
    path("admin/points/adjustments", views.PointsAdjustView.as_view(), name="admin-points-adjust"),
    path("admin/loyalty-levels", views.LevelRuleListView.as_view(), name="admin-level-list"),
    path(
        "admin/loyalty-levels/<int:level_id>",
        views.LevelRuleDetailView.as_view(),
        name="admin-level-detail",
    ),
]
