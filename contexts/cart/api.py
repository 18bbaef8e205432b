"""Cart's PUBLIC facade: the only functions other contexts call (ordering's checkout).

They work on a signed-in buyer's cart by user id; guest carts are not visible here (a guest
signs in and merges before checking out)."""

from __future__ import annotations

from contexts.cart import selectors, services
from contexts.cart.data import CartItem

__all__ = [
    "CartItem",
    "register_cart_extra",
    "remove_items",
    "selected_items",
    "take_selected_items",
]


def register_cart_extra(name: str, provider) -> None:
    """Let a context above the cart add a section to the cart's response, under
    `extras.<name>`: `provider(spu_ids=..., user_id=...)` answers it (JSON-able; the cart's
    products, the buyer or None for a guest). Must be cheap: every cart read calls it.
    Registering under the same name again replaces the provider."""
    selectors.CART_EXTRAS.register(name, provider)


def _item(line) -> CartItem:
    return CartItem(
        sku_id=line.sku_id,
        quantity=line.quantity,
        selected=line.selected,
        price_when_added=line.price_when_added,
    )


def selected_items(*, user_id: int) -> tuple[CartItem, ...]:
    """The buyer's cart lines a checkout takes, in the order they were added: the selected lines
    that can be bought now. A blocked line (unavailable, out of stock, short of stock) is left
    out, exactly as the cart leaves it out of its totals; it stays in the cart with its issue.
    The checkout still prices and reserves what it gets (stock may go between the two)."""
    return tuple(_item(line) for line in selectors.checkout_lines_for_user(user_id=user_id))


def take_selected_items(*, user_id: int) -> tuple[CartItem, ...]:
    """Consume the lines `selected_items` returns for a checkout: they leave the cart in the
    caller's transaction (undone if it rolls back), the cart row locked meanwhile, so one cart
    is checked out at most once however many checkouts race. Empty when nothing is selected."""
    return tuple(_item(line) for line in services.cart_selected_lines_take(user_id=user_id))


def remove_items(*, user_id: int, sku_ids: tuple[int, ...]) -> None:
    """Drop lines (the cart also does this itself on ordering.order.placed.v1). Idempotent."""
    services.cart_remove_items(user_id=user_id, sku_ids=sku_ids)
