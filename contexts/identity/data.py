"""Plain, frozen data that `api.py` hands to other contexts (never models or querysets)."""

from __future__ import annotations

import dataclasses
from datetime import datetime


@dataclasses.dataclass(frozen=True)
class UserInfo:
    id: int
    email: str | None
    mobile: str | None
    nickname: str
    is_active: bool
    is_staff: bool
    date_joined: datetime


@dataclasses.dataclass(frozen=True)
class AddressInfo:
    id: int
    user_id: int
    receiver_name: str
    receiver_phone: str
    province_code: str
    city_code: str
    district_code: str
    detail: str
    postal_code: str
    tag: str
    is_default: bool
