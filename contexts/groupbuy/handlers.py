"""Reactions to ordering's events about group buy orders (source "groupbuy"; idempotent: the
member's status is checked under the group's lock)."""

from __future__ import annotations

from contexts.groupbuy import services


def order_paid_count_seat(event) -> None:
    """A member's order was paid: the seat counts (the last one completes the group); a
    payment for a failed group or a released seat is refunded."""
    if event.source == services.SOURCE and event.source_ref:
        services.member_order_paid(member_ref=event.source_ref)


def order_cancelled_release_seat(event) -> None:
    """A member's order was cancelled unpaid: the seat is free for another buyer."""
    if event.source == services.SOURCE and event.source_ref:
        services.member_order_cancelled(member_ref=event.source_ref)
