"""Loyalty's reads: a member's level, the buyer's points summary, the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from contexts.loyalty import domain
from contexts.loyalty.data import MemberLevelInfo
from contexts.loyalty.models import LevelRule, PointsAccount, PointsBucket, PointsEntry
from contexts.loyalty.services.levels import levels
from shared.money import ZERO

_NO_LEVEL = MemberLevelInfo(
    code="", name="", rank=0, multiplier=Decimal("1.00"), free_shipping=False
)


def _info(level: domain.Level) -> MemberLevelInfo:
    return MemberLevelInfo(
        code=level.code,
        name=level.name,
        rank=level.rank,
        multiplier=level.multiplier,
        free_shipping=level.free_shipping,
    )


def member_level(*, user_id: int) -> MemberLevelInfo:
    """The user's level (two queries); the lowest level without an account."""
    all_levels = levels()
    code = PointsAccount.objects.filter(user_id=user_id).values_list("level_code", flat=True)
    code = code.first()
    for level in all_levels:
        if level.code == code:
            return _info(level)
    return _info(all_levels[0]) if all_levels else _NO_LEVEL


def free_shipping_level(*, user_id: int) -> tuple[str, str] | None:
    """(code, name) of the user's level when it has free shipping, else None; one query (the
    pricing pipeline asks on every quote)."""
    account_level = PointsAccount.objects.filter(user_id=user_id).values("level_code")[:1]
    lowest = LevelRule.objects.order_by("min_growth").values("code")[:1]
    return (
        LevelRule.objects.filter(free_shipping=True)
        .filter(code=Coalesce(Subquery(account_level), Subquery(lowest)))
        .values_list("code", "name")
        .first()
    )


@dataclass(frozen=True)
class PointsSummary:
    balance: int
    held: int
    expiring_soon: int
    expiring_before: object
    growth: Decimal
    level: MemberLevelInfo
    next_level: MemberLevelInfo | None
    growth_to_next_level: Decimal | None


def points_summary(*, user_id: int) -> PointsSummary:
    """Balance, held, points expiring within LOYALTY_EXPIRING_SOON_DAYS, growth, level and the
    growth still needed for the next level (None at the top)."""
    account = PointsAccount.objects.filter(user_id=user_id).first()
    all_levels = levels()
    growth = account.growth if account is not None else ZERO
    now = timezone.now()
    before = now + timedelta(days=settings.LOYALTY_EXPIRING_SOON_DAYS)
    expiring = 0
    if account is not None:
        expiring = (
            PointsBucket.objects.filter(
                account=account, remaining__gt=0, expires_at__gt=now, expires_at__lte=before
            ).aggregate(n=Sum("remaining"))["n"]
            or 0
        )
    current = member_level(user_id=user_id)
    upcoming = domain.next_level(growth, all_levels)
    return PointsSummary(
        balance=account.balance if account is not None else 0,
        held=account.held if account is not None else 0,
        expiring_soon=expiring,
        expiring_before=before,
        growth=growth,
        level=current,
        next_level=_info(upcoming) if upcoming is not None else None,
        growth_to_next_level=(upcoming.min_growth - growth) if upcoming is not None else None,
    )


def entry_list(*, user_id: int, kind: str | None = None) -> QuerySet[PointsEntry]:
    """The user's ledger, newest first."""
    entries = PointsEntry.objects.filter(account__user_id=user_id)
    if kind:
        entries = entries.filter(kind=kind)
    return entries.order_by("-id")


def level_list() -> QuerySet[LevelRule]:
    return LevelRule.objects.order_by("min_growth")


def level_get(*, level_id: int) -> LevelRule | None:
    return LevelRule.objects.filter(pk=level_id).first()
