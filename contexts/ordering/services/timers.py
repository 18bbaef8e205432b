"""The two timers, run by beat: cancel orders unpaid past their deadline, complete orders
delivered long enough ago.

Both are safe to run concurrently and repeatedly: each unit of work (a trade's unpaid orders, one
delivered order) is claimed with `select_for_update(skip_locked=True)` (a row another run or a
buyer holds is skipped, and picked up next time if still due), re-checked under the lock, and
committed on its own, so one failure does not undo the others.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contexts.ordering.domain.states import OrderStatus
from contexts.ordering.models import Order, Trade
from contexts.ordering.services.pricing_steps import pricing_steps_release
from contexts.ordering.services.transitions import (
    AUTO_CONFIRM,
    PAYMENT_TIMEOUT,
    SYSTEM,
    cancel_locked,
    complete_locked,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


def orders_cancel_unpaid(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Cancel (actor "system", reason "payment_timeout") the orders still unpaid after their
    payment deadline, in up to `batch_size` trades; stock is released and OrderCancelled
    published for each. Returns how many orders this run cancelled.

    The claim is the trade row, the lock every payment and cancel takes first: a trade held
    elsewhere is skipped (its holder is paying or cancelling it), and under the claim no one
    else can change the trade's unpaid orders.
    """
    now = now or timezone.now()
    due_trades = list(
        Order.objects.filter(status=OrderStatus.PENDING_PAYMENT, payment_deadline__lte=now)
        .order_by("trade_id")
        .values_list("trade_id", flat=True)
        .distinct()[:batch_size]
    )
    cancelled = 0
    for trade_id in due_trades:
        try:
            with transaction.atomic():
                # By primary key only: a range scan would briefly lock (and so make the other
                # run skip) rows it is not claiming.
                trade = (
                    Trade.objects.select_for_update(skip_locked=True).filter(pk=trade_id).first()
                )
                if trade is None:
                    continue
                orders = Order.objects.select_for_update().filter(
                    trade_id=trade_id,
                    status=OrderStatus.PENDING_PAYMENT,
                    payment_deadline__lte=now,
                )
                order_nos = []
                for order in orders.order_by("id"):
                    cancel_locked(order, trade, actor=SYSTEM, reason=PAYMENT_TIMEOUT)
                    order_nos.append(order.order_no)
                pricing_steps_release(
                    trade_no=trade.trade_no,
                    buyer_id=trade.buyer_id,
                    order_nos=order_nos,
                    reason=PAYMENT_TIMEOUT,
                )
                cancelled += len(order_nos)
        except Exception:
            logger.exception("could not cancel unpaid orders", extra={"trade_id": trade_id})
    return cancelled


def orders_auto_confirm(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Complete (actor "system", reason "auto_confirm") up to `batch_size` orders delivered at
    least settings.ORDER_AUTO_CONFIRM_DAYS ago. Returns how many this run completed."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ORDER_AUTO_CONFIRM_DAYS)
    due = list(
        Order.objects.filter(status=OrderStatus.DELIVERED, delivered_at__lte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:batch_size]
    )
    completed = 0
    for order_id in due:
        try:
            with transaction.atomic():
                # By primary key only (see orders_cancel_unpaid), then re-checked under the lock.
                order = (
                    Order.objects.select_for_update(skip_locked=True).filter(pk=order_id).first()
                )
                if (
                    order is None
                    or order.status != OrderStatus.DELIVERED
                    or order.delivered_at > cutoff
                ):
                    continue
                complete_locked(order, actor=SYSTEM, reason=AUTO_CONFIRM)
                completed += 1
        except Exception:
            logger.exception("could not auto-confirm order", extra={"order_id": order_id})
    return completed
