"""Events after-sales publishes (PUBLIC). Each is written to the outbox in the transaction of
the change it reports; a breaking change is a new class with a new version."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from shared.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class _RequestEvent(DomainEvent):
    aggregate: ClassVar[str] = "request_no"
    request_no: str
    kind: str
    order_no: str
    buyer_id: int
    merchant_id: int
    line_id: int
    sku_id: int
    quantity: int
    amount: Decimal
    status: str


@dataclass(frozen=True, kw_only=True)
class RequestCreated(_RequestEvent):
    """A buyer asked for after-sales on an order line."""

    event_type: ClassVar[str] = "aftersales.request.created.v1"


@dataclass(frozen=True, kw_only=True)
class RequestStatusChanged(_RequestEvent):
    """A request changed status (approved, rejected, return shipped, inspected, refunding,
    refund failed, completed, withdrawn, closed); `from_status`, who and why."""

    event_type: ClassVar[str] = "aftersales.request.status_changed.v1"
    from_status: str
    actor: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class RequestRefunded(_RequestEvent):
    """The request's money went back to the buyer (payments' refund `refund_no`)."""

    event_type: ClassVar[str] = "aftersales.request.refunded.v1"
    refund_no: str


@dataclass(frozen=True, kw_only=True)
class TicketEscalated(DomainEvent):
    """Nobody answered the buyer's ticket within its SLA: its escalation level went up."""

    event_type: ClassVar[str] = "aftersales.ticket.escalated.v1"
    aggregate: ClassVar[str] = "ticket_no"
    ticket_no: str
    buyer_id: int
    merchant_id: int | None
    assignee_id: int | None
    escalation_level: int
