"""The in-memory fake of the notifier ports (identity's and group buy's `Notifier`, which share
the one `notification_send` signature): keeps every message it was asked to send, for tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SentNotification:
    channel: str
    to: str
    template: str
    context: dict[str, Any]


class InMemoryNotifier:
    def __init__(self) -> None:
        self.sent: list[SentNotification] = []

    def notification_send(
        self, *, channel: str, to: str, template: str, context: dict[str, Any]
    ) -> None:
        self.sent.append(SentNotification(channel, to, template, context))
