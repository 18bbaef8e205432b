"""The port through which the relay copies committed events to an external broker (Kafka).

The copy is separate from the in-process fan-out: handler deliveries are created and committed
without calling the publisher, so a slow or hanging broker delays only the external copy.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, kw_only=True)
class OutboundEvent:
    """One committed event as the broker receives it (topic = event type, key = aggregate id)."""

    event_id: uuid.UUID
    event_type: str
    aggregate_id: str
    aggregate_version: int
    occurred_at: dt.datetime
    payload: dict[str, Any]

    def message(self) -> dict[str, Any]:
        return {
            "event_id": str(self.event_id),
            "event_type": self.event_type,
            "aggregate_id": self.aggregate_id,
            "aggregate_version": self.aggregate_version,
            "occurred_at": self.occurred_at.isoformat(),
            "payload": self.payload,
        }


class EventPublisher(Protocol):
    def events_send(self, *, events: Sequence[OutboundEvent]) -> dict[uuid.UUID, str]:
        """Send the events and wait (boundedly) for the broker's acknowledgement.

        Returns {event_id: error} for the events that were not acknowledged; they are retried.
        """
        ...
