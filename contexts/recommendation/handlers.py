"""Recommendation's reactions to other contexts' events (each runs at most once per event
thanks to the bus's inbox; the signal ledger makes a second run a no-op too), and the providers
it registers on the catalog's product page and the cart."""

from __future__ import annotations

from contexts.cart.events import CartItemAdded
from contexts.ordering import api as ordering_api
from contexts.ordering.events import OrderPaid
from contexts.recommendation import domain, selectors, services
from contexts.recommendation.models import Signal
from shared.events import DomainEvent


def product_changed_sync(event: DomainEvent) -> None:
    """A product was published, changed or left the storefront: refresh its snapshot, node and
    similar products."""
    services.products_sync(spu_ids=[event.spu_id])


def order_paid_purchase(event: OrderPaid) -> None:
    """A paid order: its buyer PURCHASED each of its products (gifts left out)."""
    order = ordering_api.get_order(event.order_no)
    if order is None:
        return
    services.signal_take(
        key=str(event.event_id),
        kind=Signal.Kind.PURCHASE,
        user_key=domain.user_key(user_id=event.buyer_id),
        spu_ids=[line.spu_id for line in order.lines if not line.gift],
        at=event.occurred_at,
    )


def cart_item_added(event: CartItemAdded) -> None:
    """A cart add: the buyer (or the guest's cart) CARTED the product."""
    key = (
        domain.user_key(user_id=event.user_id)
        if event.user_id is not None
        else domain.cart_key(event.cart_id)
    )
    services.signal_take(
        key=str(event.event_id),
        kind=Signal.Kind.CART,
        user_key=key,
        spu_ids=[event.spu_id],
        at=event.occurred_at,
    )


def product_page_extra(*, spu_id: int) -> dict:
    return selectors.product_sections_json(spu_id=spu_id)


def cart_extra(*, spu_ids: tuple[int, ...], user_id: int | None) -> dict:
    return selectors.cart_sections_json(spu_ids=spu_ids)
