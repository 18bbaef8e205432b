"""Group buy routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.groupbuy.rest import views

app_name = "groupbuy"

urlpatterns = [
    path("group-buys", views.ActivitiesView.as_view(), name="activity-list"),
    path("group-buys/mine", views.MyGroupsView.as_view(), name="my-groups"),
    path("group-buys/<int:activity_id>", views.ActivityView.as_view(), name="activity-detail"),
    path(
        "group-buys/<int:activity_id>/groups",
        views.ActivityGroupsView.as_view(),
        name="activity-groups",
    ),
    path("group-buys/groups/<str:group_no>", views.ShareView.as_view(), name="group-share"),
    path("group-buys/groups/<str:group_no>/join", views.JoinView.as_view(), name="group-join"),
    path("admin/group-buys", views.AdminActivityListView.as_view(), name="admin-activity-list"),
    path(
        "admin/group-buys/<int:activity_id>",
        views.AdminActivityDetailView.as_view(),
        name="admin-activity-detail",
    ),
    path("admin/group-buy-groups", views.AdminGroupMonitorView.as_view(), name="admin-group-list"),
]
