"""Cart's PUBLIC facade: the only functions other contexts call (ordering's checkout).

They work on a signed-in buyer's cart by user id; guest carts are not visible here (a guest
signs in and merges before checking out)."""

from __future__ import annotations

from contexts.cart import selectors, services
from contexts.cart.data import CartItem

__all__ = ["CartItem", "remove_items", "selected_items"]


def selected_items(*, user_id: int) -> tuple[CartItem, ...]:
    """The buyer's cart lines a checkout takes, in the order they were added: the selected lines
    that can be bought now. A blocked line (unavailable, out of stock, short of stock) is left
    out, exactly as the cart leaves it out of its totals; it stays in the cart with its issue.
    The checkout still prices and reserves what it gets (stock may go between the two)."""
    return tuple(
        CartItem(
            sku_id=line.sku_id,
            quantity=line.quantity,
            selected=line.selected,
            price_when_added=line.price_when_added,
        )
        for line in selectors.checkout_lines_for_user(user_id=user_id)
    )


def remove_items(*, user_id: int, sku_ids: tuple[int, ...]) -> None:
    """Drop lines (the cart also does this itself on ordering.order.placed.v1). Idempotent."""
    services.cart_remove_items(user_id=user_id, sku_ids=sku_ids)
