"""Loyalty's reactions to other contexts: ordering's completed orders and payments' refunds
(events; idempotent: the inbox delivers each event once per handler, and the services key
their writes on the order and the refund), and ordering's pricing pipeline (the "points" and
"member_shipping" steps, registered in apps.py)."""

from __future__ import annotations

from collections.abc import Sequence

from contexts.loyalty import selectors, services
from contexts.ordering import api as ordering_api
from contexts.ordering.events import OrderCompleted
from contexts.payments.events import RefundSucceeded
from shared.money import ZERO

POINTS_STEP = "points"
MEMBER_SHIPPING_STEP = "member_shipping"


def order_completed_earn(event: OrderCompleted) -> None:
    """A completed order earns points and growth value, once per order."""
    services.order_completed_earn(
        user_id=event.buyer_id,
        order_no=event.order_no,
        trade_no=event.trade_no,
        pay_amount=event.pay_amount,
    )


def refund_succeeded_reverse(event: RefundSucceeded) -> None:
    """Money went back: spent points come back and earned points are reversed, in proportion
    (policy in services/refunds.py), once per refund."""
    services.refund_points_reverse(
        refund_no=event.refund_no,
        trade_no=event.trade_no,
        user_id=event.buyer_id,
        amount=event.amount,
    )


def requested_points(checkout: ordering_api.Checkout) -> int:
    raw = checkout.options.get("points") if checkout.options else None
    if isinstance(raw, bool) or not isinstance(raw, int) or raw <= 0:
        return 0
    return raw


class PointsStep(ordering_api.PricingStepBase):
    """`checkout.options["points"]` points off the items of the whole checkout (a platform
    discount spread over every line), within the rules of services.spend_value (422 with
    points_insufficient, points_exceed_max_share, ... otherwise). Held per order at placement,
    spent on payment, returned on cancellation."""

    def quote(self, checkout: ordering_api.Checkout) -> list[ordering_api.Adjustment]:
        points = requested_points(checkout)
        if points == 0:
            return []
        due = sum((line.pay_amount for line in checkout.lines), ZERO)
        value = services.spend_value(user_id=checkout.buyer_id, points=points, due=due)
        return [
            ordering_api.Adjustment(
                amount=value, label=f"{points} points", reference=f"points:{points}"
            )
        ]

    def hold(self, hold: ordering_api.PricingHold) -> None:
        points = sum(
            int(a.reference.removeprefix("points:"))
            for a in hold.adjustments
            if a.reference.startswith("points:")
        )
        shares = services.points_for_orders(points, [o.discount_amount for o in hold.orders])
        services.points_hold(
            user_id=hold.buyer_id,
            trade_no=hold.trade_no,
            spends=[
                services.OrderSpend(order_no=o.order_no, points=n, amount=o.discount_amount)
                for o, n in zip(hold.orders, shares, strict=True)
            ],
        )

    def confirm(self, settlement: ordering_api.PricingSettlement) -> None:
        services.points_holds_confirm(order_nos=settlement.order_nos)

    def release(self, settlement: ordering_api.PricingSettlement) -> None:
        services.points_holds_release(order_nos=settlement.order_nos)


class MemberShippingStep(ordering_api.PricingStepBase):
    """Members whose level has free shipping pay no freight: a freight adjustment of each
    group's freight (runs before promotions, after freight)."""

    def quote(self, checkout: ordering_api.Checkout) -> Sequence[ordering_api.Adjustment]:
        groups = [g for g in checkout.groups if g.freight_due > 0]
        if not groups or not checkout.buyer_id:
            return []
        level = selectors.free_shipping_level(user_id=checkout.buyer_id)
        if level is None:
            return []
        code, name = level
        return [
            ordering_api.Adjustment(
                amount=group.freight_due,
                target="freight",
                merchant_id=group.merchant_id,
                label=f"Free shipping ({name})",
                reference=f"level:{code}",
            )
            for group in groups
        ]
