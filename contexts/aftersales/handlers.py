"""After-sales' reactions to payments' refund results (idempotent: the inbox delivers each event
once per handler, and a request settles only while it waits for that refund)."""

from __future__ import annotations

from contexts.aftersales import services
from contexts.payments.events import RefundFailed, RefundSucceeded


def refund_succeeded_settle(event: RefundSucceeded) -> None:
    """The request's money went back: refunded (other contexts' refunds are ignored)."""
    services.refund_settle(refund_no=event.refund_no, succeeded=True)


def refund_failed_settle(event: RefundFailed) -> None:
    """The provider refused the refund: refund_failed (staff arbitrate a retry)."""
    services.refund_settle(refund_no=event.refund_no, succeeded=False)
