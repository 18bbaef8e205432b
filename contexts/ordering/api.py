"""Ordering's PUBLIC facade: the only functions other contexts call.

They return frozen dataclasses from data.py, never models or querysets. Orders and trades are
referred to by their public numbers.

Pricing steps: a context that changes what a checkout costs (promotions, coupons, points, flash
sale ...) implements `PricingStep` (quote / hold / confirm / release, see data.PricingStep) and
registers it from its AppConfig.ready() with `register_pricing_step` (or swaps the shipped no-op
of its name with `replace_pricing_step`). The types it needs are re-exported here.
"""

from __future__ import annotations

from decimal import Decimal

from contexts.ordering import selectors, services
from contexts.ordering.data import (
    Adjustment,
    Allocation,
    Checkout,
    FreightCharge,
    GiftLine,
    HeldOrder,
    MerchantGroup,
    OrderInfo,
    OrderLineInfo,
    PricedLine,
    PricingHold,
    PricingNote,
    PricingSettlement,
    PricingStep,
    PricingStepBase,
    TradeInfo,
    TradeOrderInfo,
)
from contexts.ordering.domain.states import OrderStatus
from shared.money import ZERO

__all__ = [
    "Adjustment",
    "Allocation",
    "Checkout",
    "FreightCharge",
    "GiftLine",
    "HeldOrder",
    "MerchantGroup",
    "OrderInfo",
    "OrderLineInfo",
    "PricedLine",
    "PricingHold",
    "PricingNote",
    "PricingSettlement",
    "PricingStep",
    "PricingStepBase",
    "TradeInfo",
    "TradeOrderInfo",
    "cart_groups_before",
    "completed_purchase_exists",
    "get_order",
    "get_trade",
    "mark_trade_paid",
    "pricing_step_names",
    "register_pricing_step",
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
