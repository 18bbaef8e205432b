"""Group buy commands: activities (activities.py), groups and their members (groups.py),
messages to members (notifications.py)."""

from contexts.groupbuy.services.activities import (
    MANAGE,
    activity_create,
    activity_delete,
    activity_update,
)
from contexts.groupbuy.services.groups import (
    SOURCE,
    group_expire,
    group_join,
    group_start,
    groups_expire_due,
    member_names,
    member_order_cancelled,
    member_order_paid,
)

__all__ = [
    "MANAGE",
    "SOURCE",
    "activity_create",
    "activity_delete",
    "activity_update",
    "group_expire",
    "group_join",
    "group_start",
    "groups_expire_due",
    "member_names",
    "member_order_cancelled",
    "member_order_paid",
]
