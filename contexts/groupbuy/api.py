"""Group buy's PUBLIC facade (for downstream contexts and reports): frozen dataclasses only."""

from __future__ import annotations

from contexts.groupbuy import selectors
from contexts.groupbuy.data import GroupInfo

__all__ = ["GroupInfo", "get_group"]


def get_group(group_no: str) -> GroupInfo | None:
    """One group's state and its members' order numbers, or None."""
    group = selectors.group_by_no(group_no=group_no)
    if group is None:
        return None
    return GroupInfo(
        group_no=group.group_no,
        activity_id=group.activity_id,
        status=group.status,
        size=group.size,
        paid_count=group.paid_count,
        deadline=group.deadline,
        order_nos=tuple(m.order_no for m in group.members.all()),
    )
