"""Catalog: merchants, categories, brands, attributes, products (SPU/SKU), prices, reviews."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "contexts.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from contexts.catalog import handlers
        from contexts.catalog.events import ReviewCreated
        from contexts.inventory.events import StockChanged
        from contexts.ordering.events import OrderCompleted
        from shared.events import subscribe

        subscribe(StockChanged, handlers.stock_changed_mirror, name="catalog.stock_changed_mirror")
        subscribe(
            ReviewCreated,
            handlers.review_created_rating_refresh,
            name="catalog.review_created_rating_refresh",
        )
        subscribe(
            OrderCompleted,
            handlers.order_completed_sales_count,
            name="catalog.order_completed_sales_count",
        )
        subscribe(
            OrderCompleted,
            handlers.order_completed_purchases_record,
            name="catalog.order_completed_purchases_record",
        )
