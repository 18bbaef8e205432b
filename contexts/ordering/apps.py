"""Ordering: checkout pricing, placing orders (one per merchant under one trade), the order state
machine with its log, and the unpaid/auto-confirm timers."""

from django.apps import AppConfig


class OrderingConfig(AppConfig):
    name = "contexts.ordering"
    label = "ordering"
    verbose_name = "Ordering"

    def ready(self) -> None:
        from contexts.logistics.events import ShipmentDelivered
        from contexts.ordering import handlers
        from contexts.payments.events import PaymentSucceeded
        from shared.events import subscribe

        subscribe(
            PaymentSucceeded,
            handlers.payment_succeeded_mark_paid,
            name="ordering.payment_succeeded_mark_paid",
        )
        subscribe(
            ShipmentDelivered,
            handlers.shipment_delivered_order_deliver,
            name="ordering.shipment_delivered_order_deliver",
        )
