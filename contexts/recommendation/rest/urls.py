"""Recommendation routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.recommendation.rest import views

app_name = "recommendation"

urlpatterns = [
    path("recommendations/signals", views.SignalView.as_view(), name="signals"),
    path("recommendations/feed", views.FeedView.as_view(), name="feed"),
    path(
        "products/<int:spu_id>/recommendations",
        views.ProductRecommendationsView.as_view(),
        name="product",
    ),
    path("cart/recommendations", views.CartRecommendationsView.as_view(), name="cart"),
]
