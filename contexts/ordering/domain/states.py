"""The order state machine: which status may follow which, as one table.

Every status change goes through `check_transition`; anything not in the table is a 409
`illegal_transition`, never a silent change.
"""

from __future__ import annotations

from enum import StrEnum

from shared.errors import Conflict


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDING = "refunding"
    REFUNDED = "refunded"
    CLOSED = "closed"


class TradeStatus(StrEnum):
    """A trade (one payment for the orders placed together) is unpaid while any of its orders
    waits for payment, closed when every order was cancelled, paid otherwise."""

    UNPAID = "unpaid"
    PAID = "paid"
    CLOSED = "closed"


S = OrderStatus

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.SHIPPED, S.REFUNDING}),
    S.SHIPPED: frozenset({S.DELIVERED, S.REFUNDING}),
    S.DELIVERED: frozenset({S.COMPLETED, S.REFUNDING}),
    # Refunds are driven by after-sales: the whole amount back (refunded) or the deal closed.
    S.REFUNDING: frozenset({S.REFUNDED, S.CLOSED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
    S.CLOSED: frozenset(),
}

# Moves allowed only when a refund that covered the order ended without the money going back:
# the order returns to the status it came from (domain/refunds.py,
# `status_after_abandoned_refund`). Kept out of TRANSITIONS so that shipping or delivering an
# order being refunded stays a 409 everywhere else.
REVERT_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.REFUNDING: frozenset({S.PAID, S.SHIPPED, S.DELIVERED}),
}

# The status an order starts in; its first log row goes from "" to this.
INITIAL_STATUS = S.PENDING_PAYMENT


class IllegalTransition(Conflict):
    default_code = "illegal_transition"
    default_message = "The order cannot change to that status from its current one."


def can_transition(current: str, target: str, *, revert: bool = False) -> bool:
    """True when the table allows `current -> target`; with `revert`, the abandoned-refund
    table (REVERT_TRANSITIONS) instead."""
    table = REVERT_TRANSITIONS if revert else TRANSITIONS
    return OrderStatus(target) in table.get(OrderStatus(current), frozenset())


def check_transition(current: str, target: str, *, revert: bool = False) -> None:
    """Raise IllegalTransition (409) unless the table allows `current -> target`."""
    if not can_transition(current, target, revert=revert):
        raise IllegalTransition(
            f"An order that is {current} cannot become {target}.",
            details={"from": str(current), "to": str(target)},
        )


def receipt_confirmation_path(current: str) -> tuple[OrderStatus, ...]:
    """The steps of a buyer's "I received it": a shipped order passes through delivered (both
    steps are logged), a delivered one completes; any other status is an illegal transition."""
    if current == S.SHIPPED:
        return (S.DELIVERED, S.COMPLETED)
    check_transition(current, S.COMPLETED)
    return (S.COMPLETED,)


def trade_status(order_statuses: list[str]) -> TradeStatus:
    """The status of a trade from the statuses of its orders (see TradeStatus)."""
    if any(status == S.PENDING_PAYMENT for status in order_statuses):
        return TradeStatus.UNPAID
    if all(status == S.CANCELLED for status in order_statuses):
        return TradeStatus.CLOSED
    return TradeStatus.PAID
