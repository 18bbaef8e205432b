"""Subscription: membership plans with benefits (free shipping, a points multiplier, a member
price), paid through payments, renewed by a beat (auto-renew against a signed agreement,
retries, grace), cancelled at period end, upgraded with proration."""

from django.apps import AppConfig


class SubscriptionConfig(AppConfig):
    name = "contexts.subscription"
    label = "subscription"
    verbose_name = "Subscription"

    def ready(self) -> None:
        from contexts.loyalty import api as loyalty_api
        from contexts.ordering import api as ordering_api
        from contexts.payments import api as payments_api
        from contexts.payments.events import AgreementChanged, PaymentSucceeded
        from contexts.subscription import handlers, services
        from shared.events import subscribe

        subscribe(
            PaymentSucceeded,
            handlers.payment_succeeded_pay_invoice,
            name="subscription.payment_succeeded_pay_invoice",
        )
        subscribe(
            AgreementChanged,
            handlers.agreement_changed_auto_renew,
            name="subscription.agreement_changed_auto_renew",
        )
        payments_api.register_payable_source(services.PAYABLE_KIND, handlers.invoice_payable)
        loyalty_api.register_earn_multiplier(handlers.MULTIPLIER_NAME, handlers.points_multiplier)
        names = ordering_api.pricing_step_names()
        if handlers.MEMBERSHIP_STEP not in names:
            # Right after freight, before every discount step: the member price is a price
            # (promotions' thresholds and percentages apply to what members actually pay), and
            # a member's freight is waived before anything else may take it off.
            first_discount = names[names.index("freight") + 1]
            ordering_api.register_pricing_step(
                handlers.MEMBERSHIP_STEP, handlers.MembershipStep(), before=first_discount
            )
