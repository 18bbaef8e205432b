"""What group buy needs from the outside world: telling buyers what became of their group.

Messages carry an address (email), so they go through this port once the change is committed,
never through an event payload (which sits in the outbox table, the admin and Kafka).
"""

from __future__ import annotations

from typing import Any, Protocol


class Notifier(Protocol):
    def notification_send(
        self, *, channel: str, to: str, template: str, context: dict[str, Any]
    ) -> None:
        """Deliver one message (channel "email"); raises when it cannot."""
        ...
