"""Events the cart publishes (PUBLIC: other contexts subscribe to these classes).

A breaking change to a payload is a new class with a new version, never an edit of these.
"""

from __future__ import annotations

import dataclasses

from shared.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class CartItemAdded(DomainEvent):
    """Units of a SKU were put in a cart (a new line or more of an existing one). `user_id` is
    None for a guest's cart; the cart id then stands for the shopper."""

    event_type = "cart.item.added.v1"
    aggregate = "cart_id"

    cart_id: int
    user_id: int | None
    sku_id: int
    spu_id: int
    quantity: int
