"""Frozen dataclasses subscription's api returns (never models)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class MemberBenefits:
    """What a user's membership gives now (everything off for a non-member)."""

    user_id: int
    is_member: bool = False
    plan_code: str = ""
    free_shipping: bool = False
    points_multiplier: Decimal = Decimal(1)
    member_discount_percent: Decimal = Decimal(0)
    until: datetime | None = None


@dataclass(frozen=True)
class MembershipInfo:
    member_no: str
    user_id: int
    plan_code: str
    state: str
    current_period_end: datetime | None
    auto_renew: bool
