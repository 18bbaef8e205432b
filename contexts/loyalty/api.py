"""Loyalty's PUBLIC facade: the only functions other contexts call (coupons asks a member's
level for claim eligibility; subscription registers its points multiplier). Frozen
dataclasses from data.py, never models."""

from __future__ import annotations

from contexts.loyalty import selectors
from contexts.loyalty.data import MemberLevelInfo, PointsBalanceInfo
from contexts.loyalty.services.levels import levels
from contexts.loyalty.services.multipliers import (
    EarnMultiplierProvider,
    earn_multiplier_register,
)

__all__ = [
    "EarnMultiplierProvider",
    "MemberLevelInfo",
    "PointsBalanceInfo",
    "level_codes",
    "member_level",
    "points_balance",
    "register_earn_multiplier",
]


def register_earn_multiplier(name: str, provider: EarnMultiplierProvider) -> None:
    """Let a context above loyalty raise what a user earns: `provider(user_id)` answers a
    Decimal multiplier (1 for none), read when an order's points are earned. The highest
    answer of all providers multiplies the level's multiplier (services/multipliers.py).
    Registering under the same name again replaces the provider."""
    earn_multiplier_register(name=name, provider=provider)


def member_level(*, user_id: int) -> MemberLevelInfo:
    """The user's member level (the lowest one for a user who never earned anything)."""
    return selectors.member_level(user_id=user_id)


def level_codes() -> tuple[str, ...]:
    """Every level's code, lowest first."""
    return tuple(level.code for level in levels())


def points_balance(*, user_id: int) -> PointsBalanceInfo:
    """The user's spendable and held points (0 and 0 without an account)."""
    return selectors.points_balance(user_id=user_id)
