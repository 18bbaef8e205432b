"""Coupons: templates, claims atomic against their limits, redeemable codes, and the "coupons"
pricing step (suggest, hold at placement, use on payment, return on cancel or full refund)."""

from django.apps import AppConfig


class CouponsConfig(AppConfig):
    name = "contexts.coupons"
    label = "coupons"
    verbose_name = "Coupons"

    def ready(self) -> None:
        from contexts.coupons import handlers
        from contexts.coupons.services.checkout import CouponStep
        from contexts.ordering import api as ordering_api
        from contexts.payments.events import RefundSucceeded
        from shared.events import subscribe

        ordering_api.replace_pricing_step("coupons", CouponStep())
        subscribe(
            RefundSucceeded,
            handlers.refund_succeeded_return_coupons,
            name="coupons.refund_succeeded_return_coupons",
        )
