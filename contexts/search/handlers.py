"""Search's reactions to the catalog's, inventory's and ordering's events (each runs at most
once per event thanks to the bus's inbox; each is harmless if it ran twice)."""

from __future__ import annotations

from contexts.catalog import api as catalog_api
from contexts.catalog.events import MerchantUpdated
from contexts.inventory.events import StockChanged
from contexts.ordering.events import OrderCompleted
from contexts.search import services
from shared.events import DomainEvent


def product_changed_reindex(event: DomainEvent) -> None:
    """A product (or one of its SKUs, its price or rating) changed: rebuild its document."""
    services.products_sync(spu_ids=[event.spu_id])


def merchant_updated_reindex(event: MerchantUpdated) -> None:
    """A shop was suspended or reopened: its products leave or rejoin the index (in batches,
    each under its products' locks)."""
    ids = catalog_api.merchant_product_ids(merchant_id=event.merchant_id)
    for start in range(0, len(ids), services.REINDEX_BATCH):
        services.products_sync(spu_ids=ids[start : start + services.REINDEX_BATCH])


def stock_changed_index(event: StockChanged) -> None:
    """In stock or not, applied in inventory's aggregate order (older versions are ignored)."""
    services.sku_stock_apply(
        sku_id=event.sku_id, available=event.sku_available, version=event.aggregate_version
    )


def order_completed_sales(event: OrderCompleted) -> None:
    """Completed units count into the products' sales (the "sales" sort)."""
    quantities: dict[int, int] = {}
    for line in event.lines:
        quantities[line.sku_id] = quantities.get(line.sku_id, 0) + line.quantity
    services.sales_record(sku_quantities=quantities)


def order_changed_index(event: DomainEvent) -> None:
    """An order was placed or changed status: rebuild its document for staff search."""
    services.orders_sync(order_nos=[event.order_no])
