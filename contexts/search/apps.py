"""Search: an index of listed products (keyword search with filters, facets, sorts and
suggestions) and of orders (staff search), kept in sync by the catalog's, inventory's and
ordering's events."""

from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "contexts.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from contexts.catalog import api as catalog_api
        from contexts.catalog.events import (
            MerchantUpdated,
            PriceChanged,
            ProductPublished,
            ProductUnpublished,
            ProductUpdated,
            ReviewCreated,
        )
        from contexts.inventory.events import StockChanged
        from contexts.ordering.events import (
            OrderCancelled,
            OrderCompleted,
            OrderDelivered,
            OrderPaid,
            OrderPlaced,
            OrderShipped,
        )
        from contexts.search import handlers, selectors
        from shared.events import subscribe

        catalog_api.register_listing_provider(selectors.storefront_listing)

        for event_class, name in (
            (ProductPublished, "product_published"),
            (ProductUpdated, "product_updated"),
            (ProductUnpublished, "product_unpublished"),
            (PriceChanged, "price_changed"),
            (ReviewCreated, "review_created"),
        ):
            subscribe(event_class, handlers.product_changed_reindex, name=f"search.{name}_index")
        subscribe(
            MerchantUpdated, handlers.merchant_updated_reindex, name="search.merchant_updated_index"
        )
        subscribe(StockChanged, handlers.stock_changed_index, name="search.stock_changed_index")
        subscribe(
            OrderCompleted, handlers.order_completed_sales, name="search.order_completed_sales"
        )
        for event_class, name in (
            (OrderPlaced, "order_placed"),
            (OrderPaid, "order_paid"),
            (OrderCancelled, "order_cancelled"),
            (OrderShipped, "order_shipped"),
            (OrderDelivered, "order_delivered"),
            (OrderCompleted, "order_completed"),
        ):
            subscribe(event_class, handlers.order_changed_index, name=f"search.{name}_index")
