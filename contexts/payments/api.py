"""Payments' PUBLIC facade: functions other (downstream) contexts call, returning frozen
dataclasses from data.py."""

from __future__ import annotations

from contexts.payments import selectors
from contexts.payments.data import PaymentInfo, RefundInfo

__all__ = ["PaymentInfo", "RefundInfo", "get_payment"]


def get_payment(payment_no: str) -> PaymentInfo | None:
    """One payment with its refunds (after-sales, settlement), or None."""
    payment = selectors.payment_get(payment_no=payment_no)
    if payment is None:
        return None
    return PaymentInfo(
        payment_no=payment.payment_no,
        trade_no=payment.trade_no,
        buyer_id=payment.buyer_id,
        provider=payment.provider,
        state=payment.state,
        amount=payment.amount,
        paid_at=payment.paid_at,
        refund_reason=payment.refund_reason,
        refunds=tuple(
            RefundInfo(refund_no=r.refund_no, amount=r.amount, state=r.state, reason=r.reason)
            for r in payment.refunds.all()
        ),
    )
