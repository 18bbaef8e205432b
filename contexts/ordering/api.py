"""Ordering's PUBLIC facade: the only functions other contexts call.

They return frozen dataclasses from data.py, never models or querysets. Orders and trades are
referred to by their public numbers.

Pricing steps: a context that changes what a checkout costs (promotions, coupons, points, flash
sale ...) implements `PricingStep` (quote / hold / confirm / release, see data.PricingStep) and
registers it from its AppConfig.ready() with `register_pricing_step` (or swaps the shipped no-op
of its name with `replace_pricing_step`). The types it needs are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from contexts.ordering import selectors, services
from contexts.ordering.data import (
    Adjustment,
    Allocation,
    Checkout,
    DiscountShare,
    FreightCharge,
    GiftLine,
    HeldOrder,
    LineRefundInfo,
    MerchantGroup,
    OrderDiscountsInfo,
    OrderInfo,
    OrderLineInfo,
    OrderRefundInfo,
    OrderSearchSource,
    PricedLine,
    PricingHold,
    PricingNote,
    PricingSettlement,
    PricingStep,
    PricingStepBase,
    RefundableLine,
    SpecialOrderInfo,
    TradeInfo,
    TradeOrderInfo,
)
from contexts.ordering.domain.states import OrderStatus
from contexts.ordering.models import STOCK_PREALLOCATED, STOCK_RESERVE
from contexts.ordering.services import fulfilment
from shared.errors import NotFound
from shared.money import ZERO

__all__ = [
    "STOCK_PREALLOCATED",
    "STOCK_RESERVE",
    "Adjustment",
    "Allocation",
    "Checkout",
    "DiscountShare",
    "FreightCharge",
    "GiftLine",
    "HeldOrder",
    "LineRefundInfo",
    "MerchantGroup",
    "OrderDiscountsInfo",
    "OrderInfo",
    "OrderLineInfo",
    "OrderRefundInfo",
    "OrderSearchSource",
    "PricedLine",
    "PricingHold",
    "PricingNote",
    "PricingSettlement",
    "PricingStep",
    "PricingStepBase",
    "RefundableLine",
    "SpecialOrderInfo",
    "TradeInfo",
    "TradeOrderInfo",
    "cancel_unpaid_order",
    "cart_groups_before",
    "completed_purchase_exists",
    "get_order",
    "get_order_discounts",
    "get_trade",
    "mark_trade_paid",
    "order_line_refund_request",
    "order_line_refund_settle",
    "order_line_refundable",
    "orders_for_search",
    "orders_for_search_after",
    "place_special_order",
    "pricing_step_names",
    "refund_unshipped_order",
    "register_pricing_step",
    "release_fulfilment_hold",
    "replace_pricing_step",
]


def register_pricing_step(name: str, step: PricingStep, *, before: str | None = None) -> None:
    """Add a pricing step under a unique name, at the end of the pipeline or just before the
    step named `before` (e.g. before="points"). A name already taken is a ValueError."""
    services.pricing_step_register(name=name, step=step, before=before)


def replace_pricing_step(name: str, step: PricingStep) -> None:
    """Swap the step registered under `name` (the shipped "promotions", "coupons", "points"
    grant nothing until their contexts replace them)."""
    services.pricing_step_replace(name=name, step=step)


def pricing_step_names() -> tuple[str, ...]:
    """The registered steps, in the order they apply."""
    return services.PRICING_STEPS.names()


def _trade_info(trade, orders) -> TradeInfo:
    return TradeInfo(
        trade_no=trade.trade_no,
        buyer_id=trade.buyer_id,
        status=trade.status,
        pay_amount=trade.pay_amount,
        payable_amount=sum(
            (o.pay_amount for o in orders if o.status == OrderStatus.PENDING_PAYMENT), ZERO
        ),
        paid_amount=trade.paid_amount,
        payment_ref=trade.payment_ref,
        payment_deadline=trade.payment_deadline,
        created_at=trade.created_at,
        paid_at=trade.paid_at,
        orders=tuple(
            TradeOrderInfo(
                order_no=o.order_no,
                merchant_id=o.merchant_id,
                status=o.status,
                pay_amount=o.pay_amount,
            )
            for o in orders
        ),
    )


def completed_purchase_exists(*, user_id: int, sku_id: int) -> bool:
    """True when the user has a completed order with a line for this SKU."""
    return selectors.completed_purchase_exists(user_id=user_id, sku_id=sku_id)


def get_trade(trade_no: str) -> TradeInfo | None:
    """The trade (what the buyer pays once) with its orders, or None when there is none."""
    trade = selectors.trade_get(trade_no=trade_no)
    return _trade_info(trade, list(trade.orders.all())) if trade is not None else None


def mark_trade_paid(*, trade_no: str, paid_amount: Decimal, payment_ref: str) -> TradeInfo:
    """Record the payment of a trade: its unpaid orders become paid and their stock is deducted.

    paid_amount must equal the trade's payable amount (422 amount_mismatch); a repeat with the
    same payment_ref changes nothing; a trade whose orders were cancelled is a 409
    illegal_transition, and one whose stock hold expired and whose units were sold since is a
    409 payment_after_expiry (nothing is recorded either way; the payment is to be refunded).
    """
    services.order_mark_paid(trade_no=trade_no, paid_amount=paid_amount, payment_ref=payment_ref)
    trade = selectors.trade_get(trade_no=trade_no)
    return _trade_info(trade, list(trade.orders.all()))


def get_order(order_no: str) -> OrderInfo | None:
    """One order with its lines (for payments and after-sales), or None when there is none."""
    order = selectors.order_get(order_no=order_no)
    if order is None:
        return None
    return OrderInfo(
        order_no=order.order_no,
        trade_no=order.trade.trade_no,
        buyer_id=order.buyer_id,
        merchant_id=order.merchant_id,
        status=order.status,
        items_amount=order.items_amount,
        freight_amount=order.freight_amount,
        discount_amount=order.discount_amount,
        pay_amount=order.pay_amount,
        created_at=order.created_at,
        paid_at=order.paid_at,
        lines=tuple(
            OrderLineInfo(
                sku_id=line.sku_id,
                spu_id=line.spu_id,
                title=line.title,
                spec=line.spec,
                unit_price=line.unit_price,
                quantity=line.quantity,
                subtotal=line.subtotal,
                discount_amount=line.discount_amount,
                pay_amount=line.pay_amount,
                gift=line.gift,
            )
            for line in order.lines.all()
        ),
    )


def cart_groups_before(*, buyer_id: int, step: str) -> tuple[MerchantGroup, ...]:
    """The buyer's selected cart lines priced as the cart quote prices them (no address, no
    freight), by the steps before `step` only, grouped per shop: a step shows the choices it
    offers on what is left to pay (the coupons a checkout can use). Empty when nothing can be
    checked out. Writes nothing."""
    checkout = services.cart_checkout(buyer_id=buyer_id, before=step)
    return () if checkout is None else checkout.groups


def place_special_order(
    *,
    buyer_id: int,
    address_id: int,
    sku_id: int,
    quantity: int,
    unit_price: Decimal,
    source: str,
    source_ref: str,
    payment_timeout_seconds: int,
    stock_mode: str = STOCK_RESERVE,
    fulfilment_hold: bool = False,
) -> SpecialOrderInfo:
    """Place an order for one SKU line at a price set by the calling context (flash sale, group
    buy), joining the caller's transaction if any.

    * Priced by the freight step only: promotions, coupons and points do not apply to a special
      price (freight is charged; 422 not_deliverable when the shop does not deliver there).
    * Idempotent per (source, source_ref): the same reference never places a second order; a
      repeat answers the first order with created=False.
    * stock_mode STOCK_RESERVE reserves the line against normal stock (422 out_of_stock);
      STOCK_PREALLOCATED means the caller already took the units out of normal stock: ordering
      neither reserves, commits nor releases them, and OrderCancelled (with source, source_ref
      and stock_mode) tells the caller to take its units back.
    * Unpaid after payment_timeout_seconds (1 s to 24 h) it is cancelled by the usual timer.
    * fulfilment_hold: once paid it still cannot ship (409 fulfilment_held) until the caller
      calls release_fulfilment_hold (a group buy's order waits for its group to fill).
    Bad arguments are a 400 validation_error, an unknown/unbuyable SKU a 422 sku_unavailable,
    an address that is not the buyer's a 404.
    """
    placed = services.special_order_place(
        buyer_id=buyer_id,
        address_id=address_id,
        sku_id=sku_id,
        quantity=quantity,
        unit_price=unit_price,
        source=source,
        source_ref=source_ref,
        payment_timeout_seconds=payment_timeout_seconds,
        stock_mode=stock_mode,
        fulfilment_hold=fulfilment_hold,
    )
    order = placed.order
    return SpecialOrderInfo(
        order_no=order.order_no,
        trade_no=order.trade.trade_no,
        buyer_id=order.buyer_id,
        merchant_id=order.merchant_id,
        status=order.status,
        pay_amount=order.pay_amount,
        payment_deadline=order.payment_deadline,
        created=placed.created,
    )


def release_fulfilment_hold(
    *, order_nos: list[str] | tuple[str, ...], reason: str = ""
) -> list[str]:
    """Let these held orders ship (each release logged in its order log). Idempotent: orders
    released before or never held are left alone, unknown numbers ignored. Returns the numbers
    released by this call."""
    return fulfilment.fulfilment_hold_release(order_nos=order_nos, reason=reason)


def cancel_unpaid_order(*, order_no: str, reason: str) -> bool:
    """Cancel an unpaid order for its placing context (as the payment timeout would: stock
    released, OrderCancelled). Anything but pending payment is left alone (False); 404 for an
    unknown number. Joins the caller's transaction."""
    return fulfilment.order_cancel_unpaid(order_no=order_no, reason=reason)


def refund_unshipped_order(*, order_no: str, reason: str) -> bool:
    """Refund a paid, unshipped order whole: paid -> refunding -> refunded (logged), its units
    back on hand (inventory restore keyed by the order: never twice), OrderRefunded published,
    in the caller's transaction; each line's refund is written to the line ledger (refunded),
    so its refundable amount is 0 and after-sales never refunds the order again. The money goes
    back through payments' refund_trade, asked by the caller. Idempotent: a repeat or a
    refunded order changes nothing (False); a shipped or unpaid order is a 409
    illegal_transition; 404 for an unknown number."""
    return fulfilment.order_refund_unshipped(order_no=order_no, reason=reason)


def get_order_discounts(order_no: str) -> OrderDiscountsInfo | None:
    """Who took what off an order (settlement decides who funds each step's discount): every
    line's share of each step's discount and the freight discounts, as recorded at placement;
    None when there is no such order."""
    order = selectors.order_get(order_no=order_no)
    if order is None:
        return None
    shares = [
        DiscountShare(
            source=str(item.get("source", "")),
            target="items",
            amount=Decimal(str(item.get("amount", "0"))),
            reference=str(item.get("reference", "")),
            sku_id=line.sku_id,
        )
        for line in order.lines.all()
        for item in line.discounts or ()
    ]
    shares += [
        DiscountShare(
            source=str(item.get("source", "")),
            target="freight",
            amount=Decimal(str(item.get("amount", "0"))),
            reference=str(item.get("reference", "")),
        )
        for item in order.discounts or ()
        if item.get("target") == "freight"
    ]
    return OrderDiscountsInfo(
        order_no=order.order_no, merchant_id=order.merchant_id, shares=tuple(shares)
    )


def _order_search_source(order) -> OrderSearchSource:
    return OrderSearchSource(
        order_no=order.order_no,
        trade_no=order.trade.trade_no,
        buyer_id=order.buyer_id,
        merchant_id=order.merchant_id,
        status=order.status,
        receiver_name=order.receiver_name,
        receiver_phone=order.receiver_phone,
        pay_amount=order.pay_amount,
        created_at=order.created_at,
    )


def orders_for_search(*, order_nos: Iterable[str]) -> dict[str, OrderSearchSource]:
    """The orders among `order_nos` that exist, by number, for staff order search (one query)."""
    return {
        order.order_no: _order_search_source(order)
        for _, order in selectors.orders_for_search(order_nos=order_nos)
    }


def orders_for_search_after(
    *, cursor: int = 0, limit: int = 500
) -> tuple[int, list[OrderSearchSource]]:
    """The next `limit` orders after `cursor` (0 to start) for a full reindex, and the cursor
    to pass next (the same one when there are no more)."""
    rows = selectors.orders_for_search(after_id=cursor, limit=limit)
    return (rows[-1][0] if rows else cursor), [_order_search_source(o) for _, o in rows]


# --- Line refunds (after-sales) ---------------------------------------------------------------
# The ledger that keeps an order line's refunds within what was paid for it; the status rule
# (when the order becomes refunding / refunded) is in domain/refunds.py.


def order_line_refundable(*, order_no: str, lock: bool = False) -> OrderRefundInfo | None:
    """The order with each line's paid share (after the discounts allocated to it), what its
    refunds took and what is left to refund; None when there is no such order. The caller
    checks who may see it. With `lock` (inside the caller's transaction) the order row stays
    locked until it ends: a caller that decides on these figures (after-sales accepting a
    request for some units) is serialised with every other change of the order."""
    try:
        order, states = services.order_refund_view(order_no=order_no, lock=lock)
    except NotFound:
        return None
    return OrderRefundInfo(
        order_no=order.order_no,
        trade_no=order.trade.trade_no,
        buyer_id=order.buyer_id,
        merchant_id=order.merchant_id,
        status=order.status,
        pay_amount=order.pay_amount,
        paid_at=order.paid_at,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        completed_at=order.completed_at,
        lines=tuple(
            RefundableLine(
                line_id=s.line.id,
                sku_id=s.line.sku_id,
                title=s.line.title,
                spec=s.line.spec,
                image_url=s.line.image_url,
                unit_price=s.line.unit_price,
                quantity=s.line.quantity,
                subtotal=s.line.subtotal,
                discount_amount=s.line.discount_amount,
                pay_amount=s.line.pay_amount,
                gift=s.line.gift,
                taken_quantity=s.balance.taken_quantity,
                taken_amount=s.balance.taken_amount,
                refunded_quantity=s.refunded_quantity,
                refunded_amount=s.refunded_amount,
                refundable_quantity=0 if s.line.gift else s.balance.refundable_quantity,
                refundable_amount=ZERO if s.line.gift else s.balance.refundable_amount,
            )
            for s in states
        ),
    )


def _line_refund_info(row) -> LineRefundInfo:
    return LineRefundInfo(
        reference=row.reference,
        order_no=row.order.order_no,
        line_id=row.line_id,
        quantity=row.quantity,
        amount=row.amount,
        state=row.state,
        before_shipment=row.before_shipment,
    )


def order_line_refund_request(
    *,
    order_no: str,
    line_id: int,
    quantity: int,
    amount: Decimal,
    reference: str,
    reason: str = "",
    actor: str = "system",
) -> LineRefundInfo:
    """Count units and money of a line as being refunded for `reference`, joining the caller's
    transaction (call it in the transaction that asks payments for the money).

    Never past the line's units (422 refund_exceeds_quantity) or its refundable amount (422
    refund_exceeds_refundable; for some of the units left: their share of the paid amount);
    concurrent calls for one order queue on the order's lock. Idempotent per reference (409
    refund_reference_reused for other figures; a released reference counts again: a retry).
    409 order_not_refundable unless the order is paid, shipped, delivered, completed or
    refunding. When the refunds cover every line the order becomes refunding."""
    row = services.order_line_refund_request(
        order_no=order_no,
        line_id=line_id,
        quantity=quantity,
        amount=amount,
        reference=reference,
        reason=reason,
        actor=actor,
    )
    return _line_refund_info(row)


def order_line_refund_settle(*, reference: str, succeeded: bool) -> bool:
    """Payments' answer for a line refund: succeeded records it (units refunded before
    shipment go back on hand; OrderLineRefunded; the order becomes refunded once every line
    is: OrderRefunded), failed releases it (a refund that will not be retried): an order that
    was `refunding` and is no longer covered by its refunds goes back to the status it came
    from (paid, shipped or delivered; logged; OrderRefundAbandoned). Idempotent (False when
    already settled); 404 for an unknown reference."""
    return services.order_line_refund_settle(reference=reference, succeeded=succeeded)
