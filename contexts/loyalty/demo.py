"""Demo points: each demo buyer starts with some points to spend at checkout."""

from __future__ import annotations

from collections.abc import Iterable

from contexts.loyalty import services
from contexts.loyalty.models import PointsAccount
from shared.auth import SYSTEM

DEMO_POINTS = 2000  # 20.00 at 100 points per yuan


def demo_points_create(*, user_ids: Iterable[int]) -> int:
    """Give each demo buyer without a points account DEMO_POINTS (a staff adjustment with a
    reason). Idempotent; answers how many buyers got points."""
    given = 0
    for user_id in user_ids:
        if PointsAccount.objects.filter(user_id=user_id).exists():
            continue
        services.points_adjust(
            principal=SYSTEM, user_id=user_id, delta=DEMO_POINTS, reason="demo welcome points"
        )
        given += 1
    return given
