"""The payment and refund state machines (pure rules, no Django).

Payment: created -> pending -> succeeded / failed / closed. Money the provider reports as
received always wins: a payment we closed or saw fail that the provider then reports paid
becomes succeeded (ordering may refuse it, and it is refunded), never ignored.
Refund: requested -> processing -> succeeded / failed; a failed refund may be retried
(failed -> requested).
"""

from __future__ import annotations

from enum import StrEnum


class PaymentState(StrEnum):
    CREATED = "created"
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CLOSED = "closed"


class RefundState(StrEnum):
    REQUESTED = "requested"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


PAYMENT_TRANSITIONS: dict[PaymentState, frozenset[PaymentState]] = {
    PaymentState.CREATED: frozenset({PaymentState.PENDING, PaymentState.FAILED}),
    PaymentState.PENDING: frozenset(
        {PaymentState.SUCCEEDED, PaymentState.FAILED, PaymentState.CLOSED}
    ),
    PaymentState.FAILED: frozenset({PaymentState.SUCCEEDED}),
    PaymentState.CLOSED: frozenset({PaymentState.SUCCEEDED}),
    PaymentState.SUCCEEDED: frozenset(),
}

REFUND_TRANSITIONS: dict[RefundState, frozenset[RefundState]] = {
    RefundState.REQUESTED: frozenset(
        {RefundState.PROCESSING, RefundState.SUCCEEDED, RefundState.FAILED}
    ),
    RefundState.PROCESSING: frozenset({RefundState.SUCCEEDED, RefundState.FAILED}),
    RefundState.FAILED: frozenset({RefundState.REQUESTED}),
    RefundState.SUCCEEDED: frozenset(),
}

# Refunds that count against what was paid (a failed one gave nothing back).
REFUND_COUNTING = frozenset({RefundState.REQUESTED, RefundState.PROCESSING, RefundState.SUCCEEDED})


def payment_can_move(current: str, target: str) -> bool:
    return PaymentState(target) in PAYMENT_TRANSITIONS[PaymentState(current)]


def refund_can_move(current: str, target: str) -> bool:
    return RefundState(target) in REFUND_TRANSITIONS[RefundState(current)]
