"""Settlement's reactions to other contexts' events. Idempotent twice over: the inbox
delivers an event once per handler, and the services make one line per order and one refund
share per (refund, order) whatever is delivered."""

from __future__ import annotations

from contexts.ordering.events import OrderCompleted
from contexts.payments.events import RefundSucceeded, TransferFailed, TransferSucceeded
from contexts.settlement import services


def order_completed_make_line(event: OrderCompleted) -> None:
    """A completed order becomes a settlement line (settleable after the after-sales
    window)."""
    services.line_for_completed_order(order_no=event.order_no, completed_at=event.occurred_at)


def refund_succeeded_adjust(event: RefundSucceeded) -> None:
    """Money refunded: taken off the order's open line, or an adjustment line on the next
    statement when the line was already on one."""
    services.refund_record(refund_no=event.refund_no, trade_no=event.trade_no, amount=event.amount)


def transfer_succeeded_payout_paid(event: TransferSucceeded) -> None:
    """A payout's transfer the provider finished later: the payout is paid (and its
    statement)."""
    services.transfer_settled_record(
        transfer_no=event.transfer_no, reference=event.reference, state="succeeded"
    )


def transfer_failed_payout_failed(event: TransferFailed) -> None:
    """A payout's transfer refused later: the payout fails (staff may retry it)."""
    services.transfer_settled_record(
        transfer_no=event.transfer_no,
        reference=event.reference,
        state="failed",
        failure_code=event.failure_reason,
    )
