"""The rebate step: a buyer given a rebate gets that much off each order's items (one merchant
group each), like a shop coupon the buyer owns. It records every lifecycle call in StepCall."""

from __future__ import annotations

from decimal import Decimal

from contexts.ordering import api as ordering_api

REBATE_STEP = "test_rebate"

# buyer id -> rebate per merchant group; tests set and clear it (see the `rebate` fixture).
REBATES: dict[int, Decimal] = {}


class RebateStep(ordering_api.PricingStepBase):
    def quote(self, checkout: ordering_api.Checkout) -> list[ordering_api.Adjustment]:
        rebate = REBATES.get(checkout.buyer_id)
        if rebate is None:
            return []
        return [
            ordering_api.Adjustment(
                amount=rebate,
                merchant_id=group.merchant_id,
                label="Test rebate",
                reference=f"R-{checkout.buyer_id}-{group.merchant_id}",
            )
            for group in checkout.groups
        ]

    def hold(self, hold: ordering_api.PricingHold) -> None:
        from tests.pricing_step_app.models import StepCall

        StepCall.objects.bulk_create(
            StepCall(
                action="hold", trade_no=hold.trade_no, order_no=o.order_no, amount=o.discount_amount
            )
            for o in hold.orders
        )

    def confirm(self, settlement: ordering_api.PricingSettlement) -> None:
        self._record("confirm", settlement)

    def release(self, settlement: ordering_api.PricingSettlement) -> None:
        self._record("release", settlement)

    def _record(self, action: str, settlement: ordering_api.PricingSettlement) -> None:
        """Like a real step, acts only on the orders it holds something on."""
        from tests.pricing_step_app.models import StepCall

        held = set(
            StepCall.objects.filter(action="hold", order_no__in=settlement.order_nos).values_list(
                "order_no", flat=True
            )
        )
        StepCall.objects.bulk_create(
            StepCall(
                action=action,
                trade_no=settlement.trade_no,
                order_no=order_no,
                reason=settlement.reason,
            )
            for order_no in settlement.order_nos
            if order_no in held
        )
