"""Events identity publishes (PUBLIC: other contexts subscribe to these classes).

A breaking change to a payload is a new class with a new version, never an edit of these.
"""

from __future__ import annotations

import dataclasses

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
class AccountAnonymised(DomainEvent):
    """An account's personal data was erased and it can no longer sign in. Carries only the id:
    contexts holding copies of the buyer's personal data erase theirs; orders stay."""

    event_type = "identity.account.anonymised.v1"
    aggregate = "user_id"

    user_id: int
