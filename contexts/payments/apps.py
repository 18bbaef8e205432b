"""Payments: paying a trade through a provider (Alipay, WeChat Pay, the sandbox), verified and
idempotent callbacks, refunds, reconciliation with the providers."""

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "contexts.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from contexts.ordering.events import TradePaymentRefused
        from contexts.payments import handlers
        from shared.events import subscribe

        subscribe(
            TradePaymentRefused,
            handlers.trade_payment_refused_refund,
            name="payments.trade_payment_refused_refund",
        )
