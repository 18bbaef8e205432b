"""Events flash sale publishes (PUBLIC). Ids only: no buyer data beyond ids, no tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shared.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class FlashSessionScheduled(DomainEvent):
    """The session's items' allotments were taken out of normal stock; it sells in its window."""

    event_type: ClassVar[str] = "flashsale.session.scheduled.v1"
    aggregate: ClassVar[str] = "session_id"
    session_id: int
    item_ids: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class FlashSessionCancelled(DomainEvent):
    """A scheduled session was cancelled before its start: the allotments went back."""

    event_type: ClassVar[str] = "flashsale.session.cancelled.v1"
    aggregate: ClassVar[str] = "session_id"
    session_id: int


@dataclass(frozen=True, kw_only=True)
class FlashSessionEnded(DomainEvent):
    event_type: ClassVar[str] = "flashsale.session.ended.v1"
    aggregate: ClassVar[str] = "session_id"
    session_id: int


@dataclass(frozen=True, kw_only=True)
class FlashItemSettled(DomainEvent):
    """The item's sale is over: `sold_units` paid units were deducted from stock and
    `returned_units` went back to normal stock."""

    event_type: ClassVar[str] = "flashsale.item.settled.v1"
    aggregate: ClassVar[str] = "item_id"
    item_id: int
    session_id: int
    sku_id: int
    sold_units: int
    returned_units: int


@dataclass(frozen=True, kw_only=True)
class FlashPurchaseOrdered(DomainEvent):
    """The purchase's order was created (it awaits payment)."""

    event_type: ClassVar[str] = "flashsale.purchase.ordered.v1"
    aggregate: ClassVar[str] = "ticket_no"
    ticket_no: str
    item_id: int
    buyer_id: int
    order_no: str


@dataclass(frozen=True, kw_only=True)
class FlashPurchaseReturned(DomainEvent):
    """The purchase's units went back to the flash stock (reason: order_failed,
    order_cancelled, sale_ended)."""

    event_type: ClassVar[str] = "flashsale.purchase.returned.v1"
    aggregate: ClassVar[str] = "ticket_no"
    ticket_no: str
    item_id: int
    buyer_id: int
    reason: str
