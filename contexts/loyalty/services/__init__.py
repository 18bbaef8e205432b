"""Loyalty's commands: the ledger (ledger.py), points in (earning.py), points out at checkout
(spending.py), refunds (refunds.py), member levels (levels.py)."""

from contexts.loyalty.services.earning import (
    birthday_points_grant,
    order_completed_earn,
    points_adjust,
)
from contexts.loyalty.services.ledger import points_expire_due
from contexts.loyalty.services.levels import (
    level_create,
    level_delete,
    level_update,
    levels,
)
from contexts.loyalty.services.multipliers import (
    bonus_multiplier,
    earn_multiplier_register,
    earn_multiplier_unregister,
)
from contexts.loyalty.services.refunds import refund_points_reverse
from contexts.loyalty.services.spending import (
    OrderSpend,
    points_for_orders,
    points_hold,
    points_holds_confirm,
    points_holds_release,
    spend_value,
)

__all__ = [
    "OrderSpend",
    "birthday_points_grant",
    "bonus_multiplier",
    "earn_multiplier_register",
    "earn_multiplier_unregister",
    "level_create",
    "level_delete",
    "level_update",
    "levels",
    "order_completed_earn",
    "points_adjust",
    "points_expire_due",
    "points_for_orders",
    "points_hold",
    "points_holds_confirm",
    "points_holds_release",
    "refund_points_reverse",
    "spend_value",
]
