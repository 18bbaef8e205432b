"""After-sales' reactions to payments' refund results and logistics' tracking of return parcels
(idempotent: the inbox delivers each event once per handler, a request settles only while it
waits for that refund, and a parcel moves only a request still waiting for it)."""

from __future__ import annotations

from contexts.aftersales import services
from contexts.logistics.events import ReturnParcelDelivered
from contexts.payments.events import RefundFailed, RefundSucceeded


def refund_succeeded_settle(event: RefundSucceeded) -> None:
    """The request's money went back: refunded (other contexts' refunds are ignored)."""
    services.refund_settle(refund_no=event.refund_no, succeeded=True)


def refund_failed_settle(event: RefundFailed) -> None:
    """The provider refused the refund: refund_failed (staff arbitrate a retry)."""
    services.refund_settle(refund_no=event.refund_no, succeeded=False)


def return_parcel_delivered_receive(event: ReturnParcelDelivered) -> None:
    """The buyer's return parcel reached the merchant: return_received, awaiting inspection."""
    services.return_parcel_delivered(reference=event.reference, delivered_at=event.delivered_at)
