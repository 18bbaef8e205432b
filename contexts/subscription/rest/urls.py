"""Subscription routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.subscription.rest import views

app_name = "subscription"

urlpatterns = [
    path("subscription/plans", views.PlanListView.as_view(), name="plan-list"),
    path("me/membership", views.MyMembershipView.as_view(), name="my-membership"),
    path("me/membership/invoices", views.MyInvoiceListView.as_view(), name="my-invoices"),
    path("me/membership/subscribe", views.SubscribeView.as_view(), name="subscribe"),
    path("me/membership/cancel", views.CancelView.as_view(), name="cancel"),
    path("me/membership/resume", views.ResumeView.as_view(), name="resume"),
    path("me/membership/change-plan", views.ChangePlanView.as_view(), name="change-plan"),
    path("me/membership/auto-renew", views.AutoRenewView.as_view(), name="auto-renew"),
    path("admin/subscription/plans", views.AdminPlanListView.as_view(), name="admin-plan-list"),
    path(
        "admin/subscription/plans/<int:plan_id>",
        views.AdminPlanDetailView.as_view(),
        name="admin-plan-detail",
    ),
    path(
        "admin/subscription/members",
        views.AdminMemberListView.as_view(),
        name="admin-member-list",
    ),
]
