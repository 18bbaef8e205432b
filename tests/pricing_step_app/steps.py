"""The rebate step: a buyer given a rebate gets that much off each order's items (one merchant
group each), like a shop coupon the buyer owns. It records every lifecycle call in StepCall."""

from __future__ import annotations

from decimal import Decimal

from contexts.ordering import api as ordering_api

REBATE_STEP = "test_rebate"

# buyer id -> rebate per merchant group; tests set and clear it (see the `rebate` fixture).
REBATES: dict[int, Decimal] = {}
# The buyer's options each `hold` saw, in order (tests clear it).
HELD_OPTIONS: list[dict] = []


class RebateStep(ordering_api.PricingStepBase):
    def quote(self, checkout: ordering_api.Checkout) -> list:
        rebate = REBATES.get(checkout.buyer_id)
        if rebate is None:
            return []
        answers: list = [
            ordering_api.Adjustment(
                amount=rebate,
                merchant_id=group.merchant_id,
                label="Test rebate",
                reference=f"R-{checkout.buyer_id}-{group.merchant_id}",
            )
            for group in checkout.groups
        ]
        # Explains itself, echoing the buyer's options, as a real step explains its choice.
        answers.append(
            ordering_api.PricingNote(
                message=f"coupon_ids={checkout.options.get('coupon_ids')!r} "
                f"points={checkout.options.get('points')!r}",
                reference=f"R-{checkout.buyer_id}",
                sku_ids=tuple(line.sku_id for line in checkout.lines),
                applied=True,
            )
        )
        return answers

    def hold(self, hold: ordering_api.PricingHold) -> None:
        from tests.pricing_step_app.models import StepCall

        HELD_OPTIONS.append(dict(hold.options))
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
