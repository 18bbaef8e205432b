"""Ordering's reactions to other contexts' events (subscribed in apps.py under stable names;
idempotent: the inbox delivers each event once per handler, recording a payment twice with one
payment_ref changes nothing, and a delivered order is not delivered again)."""

from __future__ import annotations

import logging

from django.db import transaction

from contexts.logistics.events import ShipmentDelivered
from contexts.ordering import services
from contexts.ordering.events import TradePaymentRefused
from contexts.payments.events import PaymentSucceeded
from shared.errors import AppError
from shared.events import publish

logger = logging.getLogger(__name__)

# Refusals that are final for this payment: the money must go back.
REFUSALS = frozenset({"illegal_transition", "payment_after_expiry", "amount_mismatch"})


def payment_succeeded_mark_paid(event: PaymentSucceeded) -> None:
    """A trade's payment succeeded: its orders become paid and their stock is committed. When
    ordering refuses it (orders cancelled, stock sold after the hold expired, another amount)
    nothing is recorded and TradePaymentRefused tells payments to refund it. Payments of
    other kinds (a subscription invoice ...) are not ordering's."""
    if event.kind != "trade":
        return
    try:
        services.order_mark_paid(
            trade_no=event.trade_no, paid_amount=event.amount, payment_ref=event.payment_no
        )
    except AppError as exc:
        if exc.code not in REFUSALS:
            raise
        logger.warning(
            "payment refused by ordering",
            extra={"trade_no": event.trade_no, "payment_no": event.payment_no, "reason": exc.code},
        )
        with transaction.atomic():
            publish(
                TradePaymentRefused(
                    trade_no=event.trade_no,
                    payment_ref=event.payment_no,
                    amount=event.amount,
                    reason=exc.code,
                )
            )


def shipment_delivered_order_deliver(event: ShipmentDelivered) -> None:
    """A parcel was delivered: the order becomes delivered once all its parcels are (and
    everything it holds has shipped). Idempotent: a repeat, or an order already delivered,
    completed or refunding, changes nothing."""
    services.order_deliver_if_all_parcels_delivered(order_no=event.order_no)
