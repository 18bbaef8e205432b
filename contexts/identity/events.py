"""Events identity publishes (PUBLIC: other contexts subscribe to these classes).

A breaking change to a payload is a new class with a new version, never an edit of these.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from shared.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class UserRegistered(DomainEvent):
    """An account was created (by the buyer, or by staff/demo tooling)."""

    event_type = "identity.user.registered.v1"
    aggregate = "user_id"

    user_id: int
    email: str | None
    mobile: str | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class NotificationSendRequested(DomainEvent):
    """Ask for a message to be delivered to one person.

    channel: "email" or "sms"; to: the address or number; template: what to say
    ("password_reset_code"); context: the template's values. It can carry secrets (a reset
    code): consumers must not log `context` outside development.
    """

    event_type = "notification.send.v1"
    aggregate = "recipient_user_id"

    recipient_user_id: int
    channel: str
    to: str
    template: str
    context: dict[str, Any]


@dataclasses.dataclass(frozen=True, kw_only=True)
class AccountAnonymised(DomainEvent):
    """An account's personal data was erased and it can no longer sign in. Carries only the id:
    contexts holding copies of the buyer's personal data erase theirs; orders stay."""

    event_type = "identity.account.anonymised.v1"
    aggregate = "user_id"

    user_id: int
