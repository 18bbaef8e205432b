"""Group buy (拼团) rules that need no database: statuses, seats, masking.

Lifecycle of a group: open (the leader started it; members join until every seat is taken) ->
completed (every seat paid: each member's order may ship) | failed (its deadline passed first:
every paid member is refunded, unpaid orders are cancelled).

A member's seat: held (joined, the order awaits payment; the seat is taken so the group never
holds more members than seats) -> paid (the order was paid: the seat counts toward completion)
| released (the order was cancelled unpaid: the seat is free again) ; paid -> refunded (the
group failed, or the payment landed after it had failed).

The last seat: seats are taken at join, under the group's row lock, so two buyers asking for the
final seat at once are served one after the other: the first holds it, the second is refused
(409 group_full) or, when it asked `or_start_new`, becomes the leader of a new group of the same
activity. The group completes when the payment of its last held seat is recorded (the OrderPaid
handler, under the same lock), so exactly one payment completes it. A payment that lands after
the group failed (or after its seat was released) is refunded automatically.

Auto-fill (an activity's option, off by default): at the deadline a group with at least one paid
member completes anyway; its empty seats (and those of members who never paid, whose orders are
cancelled) are filled by virtual members (a count, no orders).
"""

from __future__ import annotations

from enum import StrEnum


class ActivityStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class GroupStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    FAILED = "failed"


class MemberStatus(StrEnum):
    HELD = "held"
    PAID = "paid"
    RELEASED = "released"
    REFUNDED = "refunded"


# A member occupying a seat (counted against the group size and the per-user limit).
SEATED = (MemberStatus.HELD, MemberStatus.PAID)

MIN_GROUP_SIZE = 2
MAX_GROUP_SIZE = 100


def seats_left(*, size: int, occupied: int) -> int:
    """Seats nobody holds yet (never negative)."""
    return max(size - occupied, 0)


def is_complete(*, size: int, paid: int, virtual: int = 0) -> bool:
    """A group is complete when every seat is paid (or filled virtually at the deadline)."""
    return paid + virtual >= size


def can_auto_fill(*, auto_fill: bool, paid: int) -> bool:
    """Auto-fill completes an expiring group only if it is enabled and someone has paid."""
    return auto_fill and paid > 0


def mask_name(name: str) -> str:
    """A name another buyer may see: its first character and two stars (张三 -> 张**,
    alice@example.com -> a***). Empty stays a neutral placeholder."""
    name = (name or "").strip()
    if not name:
        return "***"
    if "@" in name:
        return f"{name[0]}***"
    return f"{name[0]}**"


def refund_key(*, group_no: str, order_no: str) -> str:
    """The payments idempotency key of a member's refund: one refund per member, ever."""
    return f"groupbuy:{group_no}:{order_no}"
