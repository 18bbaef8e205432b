"""Checkout: price what the buyer is about to buy (preview, no writes) and place it (orders).

Placing is all or nothing: the trade, one order per merchant with its lines and first log row,
every pricing step's hold, the stock reservation of every line (inventory joins this
transaction), the consumption of the cart's checked-out lines (cart joins it too, under the
cart's row lock) and the OrderPlaced events commit together or not at all: a cart is checked
out at most once, with or without the event worker running.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contexts.cart import api as cart_api
from contexts.catalog import api as catalog_api
from contexts.identity import api as identity_api
from contexts.inventory import api as inventory_api
from contexts.ordering.domain import pricing
from contexts.ordering.domain.states import INITIAL_STATUS
from contexts.ordering.events import OrderPlaced, PlacedLine
from contexts.ordering.models import STOCK_RESERVE, Order, OrderLine, OrderLog, Trade
from contexts.ordering.services.pricing_steps import PRICING_STEPS, pricing_steps_hold
from shared.errors import BusinessRuleViolation, Conflict
from shared.events import publish
from shared.ids import next_public_id
from shared.money import ZERO

TRADE_PREFIX = "T"

# The stock hold outlives the payment window by this much, so an order paid just before its
# deadline (or while the cancel timer is still catching up) still finds its stock held.
STOCK_HOLD_MARGIN_SECONDS = 5 * 60


def stock_hold_seconds() -> int:
    """How long an order's stock is held: the payment window plus a margin."""
    return settings.ORDER_PAYMENT_TIMEOUT + STOCK_HOLD_MARGIN_SECONDS


@dataclass(frozen=True)
class CheckoutItem:
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class PricingOptions:
    """The buyer's pricing choices, read by the discount steps through `checkout.options`.

    coupon_ids: None lets the coupons step choose the best applicable coupons; () uses none.
    points: how many loyalty points to spend (0: none)."""

    coupon_ids: tuple[int, ...] | None = None
    points: int = 0

    def as_mapping(self) -> dict[str, object]:
        coupon_ids = None if self.coupon_ids is None else list(self.coupon_ids)
        return {"coupon_ids": coupon_ids, "points": self.points}


@dataclass(frozen=True)
class PreparedCheckout:
    address: Any  # identity's AddressInfo
    skus: Mapping[int, Any]  # catalog's SkuInfo by SKU id
    checkout: pricing.Checkout
    from_cart: bool


@dataclass(frozen=True)
class PreviewLine:
    sku_id: int
    spu_id: int
    title: str
    spec: str
    image_url: str
    unit_price: Decimal
    quantity: int
    subtotal: Decimal
    discount_amount: Decimal
    pay_amount: Decimal
    available: int
    in_stock: bool
    gift: bool = False  # a gift line (priced 0) a pricing step added


@dataclass(frozen=True)
class PreviewGroup:
    merchant_id: int
    lines: tuple[PreviewLine, ...]
    items_amount: Decimal
    freight_amount: Decimal
    discount_amount: Decimal
    pay_amount: Decimal
    deliverable: bool
    freight_reason: str


@dataclass(frozen=True)
class CheckoutPreview:
    groups: tuple[PreviewGroup, ...]
    adjustments: tuple[pricing.Adjustment, ...]
    notes: tuple[pricing.PricingNote, ...]
    items_amount: Decimal
    freight_amount: Decimal
    discount_amount: Decimal
    pay_amount: Decimal
    deliverable: bool
    in_stock: bool


@dataclass(frozen=True)
class PlacedTrade:
    trade: Trade
    orders: tuple[Order, ...]


def _requested_items(
    *, buyer_id: int, items: Sequence[CheckoutItem] | None, take_from_cart: bool = False
) -> tuple[tuple[CheckoutItem, ...], bool]:
    """The SKUs to check out, each once: the buy-now items, or else the selected cart lines
    (consumed from the cart in this transaction when `take_from_cart`)."""
    from_cart = items is None
    if items is None:
        read = cart_api.take_selected_items if take_from_cart else cart_api.selected_items
        items = [CheckoutItem(sku_id=i.sku_id, quantity=i.quantity) for i in read(user_id=buyer_id)]
    merged: dict[int, int] = {}
    for item in items:
        merged[item.sku_id] = merged.get(item.sku_id, 0) + item.quantity
    if not merged:
        raise BusinessRuleViolation("There is nothing to check out.", code="empty_checkout")
    return tuple(CheckoutItem(sku_id=s, quantity=q) for s, q in merged.items()), from_cart


def _price(
    *,
    buyer_id: int,
    province_code: str,
    requested: Sequence[CheckoutItem],
    options: PricingOptions | None = None,
    registry: pricing.PricingRegistry | None = None,
) -> tuple[Mapping[int, Any], pricing.Checkout]:
    """The SKUs (each must exist and be purchasable: 422 sku_unavailable) and the checkout
    priced by the pipeline (PRICING_STEPS)."""
    skus = catalog_api.get_skus(sku_ids=[item.sku_id for item in requested])
    unavailable = [
        item.sku_id
        for item in requested
        if item.sku_id not in skus or not skus[item.sku_id].purchasable
    ]
    if unavailable:
        raise BusinessRuleViolation(
            "Some items can no longer be bought.",
            code="sku_unavailable",
            details={"sku_ids": unavailable},
        )
    checkout = pricing.price_checkout(
        buyer_id=buyer_id,
        province_code=province_code,
        lines=[
            pricing.LineInput(
                sku_id=item.sku_id,
                merchant_id=skus[item.sku_id].merchant_id,
                quantity=item.quantity,
                unit_price=skus[item.sku_id].price,
                weight_grams=skus[item.sku_id].weight_grams,
            )
            for item in requested
        ],
        registry=registry or PRICING_STEPS,
        options=(options or PricingOptions()).as_mapping(),
    )
    return _keep_available_gifts(skus, checkout)


def _keep_available_gifts(
    skus: Mapping[int, Any], checkout: pricing.Checkout
) -> tuple[Mapping[int, Any], pricing.Checkout]:
    """Gift lines a step added: each needs its SKU (catalog) and enough stock now (inventory),
    else it is dropped with a note: an order is never refused for its gift. (A gift whose stock
    goes between this check and the reservation fails the reservation like any line.) Costs
    nothing without gifts; otherwise one catalog and one inventory call."""
    gifts = [line for line in checkout.lines if line.gift]
    if not gifts:
        return skus, checkout
    gift_skus = catalog_api.get_skus(sku_ids=[line.sku_id for line in gifts])
    stock = inventory_api.availability(sku_ids=list(gift_skus))
    for line in gifts:
        available = stock[line.sku_id].available if line.sku_id in stock else 0
        if line.sku_id in gift_skus and available >= line.quantity:
            continue
        note = pricing.PricingNote(
            message="The gift is out of stock and is not added.",
            reference=line.gift_reference,
            sku_ids=(line.sku_id,),
            merchant_id=line.merchant_id,
            source=line.gift_source,
        )
        checkout = pricing.drop_gift(checkout, line.sku_id, note)
    return {**gift_skus, **skus}, checkout


def checkout_prepare(
    *,
    buyer_id: int,
    address_id: int,
    items: Sequence[CheckoutItem] | None = None,
    options: PricingOptions | None = None,
    take_from_cart: bool = False,
) -> PreparedCheckout:
    """Resolve the items, the buyer's own address and the SKUs, and price the checkout.

    Without `items` the checkout takes the cart's selected lines that can be bought now
    (blocked lines stay in the cart, as they stay out of its totals); `take_from_cart`
    (placement only) consumes them in the caller's transaction. Every SKU must exist and be
    purchasable (422 sku_unavailable); an address that is not the buyer's is not found (404);
    nothing to check out is 422 empty_checkout.
    """
    requested, from_cart = _requested_items(
        buyer_id=buyer_id, items=items, take_from_cart=take_from_cart
    )
    address = identity_api.get_address(user_id=buyer_id, address_id=address_id)
    skus, checkout = _price(
        buyer_id=buyer_id,
        province_code=address.province_code,
        requested=requested,
        options=options,
    )
    return PreparedCheckout(address=address, skus=skus, checkout=checkout, from_cart=from_cart)


@dataclass(frozen=True)
class CartQuote:
    """The cart's selected, purchasable lines priced by the pipeline before an address is
    chosen: no freight yet, every discount step applied."""

    sku_ids: tuple[int, ...]
    adjustments: tuple[pricing.Adjustment, ...]
    notes: tuple[pricing.PricingNote, ...]
    items_amount: Decimal
    discount_amount: Decimal
    pay_amount: Decimal
    gifts: tuple[pricing.PricedLine, ...] = ()  # gift lines (priced 0) the steps added


def cart_checkout(
    *, buyer_id: int, options: PricingOptions | None = None, before: str | None = None
) -> pricing.Checkout | None:
    """The cart's selection priced before an address is chosen (no freight), writing nothing;
    None when nothing can be checked out. `before`: only by the steps before the one so named
    (what is left to pay when that step runs)."""
    registry = PRICING_STEPS
    if before is not None:
        names = PRICING_STEPS.names()
        steps = PRICING_STEPS.steps()[: names.index(before)] if before in names else ()
        registry = pricing.PricingRegistry(steps)
    requested = tuple(
        CheckoutItem(sku_id=i.sku_id, quantity=i.quantity)
        for i in cart_api.selected_items(user_id=buyer_id)
    )
    if not requested:
        return None
    return _price(
        buyer_id=buyer_id,
        province_code="",
        requested=requested,
        options=options,
        registry=registry,
    )[1]


def cart_quote(*, buyer_id: int, options: PricingOptions | None = None) -> CartQuote:
    """What the cart's selection costs before freight (writes nothing). An empty selection
    (or one whose every line is blocked) costs zero."""
    checkout = cart_checkout(buyer_id=buyer_id, options=options)
    if checkout is None:
        return CartQuote(
            sku_ids=(),
            adjustments=(),
            notes=(),
            items_amount=ZERO,
            discount_amount=ZERO,
            pay_amount=ZERO,
        )
    return CartQuote(
        sku_ids=tuple(line.sku_id for line in checkout.lines if not line.gift),
        gifts=tuple(line for line in checkout.lines if line.gift),
        adjustments=checkout.adjustments,
        notes=checkout.notes,
        items_amount=checkout.items_amount,
        discount_amount=checkout.discount_amount,
        pay_amount=checkout.pay_amount,
    )


def checkout_preview(
    *,
    buyer_id: int,
    address_id: int,
    items: Sequence[CheckoutItem] | None = None,
    options: PricingOptions | None = None,
) -> CheckoutPreview:
    """The priced checkout with stock and delivery flags, writing nothing."""
    prepared = checkout_prepare(
        buyer_id=buyer_id, address_id=address_id, items=items, options=options
    )
    checkout = prepared.checkout
    stock = inventory_api.availability(sku_ids=[line.sku_id for line in checkout.lines])
    groups = []
    for group in checkout.groups:
        lines = []
        for line in group.lines:
            sku = prepared.skus[line.sku_id]
            available = stock[line.sku_id].available if line.sku_id in stock else 0
            lines.append(
                PreviewLine(
                    sku_id=line.sku_id,
                    spu_id=sku.spu_id,
                    title=sku.title,
                    spec=sku.spec,
                    image_url=sku.image_url,
                    unit_price=line.unit_price,
                    quantity=line.quantity,
                    subtotal=line.subtotal,
                    discount_amount=line.discount_amount,
                    pay_amount=line.pay_amount,
                    available=available,
                    in_stock=available >= line.quantity,
                    gift=line.gift,
                )
            )
        groups.append(
            PreviewGroup(
                merchant_id=group.merchant_id,
                lines=tuple(lines),
                items_amount=group.items_amount,
                freight_amount=group.freight_amount,
                discount_amount=group.discount_amount,
                pay_amount=group.pay_amount,
                deliverable=group.deliverable,
                freight_reason=group.freight_reason,
            )
        )
    return CheckoutPreview(
        groups=tuple(groups),
        adjustments=checkout.adjustments,
        notes=checkout.notes,
        items_amount=checkout.items_amount,
        freight_amount=checkout.freight_amount,
        discount_amount=checkout.discount_amount,
        pay_amount=checkout.pay_amount,
        deliverable=checkout.deliverable,
        in_stock=all(line.in_stock for group in groups for line in group.lines),
    )


def _allocations_json(allocations: Sequence[pricing.Allocation]) -> list[dict[str, str]]:
    return [
        {"source": a.source, "amount": str(a.amount), "reference": a.reference} for a in allocations
    ]


def _order_discounts(group: pricing.MerchantGroup) -> list[dict[str, str]]:
    """The group's discounts per (target, source, reference), summed over its lines."""
    totals: dict[tuple[str, str, str], Decimal] = {}
    for target, allocations in [
        *((pricing.ITEMS, line.discounts) for line in group.lines),
        (pricing.FREIGHT, group.freight_discounts),
    ]:
        for a in allocations:
            key = (target, a.source, a.reference)
            totals[key] = totals.get(key, Decimal(0)) + a.amount
    return [
        {"target": target, "source": source, "reference": reference, "amount": str(amount)}
        for (target, source, reference), amount in totals.items()
    ]


def write_trade(
    *,
    buyer_id: int,
    address: Any,
    skus: Mapping[int, Any],
    checkout: pricing.Checkout,
    payment_timeout_seconds: int,
    remarks: Mapping[int, str] | None = None,
    source: str = "",
    source_ref: str | None = None,
    stock_mode: str = STOCK_RESERVE,
) -> tuple[Trade, list[Order]]:
    """Write the trade, one order per merchant group with its lines and first log row, from a
    priced checkout (no stock, no pricing holds, no events: the callers add those)."""
    remarks = remarks or {}
    now = timezone.now()
    deadline = now + timedelta(seconds=payment_timeout_seconds)
    trade = Trade.objects.create(
        trade_no=next_public_id(TRADE_PREFIX),
        buyer_id=buyer_id,
        items_amount=checkout.items_amount,
        freight_amount=checkout.freight_amount,
        discount_amount=checkout.discount_amount,
        pay_amount=checkout.pay_amount,
        payment_deadline=deadline,
        created_at=now,
    )
    # One INSERT per order, not bulk_create: MySQL does not return the new primary keys from a
    # bulk insert, and the lines and log rows below need them.
    orders = [
        Order.objects.create(
            order_no=next_public_id(),
            trade=trade,
            buyer_id=buyer_id,
            merchant_id=group.merchant_id,
            items_amount=group.items_amount,
            freight_amount=group.freight_amount,
            discount_amount=group.discount_amount,
            pay_amount=group.pay_amount,
            discounts=_order_discounts(group),
            remark=remarks.get(group.merchant_id, ""),
            receiver_name=address.receiver_name,
            receiver_phone=address.receiver_phone,
            province_code=address.province_code,
            city_code=address.city_code,
            district_code=address.district_code,
            address_detail=address.detail,
            source=source,
            source_ref=source_ref,
            stock_mode=stock_mode,
            payment_deadline=deadline,
            created_at=now,
        )
        for group in checkout.groups
    ]
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                sku_id=line.sku_id,
                spu_id=skus[line.sku_id].spu_id,
                title=skus[line.sku_id].title,
                spec=skus[line.sku_id].spec,
                image_url=skus[line.sku_id].image_url,
                unit_price=line.unit_price,
                quantity=line.quantity,
                subtotal=line.subtotal,
                discount_amount=line.discount_amount,
                pay_amount=line.pay_amount,
                discounts=_allocations_json(line.discounts),
                gift=line.gift,
            )
            for order, group in zip(orders, checkout.groups, strict=True)
            for line in group.lines
        ]
    )
    OrderLog.objects.bulk_create(
        [
            OrderLog(
                order=order,
                from_status="",
                to_status=INITIAL_STATUS.value,
                actor=str(buyer_id),
                reason="placed",
                created_at=now,
            )
            for order in orders
        ]
    )
    return trade, orders


def reserve_stock(
    *, orders: Sequence[Order], checkout: pricing.Checkout, region_code: str, ttl_seconds: int
) -> None:
    """Reserve every line of these orders (one per checkout group) in one inventory call."""
    inventory_api.reserve(
        requests=[
            inventory_api.ReservationRequest(
                order_ref=order.order_no,
                lines=tuple(
                    inventory_api.ReservationLine(sku_id=line.sku_id, quantity=line.quantity)
                    for line in group.lines
                ),
            )
            for order, group in zip(orders, checkout.groups, strict=True)
        ],
        region_code=region_code,
        ttl_seconds=ttl_seconds,
    )


def publish_placed(
    *, trade: Trade, orders: Sequence[Order], checkout: pricing.Checkout, from_cart: bool
) -> None:
    """OrderPlaced for each new order (in the placing transaction)."""
    for order, group in zip(orders, checkout.groups, strict=True):
        publish(
            OrderPlaced(
                order_no=order.order_no,
                trade_no=trade.trade_no,
                buyer_id=order.buyer_id,
                merchant_id=order.merchant_id,
                pay_amount=order.pay_amount,
                lines=tuple(
                    PlacedLine(
                        sku_id=line.sku_id, quantity=line.quantity, unit_price=line.unit_price
                    )
                    for line in group.lines
                    if not line.gift  # bought lines only (the cart drops these)
                ),
                from_cart=from_cart,
                source=order.source,
                source_ref=order.source_ref or "",
            )
        )


@transaction.atomic
def order_place(
    *,
    buyer_id: int,
    address_id: int,
    items: Sequence[CheckoutItem] | None = None,
    remarks: Mapping[int, str] | None = None,
    expected_pay_amount: Decimal | None = None,
    options: PricingOptions | None = None,
) -> PlacedTrade:
    """Place one order per merchant under one trade, reserving every line's stock.

    Rules: every group must be deliverable to the address (422 not_deliverable); stock for
    every line is reserved in one inventory call, all or nothing (422 out_of_stock), and held
    for stock_hold_seconds(), longer than the payment window; on any failure nothing is
    written. Unpaid orders expire after settings.ORDER_PAYMENT_TIMEOUT. Without `items` the
    cart's purchasable selected lines are taken out of the cart in this transaction, so a second
    checkout of the same cart finds it empty (422 empty_checkout). OrderPlaced says whether the
    items came from the cart.

    `expected_pay_amount` is the total the buyer saw (the preview's pay_amount): when the
    checkout now costs anything else (a price, freight or discount changed since), nothing is
    placed and the answer is 409 price_changed with both amounts. Every pricing step's `hold`
    runs in this transaction, before the stock is reserved.
    """
    prepared = checkout_prepare(
        buyer_id=buyer_id,
        address_id=address_id,
        items=items,
        options=options,
        take_from_cart=True,
    )
    checkout, address, skus = prepared.checkout, prepared.address, prepared.skus
    if expected_pay_amount is not None and expected_pay_amount != checkout.pay_amount:
        raise Conflict(
            "The total changed since you saw it; review the new total and place the order again.",
            code="price_changed",
            details={
                "expected_pay_amount": str(expected_pay_amount),
                "pay_amount": str(checkout.pay_amount),
            },
        )
    undeliverable = [g.merchant_id for g in checkout.groups if not g.deliverable]
    if undeliverable:
        raise BusinessRuleViolation(
            "Some merchants cannot deliver to this address.",
            code="not_deliverable",
            details={"merchant_ids": undeliverable},
        )
    trade, orders = write_trade(
        buyer_id=buyer_id,
        address=address,
        skus=skus,
        checkout=checkout,
        remarks=remarks or {},
        payment_timeout_seconds=settings.ORDER_PAYMENT_TIMEOUT,
    )
    pricing_steps_hold(
        trade_no=trade.trade_no,
        checkout=checkout,
        order_nos=[order.order_no for order in orders],
        buyer_id=buyer_id,
    )
    # Last before the events: the stock rows stay locked until commit, so lock them late.
    reserve_stock(
        orders=orders,
        checkout=checkout,
        region_code=address.province_code,
        ttl_seconds=stock_hold_seconds(),
    )
    publish_placed(trade=trade, orders=orders, checkout=checkout, from_cart=prepared.from_cart)
    return PlacedTrade(trade=trade, orders=tuple(orders))
