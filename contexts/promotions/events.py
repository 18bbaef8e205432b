"""Events promotions publishes (PUBLIC: other contexts subscribe to these classes).

Ids and status only: what an activity grants is read through promotions' api when needed. A
breaking change is a new class with a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shared.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ActivityCreated(DomainEvent):
    """A shop or the platform created an activity (a draft until it is scheduled)."""

    event_type: ClassVar[str] = "promotions.activity.created.v1"
    aggregate: ClassVar[str] = "activity_id"
    activity_id: int
    merchant_id: int | None  # None: a platform activity
    status: str


@dataclass(frozen=True, kw_only=True)
class ActivityChanged(DomainEvent):
    """An activity was edited, scheduled, paused, resumed or ended."""

    event_type: ClassVar[str] = "promotions.activity.changed.v1"
    aggregate: ClassVar[str] = "activity_id"
    activity_id: int
    merchant_id: int | None
    status: str
    action: str  # updated | scheduled | paused | resumed | ended
