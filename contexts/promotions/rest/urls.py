"""Promotions routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.promotions.rest import views

app_name = "promotions"

urlpatterns = [
    path("admin/promotions", views.ActivityListView.as_view(), name="admin-activity-list"),
    path(
        "admin/promotions/<int:activity_id>",
        views.ActivityDetailView.as_view(),
        name="admin-activity-detail",
    ),
    path(
        "admin/promotions/<int:activity_id>/schedule",
        views.ActivityScheduleView.as_view(),
        name="admin-activity-schedule",
    ),
    path(
        "admin/promotions/<int:activity_id>/pause",
        views.ActivityPauseView.as_view(),
        name="admin-activity-pause",
    ),
    path(
        "admin/promotions/<int:activity_id>/resume",
        views.ActivityResumeView.as_view(),
        name="admin-activity-resume",
    ),
    path(
        "admin/promotions/<int:activity_id>/end",
        views.ActivityEndView.as_view(),
        name="admin-activity-end",
    ),
    path(
        "admin/promotions/<int:activity_id>/preview",
        views.ActivityPreviewView.as_view(),
        name="admin-activity-preview",
    ),
    path("promotions", views.ProductActivitiesView.as_view(), name="activities-of-sku"),
    path("promotions/explain", views.ExplainView.as_view(), name="explain"),
]
