"""Coupons' reactions to other contexts' events (idempotent: the inbox delivers each event
once per handler, and a coupon already given back is not used any more)."""

from __future__ import annotations

from contexts.coupons import services
from contexts.payments.events import RefundSucceeded


def refund_succeeded_return_coupons(event: RefundSucceeded) -> None:
    """A trade refunded in full gets its used coupons back (COUPONS_RETURN_ON_FULL_REFUND)."""
    services.coupons_return_for_refund(payment_no=event.payment_no, trade_no=event.trade_no)
