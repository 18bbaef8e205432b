"""Helpers shared by ordering's tests (the generic ones live in tests/support.py)."""

from __future__ import annotations

import uuid

from contexts.ordering.models import IdempotencyKey, Order, OrderLine, OrderLog, Trade
from shared.events.models import OutboxEvent

# Re-exported: many suites (and other branches' new tests) import these from here.
from tests.support import (  # noqa: F401
    SHANGHAI_ADDRESS,
    client_for,
    created,
    error_code,
    open_shop,
    real_address,
)


def place(client, body: dict, *, key: str | None = None):
    """POST /orders with an Idempotency-Key (a fresh one unless given)."""
    return client.post(
        "/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY=key or uuid.uuid4().hex
    )


def row_counts() -> dict[str, int]:
    """How many rows ordering (and the outbox) hold: to prove nothing was written."""
    return {
        "trades": Trade.objects.count(),
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "logs": OrderLog.objects.count(),
        "keys": IdempotencyKey.objects.count(),
        "outbox": OutboxEvent.objects.filter(event_type__startswith="ordering.").count(),
    }


# row_counts() of a database where ordering wrote nothing at all.
NO_ROWS = {"trades": 0, "orders": 0, "lines": 0, "logs": 0, "keys": 0, "outbox": 0}
