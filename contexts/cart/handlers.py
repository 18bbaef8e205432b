"""Cart's reactions to other contexts' events (each delivered at most once per handler)."""

from __future__ import annotations

from contexts.cart import services
from contexts.ordering.events import OrderPlaced


def order_placed_remove_purchased_lines(event: OrderPlaced) -> None:
    """An order checked out from the cart (`event.from_cart`) takes the bought SKUs out of the
    buyer's cart (whole lines, whatever quantity was bought: the buyer chose those lines for
    this order). A buy-now order leaves the cart alone: the buyer did not order from it.
    Harmless when run again or when the lines are gone."""
    if not event.from_cart:
        return
    services.cart_remove_items(
        user_id=event.buyer_id, sku_ids=tuple(line.sku_id for line in event.lines)
    )
