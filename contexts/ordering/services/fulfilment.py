"""What a placing context (group buy) does with its special orders after placement: release the
fulfilment hold of orders that may ship now, cancel an unpaid order it gave up on, refund a paid
order that never shipped.

Each locks the trade row first, then its order (the lock order of transitions.py), logs every
change in the order log and is idempotent: a repeat finds the work done and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from contexts.inventory import api as inventory_api
from contexts.ordering.domain.states import OrderStatus
from contexts.ordering.events import OrderRefunded
from contexts.ordering.models import STOCK_RESERVE, Order, OrderLog, Trade
from contexts.ordering.services.refunds import ledger_record_whole_refund
from contexts.ordering.services.transitions import (
    SYSTEM,
    _placed_lines,
    _refresh_trade_status,
    cancel_locked,
    transition,
)
from shared.errors import NotFound
from shared.events import publish

HOLD_RELEASED = "fulfilment hold released"


def _lock(order_no: str) -> tuple[Trade, Order]:
    trade_id = Order.objects.filter(order_no=order_no).values_list("trade_id", flat=True).first()
    if trade_id is None:
        raise NotFound("Order not found.")
    trade = Trade.objects.select_for_update().get(pk=trade_id)
    return trade, Order.objects.select_for_update().get(order_no=order_no)


@transaction.atomic
def fulfilment_hold_release(*, order_nos: Iterable[str], reason: str = "") -> list[str]:
    """Let held orders ship: their hold is lifted (one log row each, status unchanged). Orders
    not held (released before, or never held) are left alone; unknown numbers are ignored.
    Locks the orders in id order. Returns the numbers released now."""
    orders = list(
        Order.objects.select_for_update()
        .filter(order_no__in=sorted(set(order_nos)), fulfilment_held=True)
        .order_by("id")
    )
    now = timezone.now()
    for order in orders:
        OrderLog.objects.create(
            order=order,
            from_status=order.status,
            to_status=order.status,
            actor=SYSTEM,
            reason=(f"{HOLD_RELEASED}: {reason}" if reason else HOLD_RELEASED)[:200],
            created_at=now,
        )
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(fulfilment_held=False)
    return [o.order_no for o in orders]


@transaction.atomic
def order_cancel_unpaid(*, order_no: str, reason: str) -> bool:
    """Cancel an unpaid order on its placing context's behalf (its group failed): as the payment
    timeout would, stock released, OrderCancelled published. An order that is not pending
    payment (paid, cancelled already ...) is left alone. Returns whether it was cancelled."""
    trade, order = _lock(order_no)
    if order.status != OrderStatus.PENDING_PAYMENT:
        return False
    cancel_locked([order], trade, actor=SYSTEM, reason=reason)
    return True


@transaction.atomic
def order_refund_unshipped(*, order_no: str, reason: str) -> bool:
    """Refund a paid order that has not shipped, whole: paid -> refunding -> refunded (both
    logged), its sold units back on hand through inventory's restore keyed by the order (a
    replay restores nothing), OrderRefunded published, all in one transaction. The money is
    the caller's to return through payments. A repeat, or an order already refunded, changes
    nothing (returns False); any other status is a 409 illegal_transition. Each line's refund
    is written to the line ledger (refunded, keyed `refund:<order_no>:<line id>`), so its
    refundable amount is 0 and after-sales never refunds the order again; OrderRefunded
    carries what those rows give back (not the pay amount, when after-sales refunded part).

    Pricing steps: nothing is released here. A special order carries no coupon or points, and
    for a checkout order coupons and points react to payments' RefundSucceeded of a full
    refund, so releasing them here too would give them back twice."""
    trade, order = _lock(order_no)
    if order.status == OrderStatus.REFUNDED:
        return False
    if order.status == OrderStatus.PAID:
        transition(order, OrderStatus.REFUNDING, actor=SYSTEM, reason=reason)
    # Anything but paid or refunding is refused by the state machine (409).
    transition(order, OrderStatus.REFUNDED, actor=SYSTEM, reason=reason)
    # Every line's refundable amount becomes 0 in the line ledger: after-sales (which reads
    # it) can never give this money back a second time.
    # What goes back now: the order's pay amount less what after-sales refunded before (the
    # ledger rows written), as payments' refund_trade(amount=None) pays back only what is left.
    refunded_amount = ledger_record_whole_refund(
        order, reference=f"refund:{order.order_no}", reason=reason
    )
    if order.stock_mode == STOCK_RESERVE:
        inventory_api.restore(
            order_ref=order.order_no, reference=f"refund:{order.order_no}", reason=reason[:100]
        )
    publish(
        OrderRefunded(
            order_no=order.order_no,
            trade_no=trade.trade_no,
            buyer_id=order.buyer_id,
            merchant_id=order.merchant_id,
            refunded_amount=refunded_amount,
            reason=reason[:200],
            lines=_placed_lines(order),
            source=order.source,
            source_ref=order.source_ref or "",
        )
    )
    _refresh_trade_status(trade)
    return True
