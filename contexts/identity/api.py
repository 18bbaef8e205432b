"""Identity's PUBLIC facade: the only functions other contexts call.

They return frozen dataclasses from data.py, never models or querysets, and refer to users by id.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date

from contexts.identity import selectors
from contexts.identity.data import AddressInfo, UserInfo


def _user_info(user) -> UserInfo:
    return UserInfo(
        id=user.pk,
        email=user.email,
        mobile=user.mobile,
        nickname=user.nickname,
        is_active=user.is_active,
        is_staff=user.is_staff,
        date_joined=user.date_joined,
    )


def _address_info(address) -> AddressInfo:
    return AddressInfo(
        id=address.pk,
        user_id=address.user_id,
        receiver_name=address.receiver_name,
        receiver_phone=address.receiver_phone,
        province_code=address.province_code,
        city_code=address.city_code,
        district_code=address.district_code,
        detail=address.detail,
        postal_code=address.postal_code,
        tag=address.tag,
        is_default=address.is_default,
    )


def get_user(*, user_id: int) -> UserInfo | None:
    """The account with this id, or None when there is none."""
    users = selectors.users_by_ids(user_ids=[user_id])
    return _user_info(users[0]) if users else None


def get_users(*, user_ids: Iterable[int]) -> dict[int, UserInfo]:
    """The accounts among `user_ids` that exist, by id, in one query (no N+1 for lists)."""
    return {user.pk: _user_info(user) for user in selectors.users_by_ids(user_ids=user_ids)}


def user_names(*, user_ids: Iterable[int]) -> dict[int, str]:
    """A readable name per existing account (email, else mobile, else nickname), for staff
    pages that show another context's user ids."""
    return {
        pk: user.email or user.mobile or user.nickname or f"user {pk}"
        for pk, user in get_users(user_ids=user_ids).items()
    }


def user_ids_with_birthday(*, on: date, after_id: int = 0, limit: int = 500) -> list[int]:
    """Ids of active accounts whose birthday falls on the day `on` (month and day), ascending,
    above `after_id`, at most `limit` (page through with the last id). On 28 February of a
    year without a 29th, those born on 29 February are included."""
    ids = selectors.user_ids_with_birthday(
        month=on.month, day=on.day, after_id=after_id, limit=limit
    )
    if (on.month, on.day) == (2, 28) and not calendar.isleap(on.year):
        leap = selectors.user_ids_with_birthday(month=2, day=29, after_id=after_id, limit=limit)
        ids = sorted({*ids, *leap})[:limit]
    return ids


def user_ids_by_email(*, email: str) -> list[int]:
    """Ids of accounts whose email contains `email` (case-insensitive), at most 50: for staff
    searches in other contexts' admin pages."""
    return selectors.user_ids_by_email(email=email)


def get_address(*, user_id: int, address_id: int) -> AddressInfo:
    """One address of this user; shared.errors.NotFound when it is missing or someone else's.

    Callers that keep an address (an order) should copy these fields: the buyer may later
    change or delete the address.
    """
    return _address_info(selectors.address_get(user_id=user_id, address_id=address_id))


def require_own_address(*, user_id: int, address_id: int) -> None:
    """shared.errors.NotFound unless the address is this user's, as get_address, without reading
    the address (one indexed existence check): for a caller that only keeps the id."""
    selectors.address_require_own(user_id=user_id, address_id=address_id)


def get_default_address(*, user_id: int) -> AddressInfo | None:
    """The user's default address, or None when the user has no address."""
    address = selectors.address_default_get(user_id=user_id)
    return _address_info(address) if address is not None else None


def list_addresses(*, user_id: int) -> list[AddressInfo]:
    """The user's addresses, the default first."""
    return [_address_info(a) for a in selectors.address_list(user_id=user_id)]
