"""Payments' reactions to other contexts' events (idempotent: the inbox delivers each event
once per handler, and the refund is keyed on the payment)."""

from __future__ import annotations

from django.db import transaction

from contexts.ordering.events import TradePaymentRefused
from contexts.payments import services


def trade_payment_refused_refund(event: TradePaymentRefused) -> None:
    """Ordering refused a payment (its orders were cancelled, or their stock sold meanwhile):
    give the money back, once, with ordering's reason for the buyer to see."""
    refund = services.refund_for_refused_payment(payment_no=event.payment_ref, reason=event.reason)
    if refund is not None:
        refund_no = refund.refund_no
        transaction.on_commit(lambda: services.refund_submit(refund_no=refund_no), robust=True)
