"""Cart routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.cart.rest import views

app_name = "cart"

urlpatterns = [
    path("cart", views.CartDetailView.as_view(), name="cart"),
    path("cart/items", views.CartItemsView.as_view(), name="cart-items"),
    path("cart/items/<int:sku_id>", views.CartItemView.as_view(), name="cart-item"),
    path("cart/select", views.CartSelectView.as_view(), name="cart-select"),
    path("cart/clear", views.CartClearView.as_view(), name="cart-clear"),
    path("cart/merge", views.CartMergeView.as_view(), name="cart-merge"),
]
