"""Flash sale rules that need no database: statuses, the stock engine's answers, key names.

Lifecycle: a session is draft (being prepared: items are added) -> scheduled (each item's
allotment is taken out of normal stock; the engine is loaded before the start) -> ended (after
its end; items are settled once no order of theirs awaits payment) | cancelled (before its start:
the allotments go back). A purchase (the buyer's ticket) is pending (a unit taken, the order
being created) -> ordered (an order awaits payment) -> paid | returned (order creation failed,
the order was cancelled unpaid, or the sale ended first: the unit went back, exactly once).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SessionStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    ENDED = "ended"
    CANCELLED = "cancelled"


class ItemStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SETTLED = "settled"
    CANCELLED = "cancelled"


class PurchaseStatus(StrEnum):
    PENDING = "pending"
    ORDERED = "ordered"
    PAID = "paid"
    RETURNED = "returned"


# A purchase still holding its unit, whose order may yet be paid or cancelled.
OPEN_PURCHASE_STATUSES = (PurchaseStatus.PENDING, PurchaseStatus.ORDERED)


class TakeOutcome(StrEnum):
    """What the stock engine answered to one purchase attempt."""

    TAKEN = "taken"
    NOT_LOADED = "not_loaded"
    NOT_STARTED = "not_started"
    ENDED = "ended"
    SOLD_OUT = "sold_out"
    LIMIT_REACHED = "limit_reached"
    DUPLICATE = "duplicate"
    INVALID_TOKEN = "invalid_token"  # the one-time purchase token is missing, expired or used


@dataclass(frozen=True)
class TakeResult:
    outcome: TakeOutcome
    remaining: int  # units left after this attempt (as far as the engine knows)


@dataclass(frozen=True)
class ItemStock:
    """What an engine needs to sell an item: loaded before the session starts."""

    item_id: int
    stock: int  # units still to sell (the allotment minus units held by purchases)
    per_user_limit: int
    starts_at: datetime
    ends_at: datetime
    taken_by_user: dict[int, int]  # units each buyer already holds (a reload keeps them)
    tickets: dict[str, tuple[int, int]]  # ticket -> (user, units) of purchases holding units


@dataclass(frozen=True)
class EngineSnapshot:
    """An engine's records of one item (reconciliation compares them with the purchases)."""

    remaining: int
    tickets: dict[str, tuple[int, int]]  # ticket -> (user, units): every ticket taken
    returned: frozenset[str]  # tickets whose units went back
    # Tickets taken whose purchase row the order task has not written yet (Redis engine).
    queued: frozenset[str] = frozenset()


@dataclass(frozen=True)
class QueuedTicket:
    """A ticket the Redis engine took and recorded, waiting for the order task to write its
    purchase row (the buyer polls it meanwhile)."""

    ticket_no: str
    item_id: int
    user_id: int
    address_id: int
    quantity: int


def ticket_item_id(ticket_no: str) -> int | None:
    """The item id a ticket number carries after its "I" (None for anything else)."""
    _, sep, tail = ticket_no.rpartition("I")
    if not (sep and tail.isascii() and tail.isdigit() and len(tail) <= 18):
        return None
    return int(tail)


def allotment_ref(item_id: int) -> str:
    """The inventory reservation ref of an item's allotment."""
    return f"FS-ITEM-{item_id}"


def item_keys(item_id: int) -> dict[str, str]:
    """The Redis keys of one item. They share the hash tag {fs:<id>}, so every script touching
    one item runs on one Redis Cluster slot; scripts get them as KEYS, never build them."""
    tag = f"{{fs:{item_id}}}"
    return {
        "meta": f"flashsale:{tag}:meta",
        "stock": f"flashsale:{tag}:stock",
        "users": f"flashsale:{tag}:users",
        "tickets": f"flashsale:{tag}:tickets",
        "returned": f"flashsale:{tag}:returned",
        "queued": f"flashsale:{tag}:queued",
    }


def token_digest(token: str) -> str:
    """What is stored of a purchase token (never the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def token_key(item_id: int, user_id: int, digest: str) -> str:
    """A purchase token's Redis key: the item's hash tag, so the take script consumes it."""
    return f"flashsale:{{fs:{item_id}}}:token:{user_id}:{digest}"
