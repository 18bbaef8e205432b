"""What identity needs from the outside world.

Messages to a person (a password-reset code) carry personal data and secrets, so they go through
this port, called directly once the state is committed, never through an event payload (which
sits in the outbox table, the admin and the Kafka topic).
"""

from __future__ import annotations

from typing import Any, Protocol


class Notifier(Protocol):
    def notification_send(
        self, *, channel: str, to: str, template: str, context: dict[str, Any]
    ) -> None:
        """Deliver one message (channel "email" or "sms"); raises when it cannot."""
        ...
