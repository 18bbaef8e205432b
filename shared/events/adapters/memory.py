"""An in-memory EventPublisher for tests: records what was sent, can be told to fail."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence

from shared.events.ports import OutboundEvent


class InMemoryEventPublisher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent: list[OutboundEvent] = []
        self.calls = 0
        self.failing: str = ""  # when set, every send fails with this error

    def events_send(self, *, events: Sequence[OutboundEvent]) -> dict[uuid.UUID, str]:
        with self._lock:
            self.calls += 1
            if self.failing:
                return {event.event_id: self.failing for event in events}
            self.sent.extend(events)
            return {}
