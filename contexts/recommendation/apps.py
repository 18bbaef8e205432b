"""Recommendation: bought together, viewed also viewed, similar and trending products and a
buyer's feed, from product views, cart adds and purchases; shown on the product page and the
cart through their registration hooks."""

from django.apps import AppConfig


class RecommendationConfig(AppConfig):
    name = "contexts.recommendation"
    label = "recommendation"
    verbose_name = "Recommendation"

    def ready(self) -> None:
        from contexts.cart import api as cart_api
        from contexts.cart.events import CartItemAdded
        from contexts.catalog import api as catalog_api
        from contexts.catalog.events import (
            PriceChanged,
            ProductPublished,
            ProductUnpublished,
            ProductUpdated,
        )
        from contexts.ordering.events import OrderPaid
        from contexts.recommendation import handlers
        from shared.events import subscribe

        for event_class, name in (
            (ProductPublished, "product_published"),
            (ProductUpdated, "product_updated"),
            (ProductUnpublished, "product_unpublished"),
            (PriceChanged, "price_changed"),
        ):
            subscribe(event_class, handlers.product_changed_sync, name=f"recommendation.{name}")
        subscribe(OrderPaid, handlers.order_paid_purchase, name="recommendation.order_paid")
        subscribe(CartItemAdded, handlers.cart_item_added, name="recommendation.cart_item_added")
        catalog_api.register_product_page_extra("recommendations", handlers.product_page_extra)
        cart_api.register_cart_extra("recommendations", handlers.cart_extra)
