"""Loyalty's PUBLIC facade: the only functions other contexts call (coupons asks a member's
level for claim eligibility). Frozen dataclasses from data.py, never models."""

from __future__ import annotations

from contexts.loyalty import selectors
from contexts.loyalty.data import MemberLevelInfo, PointsBalanceInfo
from contexts.loyalty.models import PointsAccount
from contexts.loyalty.services.levels import levels

__all__ = ["MemberLevelInfo", "PointsBalanceInfo", "level_codes", "member_level", "points_balance"]


def member_level(*, user_id: int) -> MemberLevelInfo:
    """The user's member level (the lowest one for a user who never earned anything)."""
    return selectors.member_level(user_id=user_id)


def level_codes() -> tuple[str, ...]:
    """Every level's code, lowest first."""
    return tuple(level.code for level in levels())


def points_balance(*, user_id: int) -> PointsBalanceInfo:
    """The user's spendable and held points (0 and 0 without an account)."""
    row = PointsAccount.objects.filter(user_id=user_id).values_list("balance", "held").first()
    balance, held = row if row is not None else (0, 0)
    return PointsBalanceInfo(user_id=user_id, balance=balance, held=held)
