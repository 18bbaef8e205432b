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
    path("admin/shipments", views.ShipmentListView.as_view(), name="admin-shipment-list"),
    path(
        "admin/shipments/<int:shipment_id>",
        views.ShipmentDetailView.as_view(),
        name="admin-shipment-detail",
    ),
    path(
        "admin/shipments/<int:shipment_id>/poll",
        views.ShipmentPollView.as_view(),
        name="admin-shipment-poll",
    ),
    path(
        "logistics/carriers/<str:carrier_code>/route-push",
        views.CarrierRoutePushView.as_view(),
        name="carrier-route-push",
    ),
]
