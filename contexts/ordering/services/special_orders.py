"""Special-priced orders: one SKU line at a price a trusted context sets (flash sale, group buy).

Such an order is priced by the freight step only: the discount steps (promotions, coupons,
points) do not apply to a price that already is the activity's, so no pricing hold is taken and
the order carries no discounts. Everything after placement is an ordinary order: the same state
machine, payment, timers and events (OrderPlaced/OrderPaid/OrderCancelled carry `source` and
`source_ref`).

Stock, one of two modes:
  * reserve: the line is reserved against normal stock like any checkout (422 out_of_stock);
  * preallocated: the caller already took the units out of normal stock (flash sale allotment),
    so ordering reserves nothing, commits nothing on payment and releases nothing on cancel;
    OrderCancelled (stock_mode "preallocated") tells the caller to take its unit back.

Idempotency: (source, source_ref) is unique among orders. A repeat returns the order placed
first (`created=False`); a concurrent duplicate waits on the unique index and then gets that
order too, so one reference never places two orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from contexts.catalog import api as catalog_api
from contexts.identity import api as identity_api
from contexts.ordering.domain import pricing
from contexts.ordering.models import (
    SOURCE_MAX_LENGTH,
    SOURCE_REF_MAX_LENGTH,
    STOCK_MODES,
    STOCK_PREALLOCATED,
    Order,
)
from contexts.ordering.services.checkout import (
    STOCK_HOLD_MARGIN_SECONDS,
    publish_placed,
    reserve_stock,
    write_trade,
)
from contexts.ordering.services.pricing_steps import PRICING_STEPS
from shared.errors import BusinessRuleViolation, ValidationFailed
from shared.money import quantize

MAX_PAYMENT_TIMEOUT_SECONDS = 24 * 3600


@dataclass(frozen=True)
class PlacedSpecialOrder:
    order: Order
    created: bool


def _special_pricing() -> pricing.PricingRegistry:
    """Freight only (the registered freight step): a special price is final, no discount step
    applies to it."""
    steps = dict(PRICING_STEPS.steps())
    return pricing.PricingRegistry([(pricing.FREIGHT_STEP, steps[pricing.FREIGHT_STEP])])


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        f"The request is invalid: {message}", details={"fields": {field: [message]}}
    )


def _checked(
    *,
    source: str,
    source_ref: str,
    quantity: int,
    unit_price: Decimal,
    payment_timeout_seconds: int,
    stock_mode: str,
) -> Decimal:
    if not source or len(source) > SOURCE_MAX_LENGTH:
        raise _invalid("source", f"A source is 1 to {SOURCE_MAX_LENGTH} characters.")
    if not source_ref or len(source_ref) > SOURCE_REF_MAX_LENGTH:
        raise _invalid("source_ref", f"A source ref is 1 to {SOURCE_REF_MAX_LENGTH} characters.")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise _invalid("quantity", "The quantity must be a positive integer.")
    if not isinstance(unit_price, Decimal) or not unit_price.is_finite() or unit_price < 0:
        raise _invalid("unit_price", "The unit price must be a Decimal of zero or more.")
    if unit_price != quantize(unit_price):
        raise _invalid("unit_price", "The unit price has more decimals than the currency.")
    if not 0 < payment_timeout_seconds <= MAX_PAYMENT_TIMEOUT_SECONDS:
        raise _invalid("payment_timeout_seconds", "The payment timeout is 1 s to 24 h.")
    if stock_mode not in STOCK_MODES:
        raise _invalid("stock_mode", f"The stock mode is one of {', '.join(STOCK_MODES)}.")
    return unit_price


def _existing(source: str, source_ref: str) -> Order | None:
    # A locking read: it sees the latest committed row even after this transaction's snapshot.
    return (
        Order.objects.select_for_update()
        .select_related("trade")
        .filter(source=source, source_ref=source_ref)
        .first()
    )


@transaction.atomic
def special_order_place(
    *,
    buyer_id: int,
    address_id: int,
    sku_id: int,
    quantity: int,
    unit_price: Decimal,
    source: str,
    source_ref: str,
    payment_timeout_seconds: int,
    stock_mode: str,
    fulfilment_hold: bool = False,
) -> PlacedSpecialOrder:
    """Place one order for one SKU line at `unit_price`, once per (source, source_ref).

    Rules: the SKU must exist and be purchasable (422 sku_unavailable), the address must be the
    buyer's (404), the shop must deliver there (422 not_deliverable; the freight is charged);
    no discount step applies (see the module docstring); unpaid after
    `payment_timeout_seconds` the order is cancelled by the usual timer. In "reserve" mode the
    stock is reserved for the payment window plus the usual margin (422 out_of_stock); in
    "preallocated" mode ordering does not touch stock. With `fulfilment_hold` the order cannot
    ship, even once paid, until its source releases it (services/fulfilment.py). Nothing is
    written on any failure.
    """
    unit_price = _checked(
        source=source,
        source_ref=source_ref,
        quantity=quantity,
        unit_price=unit_price,
        payment_timeout_seconds=payment_timeout_seconds,
        stock_mode=stock_mode,
    )
    existing = Order.objects.filter(source=source, source_ref=source_ref).first()
    if existing is not None:
        return PlacedSpecialOrder(order=existing, created=False)
    address = identity_api.get_address(user_id=buyer_id, address_id=address_id)
    skus = catalog_api.get_skus(sku_ids=[sku_id])
    sku = skus.get(sku_id)
    if sku is None or not sku.purchasable:
        raise BusinessRuleViolation(
            "Some items can no longer be bought.",
            code="sku_unavailable",
            details={"sku_ids": [sku_id]},
        )
    checkout = pricing.price_checkout(
        buyer_id=buyer_id,
        province_code=address.province_code,
        lines=[
            pricing.LineInput(
                sku_id=sku_id,
                merchant_id=sku.merchant_id,
                quantity=quantity,
                unit_price=unit_price,
                weight_grams=sku.weight_grams,
            )
        ],
        registry=_special_pricing(),
        options={},
    )
    if not checkout.deliverable:
        raise BusinessRuleViolation(
            "Some merchants cannot deliver to this address.",
            code="not_deliverable",
            details={"merchant_ids": [sku.merchant_id]},
        )
    try:
        with transaction.atomic():
            trade, orders = write_trade(
                buyer_id=buyer_id,
                address=address,
                skus=skus,
                checkout=checkout,
                payment_timeout_seconds=payment_timeout_seconds,
                source=source,
                source_ref=source_ref,
                stock_mode=stock_mode,
            )
    except IntegrityError:
        # A concurrent call with the same reference committed first (we waited on its key).
        first = _existing(source, source_ref)
        if first is None:
            raise
        return PlacedSpecialOrder(order=first, created=False)
    if fulfilment_hold:
        Order.objects.filter(pk=orders[0].pk).update(fulfilment_held=True)
        orders[0].fulfilment_held = True
    if stock_mode != STOCK_PREALLOCATED:
        reserve_stock(
            orders=orders,
            checkout=checkout,
            region_code=address.province_code,
            ttl_seconds=payment_timeout_seconds + STOCK_HOLD_MARGIN_SECONDS,
        )
    publish_placed(trade=trade, orders=orders, checkout=checkout, from_cart=False)
    return PlacedSpecialOrder(order=orders[0], created=True)
