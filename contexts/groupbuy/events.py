"""Events group buy publishes (PUBLIC). Ids and numbers only: no names, no addresses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shared.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class GroupStarted(DomainEvent):
    """A leader started a group (the leader's order awaits payment)."""

    event_type: ClassVar[str] = "groupbuy.group.started.v1"
    aggregate: ClassVar[str] = "group_no"
    group_no: str
    activity_id: int
    leader_id: int
    size: int


@dataclass(frozen=True, kw_only=True)
class GroupCompleted(DomainEvent):
    """Every seat of the group is paid (or was filled virtually at the deadline): each member's
    order was released for fulfilment in the same transaction."""

    event_type: ClassVar[str] = "groupbuy.group.completed.v1"
    aggregate: ClassVar[str] = "group_no"
    group_no: str
    activity_id: int
    order_nos: tuple[str, ...]
    virtual_seats: int = 0


@dataclass(frozen=True, kw_only=True)
class GroupFailed(DomainEvent):
    """The group did not fill by its deadline: `refunded_order_nos` were paid and are being
    refunded through payments (their stock is back), `cancelled_order_nos` were unpaid and are
    cancelled."""

    event_type: ClassVar[str] = "groupbuy.group.failed.v1"
    aggregate: ClassVar[str] = "group_no"
    group_no: str
    activity_id: int
    refunded_order_nos: tuple[str, ...]
    cancelled_order_nos: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class MemberRefunded(DomainEvent):
    """A member's paid order was refunded: its group failed, or the payment landed after the
    group had failed or the seat had been released."""

    event_type: ClassVar[str] = "groupbuy.member.refunded.v1"
    aggregate: ClassVar[str] = "group_no"
    group_no: str
    order_no: str
    user_id: int
    reason: str
