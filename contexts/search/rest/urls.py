"""Search routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.search.rest import views

app_name = "search"

urlpatterns = [
    path("search/products", views.ProductSearchView.as_view(), name="products"),
    path("search/suggest", views.SuggestView.as_view(), name="suggest"),
    path("admin/search/orders", views.AdminOrderSearchView.as_view(), name="admin-orders"),
]
