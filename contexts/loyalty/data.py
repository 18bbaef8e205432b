"""Plain, frozen data that `api.py` hands to other contexts (never models or querysets)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class MemberLevelInfo:
    """A user's member level. rank: 0 for the lowest level, ascending; a user without an
    account (or with no level configured) is at the lowest level."""

    code: str
    name: str
    rank: int
    multiplier: Decimal
    free_shipping: bool


@dataclass(frozen=True)
class PointsBalanceInfo:
    user_id: int
    balance: int
    held: int
