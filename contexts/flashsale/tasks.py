"""Celery tasks: the queued order creation and the beat jobs (ecommerce/schedule.py). Each is a
thin wrapper around an idempotent service, safe to run again or concurrently."""

from __future__ import annotations

import logging

from celery import shared_task

from contexts.flashsale import services

logger = logging.getLogger(__name__)


@shared_task(name="flashsale.create_order", max_retries=5, default_retry_delay=2)
def create_order(ticket_no: str) -> str:
    """Create the purchase's order (ordering places at most one per ticket)."""
    return services.purchase_order_create(ticket_no=ticket_no)


@shared_task(name="flashsale.load_items")
def load_items() -> int:
    """Load the items of sessions about to start into the stock engine."""
    return services.items_load_due()


@shared_task(name="flashsale.end_sessions")
def end_sessions() -> dict[str, int]:
    """End sessions past their end and settle their items once no order awaits payment."""
    return {"ended": services.sessions_end_due(), "settled": services.items_settle_due()}


@shared_task(name="flashsale.reconcile")
def reconcile() -> dict[str, int]:
    """Compare the engine with the purchases, fix drift safely; queue stuck orders again."""
    report = services.purchases_reconcile()
    for ticket_no in report.stuck_tickets:
        create_order.delay(ticket_no)
    if any(
        (report.reloaded, report.returns_replayed, report.orphans_returned, report.lowered_units)
    ):
        logger.warning("flash sale reconciliation fixed drift", extra=report.__dict__)
    return {
        "items": report.items,
        "reloaded": report.reloaded,
        "returns_replayed": report.returns_replayed,
        "orphans_returned": report.orphans_returned,
        "lowered_units": report.lowered_units,
        "requeued": len(report.stuck_tickets),
    }
