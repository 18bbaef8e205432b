"""Loyalty: a points ledger (earn on completion, spend at checkout, expiry in FIFO buckets,
reversal on refund, staff adjustments) and member levels by growth value."""

from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "contexts.loyalty"
    label = "loyalty"
    verbose_name = "Loyalty"

    def ready(self) -> None:
        from contexts.loyalty import handlers
        from contexts.ordering import api as ordering_api
        from contexts.ordering.events import OrderCompleted
        from contexts.payments.events import RefundSucceeded
        from shared.events import subscribe

        subscribe(
            OrderCompleted, handlers.order_completed_earn, name="loyalty.order_completed_earn"
        )
        subscribe(RefundSucceeded, handlers.refund_succeeded_reverse, name="loyalty.refund_reverse")
        ordering_api.replace_pricing_step(handlers.POINTS_STEP, handlers.PointsStep())
        ordering_api.register_pricing_step(
            handlers.MEMBER_SHIPPING_STEP, handlers.MemberShippingStep(), before="promotions"
        )
