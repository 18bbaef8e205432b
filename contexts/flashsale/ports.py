"""The stock engine port: where flash stock is counted while a session sells.

Setting `FLASHSALE_STOCK_ENGINE` (dotted path): the Redis adapter (Lua scripts, default when
REDIS_URL is set) or the database adapter (conditional UPDATEs, the embedded default). Both are
exact: a unit is never sold twice and no buyer goes above the item's limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from contexts.flashsale.domain import EngineSnapshot, ItemStock, QueuedTicket, TakeResult


class StockEngine(Protocol):
    # True: take() writes through the caller's database transaction (the database engine), so
    # the purchase row joins it; False: take() is atomic on its own (Redis) and records the
    # ticket itself (queued): the purchase costs no database round trip, and the order task
    # writes the purchase row.
    joins_transaction: bool

    def load(self, item: ItemStock) -> None:
        """Make the item sellable in its window. Idempotent: loading again refreshes the window
        and the limit and never resets the count of an item already loaded."""
        ...

    def take(
        self,
        *,
        item_id: int,
        user_id: int,
        quantity: int,
        ticket_no: str,
        now: datetime,
        address_id: int = 0,
        token_digest: str | None = None,
    ) -> TakeResult:
        """Atomically: inside the window, enough left, the user under the limit -> take the
        units for the ticket. Joins the caller's transaction (database adapter); queues the
        ticket with its address (Redis adapter). With `token_digest` the purchase token is
        consumed first, whatever the answer (INVALID_TOKEN when it is not there); the Redis
        adapter does it in the same script."""
        ...

    def store_token(self, *, item_id: int, user_id: int, digest: str, ttl: int) -> None:
        """Keep a one-time purchase token (its digest) for `ttl` seconds."""
        ...

    def queued_ticket(self, *, item_id: int, ticket_no: str) -> QueuedTicket | None:
        """A ticket taken whose purchase row is not written yet (None: none such)."""
        ...

    def queued_tickets(self, *, item_id: int) -> dict[str, QueuedTicket]:
        """Every ticket of the item still queued."""
        ...

    def dequeue(self, *, item_id: int, ticket_no: str) -> None:
        """Forget a queued ticket: its purchase row committed. Idempotent."""
        ...

    def give_back(self, *, item_id: int, ticket_no: str) -> int:
        """Return the ticket's units (and the user's count) once: a replay returns 0."""
        ...

    def remaining(self, *, item_ids: Iterable[int]) -> dict[int, int | None]:
        """Units left per item (None: not loaded)."""
        ...

    def snapshot(self, *, item_id: int) -> EngineSnapshot | None:
        """The engine's own records of an item, for reconciliation (None: not loaded)."""
        ...

    def lower(self, *, item_id: int, units: int) -> int:
        """Take `units` off what is left (reconciliation, the safe direction); returns left."""
        ...

    def unload(self, *, item_id: int) -> None:
        """Forget the item (after settlement)."""
        ...
