"""Inventory routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.inventory.rest import views

app_name = "inventory"

urlpatterns = [
    path("admin/warehouses", views.WarehouseListView.as_view(), name="admin-warehouse-list"),
    path(
        "admin/warehouses/<int:warehouse_id>",
        views.WarehouseDetailView.as_view(),
        name="admin-warehouse-detail",
    ),
    path("admin/stock", views.StockListView.as_view(), name="admin-stock-list"),
    path("admin/stock/<int:stock_id>", views.StockThresholdView.as_view(), name="admin-stock"),
    path("admin/stock/inbound", views.StockInboundView.as_view(), name="admin-stock-inbound"),
    path("admin/stock/adjust", views.StockAdjustView.as_view(), name="admin-stock-adjust"),
    path("admin/stock/ledger", views.LedgerListView.as_view(), name="admin-stock-ledger"),
    path("skus/availability", views.SkuAvailabilityView.as_view(), name="sku-availability"),
]
