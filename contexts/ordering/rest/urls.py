"""Ordering routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.ordering.rest import views

app_name = "ordering"

urlpatterns = [
    path("checkout/preview", views.CheckoutPreviewView.as_view(), name="checkout-preview"),
    path("checkout/cart-quote", views.CartQuoteView.as_view(), name="checkout-cart-quote"),
    path("orders", views.OrderListView.as_view(), name="order-list"),
    path("orders/<str:order_no>", views.OrderDetailView.as_view(), name="order-detail"),
    path("orders/<str:order_no>/cancel", views.OrderCancelView.as_view(), name="order-cancel"),
    path("orders/<str:order_no>/confirm", views.OrderConfirmView.as_view(), name="order-confirm"),
    path("orders/<str:order_no>/logs", views.OrderLogsView.as_view(), name="order-logs"),
    path(
        "orders/<str:order_no>/shipments",
        views.OrderShipmentsView.as_view(),
        name="order-shipments",
    ),
    path("admin/orders", views.AdminOrderListView.as_view(), name="admin-order-list"),
    path(
        "admin/orders/<str:order_no>",
        views.AdminOrderDetailView.as_view(),
        name="admin-order-detail",
    ),
    path(
        "admin/orders/<str:order_no>/shipments",
        views.AdminOrderShipmentsView.as_view(),
        name="admin-order-shipments",
    ),
    path(
        "admin/orders/<str:order_no>/deliver",
        views.AdminOrderDeliverView.as_view(),
        name="admin-order-deliver",
    ),
    path(
        "admin/orders/<str:order_no>/notes",
        views.AdminOrderNotesView.as_view(),
        name="admin-order-notes",
    ),
]
