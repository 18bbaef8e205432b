"""After-sales (售后): refund-only, return-and-refund, exchange and repair requests on order
lines, reviewed by the merchant, refunded through payments, restocked through inventory."""

from django.apps import AppConfig


class AftersalesConfig(AppConfig):
    name = "contexts.aftersales"
    label = "aftersales"
    verbose_name = "After-sales"

    def ready(self) -> None:
        from contexts.aftersales import handlers
        from contexts.logistics.events import ReturnParcelDelivered
        from contexts.payments.events import RefundFailed, RefundSucceeded
        from shared.events import subscribe

        subscribe(
            RefundSucceeded, handlers.refund_succeeded_settle, name="aftersales.refund_succeeded"
        )
        subscribe(RefundFailed, handlers.refund_failed_settle, name="aftersales.refund_failed")
        subscribe(
            ReturnParcelDelivered,
            handlers.return_parcel_delivered_receive,
            name="aftersales.return_parcel_delivered",
        )
