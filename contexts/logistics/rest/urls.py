"""Logistics routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.logistics.rest import views

app_name = "logistics"

urlpatterns = [
    path(
        "admin/freight-templates",
        views.FreightTemplateListView.as_view(),
        name="admin-freight-template-list",
    ),
    path(
        "admin/freight-templates/<int:template_id>",
        views.FreightTemplateDetailView.as_view(),
        name="admin-freight-template-detail",
    ),
]
