"""Identity's read queries. Object-level permission lives here: an address is always looked up
through its owner, so someone else's address is simply not found (404, nothing leaks)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from contexts.identity.models import Address, User
from shared.errors import NotFound


def user_get(*, user_id: int) -> User:
    """One account by id, or NotFound."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("User not found.")
    return user


def user_list(*, search: str | None = None) -> QuerySet[User]:
    """Accounts for staff, newest first; `search` matches email, mobile or nickname."""
    users = User.objects.order_by("-date_joined", "-id")
    if search:
        users = users.filter(
            Q(email__icontains=search) | Q(mobile__icontains=search) | Q(nickname__icontains=search)
        )
    return users


def users_by_ids(*, user_ids: Iterable[int]) -> list[User]:
    """The accounts among `user_ids` that exist, in one query."""
    return list(User.objects.filter(pk__in=set(user_ids)))


def user_ids_with_birthday(*, month: int, day: int, after_id: int, limit: int) -> list[int]:
    """Active accounts born on this month and day, by id above `after_id` (a page of `limit`)."""
    return list(
        User.objects.filter(
            is_active=True, birthday__month=month, birthday__day=day, pk__gt=after_id
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def user_ids_by_email(*, email: str) -> list[int]:
    """Accounts whose email contains `email` (case-insensitive), at most 50."""
    email = email.strip()
    if not email:
        return []
    return list(
        User.objects.filter(email__icontains=email).order_by("pk").values_list("pk", flat=True)[:50]
    )


def address_list(*, user_id: int) -> QuerySet[Address]:
    """The user's address book: the default first, then the most recently updated."""
    return Address.objects.filter(user_id=user_id).order_by("-is_default", "-updated_at", "-id")


def address_get(*, user_id: int, address_id: int) -> Address:
    """One of the user's own addresses; NotFound for a missing one or anyone else's."""
    # Unordered: one row at most, and the model's default ordering costs query compilation on
    # hot paths (the flash sale purchase checks the address on every successful take).
    address = next(iter(Address.objects.filter(user_id=user_id, pk=address_id).order_by()), None)
    if address is None:
        raise NotFound("Address not found.")
    return address


def address_require_own(*, user_id: int, address_id: int) -> None:
    """NotFound unless the address exists and is the user's (as address_get, without the row)."""
    if not Address.objects.filter(user_id=user_id, pk=address_id).exists():
        raise NotFound("Address not found.")


def address_default_get(*, user_id: int) -> Address | None:
    """The user's default address, or None when the address book is empty."""
    return Address.objects.filter(user_id=user_id, is_default=True).first()
