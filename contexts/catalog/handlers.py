"""The catalog's reactions to events (each runs at most once per event thanks to the bus's
inbox, and is written to be harmless if it ever ran twice)."""

from __future__ import annotations

from contexts.catalog.events import ReviewCreated
from contexts.catalog.services import products, reviews, stock
from contexts.inventory.events import StockChanged
from contexts.ordering.events import OrderCompleted


def stock_changed_mirror(event: StockChanged) -> None:
    """Keep the SKU's local availability (storefront "in stock" filter) in step with
    inventory. Uses the SKU-wide figure; an event of an older aggregate version than the last
    applied one is ignored."""
    stock.sku_stock_apply(
        sku_id=event.sku_id, available=event.sku_available, version=event.aggregate_version
    )


def review_created_rating_refresh(event: ReviewCreated) -> None:
    """Recompute the reviewed product's rating summary (idempotent: a recount, not +1)."""
    reviews.spu_rating_summary_refresh(spu_id=event.spu_id)


def order_completed_purchases_record(event: OrderCompleted) -> None:
    """Remember which SKUs the buyer has completed purchases of (review eligibility)."""
    reviews.purchases_record(
        user_id=event.buyer_id,
        sku_ids=[line.sku_id for line in event.lines],
        order_no=event.order_no,
    )


def order_completed_sales_count(event: OrderCompleted) -> None:
    """Count a completed order's units into its products' sales counts."""
    quantities: dict[int, int] = {}
    for line in event.lines:
        quantities[line.sku_id] = quantities.get(line.sku_id, 0) + line.quantity
    products.spu_sales_record(sku_quantities=quantities)
