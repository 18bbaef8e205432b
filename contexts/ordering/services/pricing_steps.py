"""The pricing pipeline's registered steps and their lifecycle, called from one place each.

`PRICING_STEPS` is the one registry: "freight" (quoted by logistics), then the no-op
"promotions", "coupons", "points" that their contexts replace from their AppConfig.ready()
through `ordering.api.register_pricing_step` / `replace_pricing_step`.

Lifecycle, per step (see data.PricingStep): `quote` on every pricing (cart quote, preview,
placement); `hold` at placement, `confirm` when a trade's orders are paid, `release` when orders
are cancelled (by the buyer or the payment timeout). Each hook is called from exactly one
function here, by services that have just moved the orders in question through the state
machine under their row locks, so each order passes each hook at most once.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from contexts.logistics import api as logistics_api
from contexts.ordering.data import (
    Checkout,
    FreightCharge,
    HeldOrder,
    PricingHold,
    PricingSettlement,
    PricingStep,
    PricingStepBase,
)
from contexts.ordering.domain import pricing


class FreightStep(PricingStepBase):
    """Charges each merchant group the freight logistics quotes for the buyer's province.

    Without a province (the cart, before an address is chosen) nothing is charged."""

    def quote(self, checkout: Checkout) -> Sequence[FreightCharge]:
        if not checkout.province_code:
            return ()
        charges = []
        for group in checkout.groups:
            answer = logistics_api.quote_freight(
                merchant_id=group.merchant_id,
                province_code=checkout.province_code,
                items=[
                    logistics_api.FreightItem(
                        sku_id=line.sku_id,
                        quantity=line.quantity,
                        weight_grams=line.weight_grams,
                        amount=line.pay_amount,
                    )
                    for line in group.lines
                ],
            )
            charges.append(
                FreightCharge(
                    merchant_id=group.merchant_id,
                    amount=answer.amount,
                    deliverable=answer.deliverable,
                    reason=answer.reason,
                )
            )
        return charges


PRICING_STEPS = pricing.default_registry(freight=FreightStep())


def pricing_step_register(*, name: str, step: PricingStep, before: str | None = None) -> None:
    """Add a step to the pipeline (at the end, or before the step named `before`)."""
    PRICING_STEPS.register(name, step, before=before)


def pricing_step_replace(*, name: str, step: PricingStep) -> None:
    """Swap the step registered under `name` (a context's real step for the shipped no-op)."""
    PRICING_STEPS.replace(name, step)


def pricing_steps_hold(
    *, trade_no: str, checkout: Checkout, order_nos: Sequence[str], buyer_id: int
) -> None:
    """Placement: each step whose adjustments fell on the trade holds them. `order_nos` are in
    the order of checkout.groups. Runs inside the placement transaction."""
    order_of = dict(zip((g.merchant_id for g in checkout.groups), order_nos, strict=True))
    for name, step in PRICING_STEPS.steps():
        adjustments = tuple(a for a in checkout.adjustments if a.source == name and a.amount)
        if not adjustments:
            continue
        orders = []
        for group in checkout.groups:
            allocations = [
                a
                for allocated in (
                    *(line.discounts for line in group.lines),
                    group.freight_discounts,
                )
                for a in allocated
                if a.source == name
            ]
            if allocations:
                orders.append(
                    HeldOrder(
                        order_no=order_of[group.merchant_id],
                        merchant_id=group.merchant_id,
                        discount_amount=sum((a.amount for a in allocations), Decimal(0)),
                        references=tuple(dict.fromkeys(a.reference for a in allocations)),
                    )
                )
        step.hold(
            PricingHold(
                trade_no=trade_no,
                buyer_id=buyer_id,
                options=checkout.options,
                adjustments=adjustments,
                orders=tuple(orders),
            )
        )


def _settlement(
    *, trade_no: str, buyer_id: int, order_nos: Sequence[str], reason: str
) -> PricingSettlement | None:
    if not order_nos:
        return None
    return PricingSettlement(
        trade_no=trade_no, buyer_id=buyer_id, order_nos=tuple(order_nos), reason=reason
    )


def pricing_steps_confirm(*, trade_no: str, buyer_id: int, order_nos: Sequence[str]) -> None:
    """Payment: orders that have just become paid (once per trade payment)."""
    settlement = _settlement(trade_no=trade_no, buyer_id=buyer_id, order_nos=order_nos, reason="")
    if settlement is not None:
        for _, step in PRICING_STEPS.steps():
            step.confirm(settlement)


def pricing_steps_release(
    *, trade_no: str, buyer_id: int, order_nos: Sequence[str], reason: str
) -> None:
    """Cancellation / payment timeout: orders that have just been cancelled unpaid."""
    settlement = _settlement(
        trade_no=trade_no, buyer_id=buyer_id, order_nos=order_nos, reason=reason
    )
    if settlement is not None:
        for _, step in PRICING_STEPS.steps():
            step.release(settlement)


__all__ = [
    "PRICING_STEPS",
    "FreightStep",
    "pricing_step_register",
    "pricing_step_replace",
    "pricing_steps_confirm",
    "pricing_steps_hold",
    "pricing_steps_release",
]
