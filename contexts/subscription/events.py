"""Events subscription publishes (PUBLIC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from shared.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class MembershipChanged(DomainEvent):
    """A membership changed state or plan: `reason` says why (subscribed, trial_started,
    paid, renewed, upgraded, downgraded, past_due, cancelled, resumed, expired)."""

    event_type: ClassVar[str] = "subscription.membership.changed.v1"
    aggregate: ClassVar[str] = "member_no"
    member_no: str
    user_id: int
    plan_id: int
    state: str
    current_period_end: datetime | None
    reason: str
