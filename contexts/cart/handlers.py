"""Cart's reactions to other contexts' events (each delivered at most once per handler)."""

from __future__ import annotations

from contexts.cart import services
from contexts.ordering.events import OrderPlaced


def order_placed_remove_purchased_lines(event: OrderPlaced) -> None:
    """Bought SKUs leave the buyer's cart (whole lines, whatever quantity was bought: the buyer
    chose those lines for this order). Harmless when run again or when the lines are gone."""
    services.cart_remove_items(
        user_id=event.buyer_id, sku_ids=tuple(line.sku_id for line in event.lines)
    )
