"""Events loyalty publishes (PUBLIC: other contexts subscribe to these classes).

Each is written to the outbox in the transaction of the change it reports: ids, counts and
kinds only. A breaking change is a new class with a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shared.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PointsChanged(DomainEvent):
    """An account's balance or held points changed: one event per ledger entry. `delta` moves
    the balance, `held_delta` the points held for unpaid orders; `kind` is the entry's kind
    (earn, hold, spend, return, expire, reverse, adjust, birthday)."""

    event_type: ClassVar[str] = "loyalty.points.changed.v1"
    aggregate: ClassVar[str] = "user_id"
    user_id: int
    entry_id: int
    kind: str
    delta: int
    held_delta: int
    balance: int
    reference: str


@dataclass(frozen=True, kw_only=True)
class LevelChanged(DomainEvent):
    """A member's level changed (growth value crossed a level's threshold either way)."""

    event_type: ClassVar[str] = "loyalty.level.changed.v1"
    aggregate: ClassVar[str] = "user_id"
    user_id: int
    old_level: str
    new_level: str
