"""Reactions to ordering's events (idempotent: the purchase's status is checked under its lock)."""

from __future__ import annotations

from contexts.flashsale import services


def order_cancelled_return_unit(event) -> None:
    """A flash sale order was cancelled unpaid: its unit goes back to the flash stock, once."""
    if event.source == services.SOURCE and event.source_ref:
        services.purchase_return(ticket_no=event.source_ref, reason=services.ORDER_CANCELLED)


def order_paid_mark_sold(event) -> None:
    """A flash sale order was paid: its unit is sold (counted at the item's settlement)."""
    if event.source == services.SOURCE and event.source_ref:
        services.purchase_mark_paid(ticket_no=event.source_ref)
