"""Groups: start, join, a member's order paid or cancelled, completion, expiry at the deadline.

Locks: a start or a join locks the activity row, then the group row (the activity lock keeps one
buyer's per-user limit exact across its groups); everything else about a group (payment,
cancellation, expiry) locks the group row, then its members. Ordering and payments are called
while the group is locked and never call back into group buy inside their transaction (their
events are relayed after commit), so no lock cycle exists.

Seats (see domain.py): a join takes a seat (`occupied`) under the group lock, so the group never
holds more members than seats; the seat counts (`paid_count`) when ordering's OrderPaid arrives
and the group completes when every seat is paid. The expiry task takes each due group with SKIP
LOCKED (a group being joined or paid is taken by the next run) and re-checks it under the lock:
re-running it changes nothing and refunds nobody twice (payments' refund is keyed per member).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contexts.groupbuy.domain import (
    SEATED,
    ActivityStatus,
    GroupStatus,
    MemberStatus,
    can_auto_fill,
    is_complete,
    refund_key,
)
from contexts.groupbuy.events import GroupCompleted, GroupFailed, GroupStarted, MemberRefunded
from contexts.groupbuy.models import GroupBuyActivity, GroupBuyGroup, GroupBuyMember
from contexts.groupbuy.services.activities import lock_activity
from contexts.groupbuy.services.notifications import members_notify
from contexts.identity import api as identity_api
from contexts.ordering import api as ordering_api
from contexts.payments import api as payments_api
from shared.errors import AppError, Conflict, NotFound
from shared.events import publish
from shared.ids import next_public_id
from shared.risk import risk_check

logger = logging.getLogger(__name__)

SOURCE = "groupbuy"
GROUP_PREFIX = "G"
MEMBER_PREFIX = "GM"
FAILED_REASON = "group buy failed: the group did not fill in time"
LATE_PAYMENT_REASON = "group buy: paid after the group failed or the seat was released"
FILLED_WITHOUT_YOU = "group buy filled at its deadline before this order was paid"


def _group_not_found() -> NotFound:
    return NotFound("Group not found.")


def _require_open_activity(activity: GroupBuyActivity, now: datetime) -> None:
    if activity.status != ActivityStatus.ACTIVE or not (
        activity.starts_at <= now < activity.ends_at
    ):
        raise Conflict(
            "This group buy is not running.",
            code="activity_not_open",
            details={"activity_id": activity.pk},
        )


def _require_within_limit(activity: GroupBuyActivity, user_id: int) -> None:
    seated = GroupBuyMember.objects.filter(
        group__activity=activity, user_id=user_id, status__in=SEATED
    ).count()
    if seated >= activity.per_user_limit:
        raise Conflict(
            "You already hold as many seats in this group buy as it allows.",
            code="limit_reached",
            details={"per_user_limit": activity.per_user_limit},
        )


def _payment_timeout(group: GroupBuyGroup, now: datetime) -> int:
    """The order's payment window: the setting, but never past the group's deadline (an order
    unpaid at the deadline is cancelled by the expiry anyway)."""
    until_deadline = int((group.deadline - now).total_seconds())
    return max(1, min(settings.GROUPBUY_PAYMENT_TIMEOUT_SECONDS, until_deadline))


def _seat(
    group: GroupBuyGroup,
    activity: GroupBuyActivity,
    *,
    user_id: int,
    address_id: int,
    now: datetime,
    is_leader: bool = False,
) -> GroupBuyMember:
    """Take a seat of the locked group: the member row and its held order (group price,
    fulfilment held until the group completes, stock reserved like any order)."""
    member = GroupBuyMember.objects.create(
        group=group,
        user_id=user_id,
        is_leader=is_leader,
        member_ref=next_public_id(MEMBER_PREFIX),
        joined_at=now,
    )
    order = ordering_api.place_special_order(
        buyer_id=user_id,
        address_id=address_id,
        sku_id=activity.sku_id,
        quantity=1,
        unit_price=group.group_price,
        source=SOURCE,
        source_ref=member.member_ref,
        payment_timeout_seconds=_payment_timeout(group, now),
        stock_mode=ordering_api.STOCK_RESERVE,
        fulfilment_hold=True,
    )
    member.order_no = order.order_no
    member.trade_no = order.trade_no
    member.save(update_fields=["order_no", "trade_no"])
    group.occupied += 1
    group.save(update_fields=["occupied"])
    return member


def _start_locked(
    activity: GroupBuyActivity, *, user_id: int, address_id: int, now: datetime
) -> GroupBuyMember:
    _require_open_activity(activity, now)
    _require_within_limit(activity, user_id)
    group = GroupBuyGroup.objects.create(
        group_no=next_public_id(GROUP_PREFIX),
        activity=activity,
        leader_id=user_id,
        size=activity.group_size,
        group_price=activity.group_price,
        deadline=now + timedelta(seconds=activity.fill_seconds),
        created_at=now,
    )
    member = _seat(group, activity, user_id=user_id, address_id=address_id, now=now, is_leader=True)
    publish(
        GroupStarted(
            group_no=group.group_no,
            activity_id=activity.pk,
            leader_id=user_id,
            size=group.size,
        )
    )
    return member


@transaction.atomic
def group_start(*, activity_id: int, user_id: int, address_id: int, ip: str = "") -> GroupBuyMember:
    """The buyer starts a group as its leader: a new group of the activity's size whose deadline
    is the activity's time to fill from now, and the leader's held order at the group price
    (pay it within the payment window). 409 activity_not_open outside the activity's window or
    when disabled, 409 limit_reached past the per-user limit; ordering's 422s (out_of_stock,
    not_deliverable, sku_unavailable) and 404 (not the buyer's address) pass through, with
    nothing written; the risk port may refuse (403 risk_refused)."""
    risk_check(action="groupbuy.start", user_id=user_id, ip=ip, subject=str(activity_id))
    activity = lock_activity(activity_id)
    return _start_locked(activity, user_id=user_id, address_id=address_id, now=timezone.now())


@transaction.atomic
def group_join(
    *, group_no: str, user_id: int, address_id: int, or_start_new: bool = False, ip: str = ""
) -> GroupBuyMember:
    """The buyer takes a seat of an open group (its held order at the group's price).

    Under the group's row lock: a group that is not open or past its deadline is a 409
    group_not_open, one whose seats are all held a 409 group_full (the last-seat race: of two
    buyers asking for the final seat at once exactly one gets it), a buyer already seated in it
    a 409 already_in_group. With `or_start_new` a full or closed group is not an error: the
    buyer starts a new group of the same activity as its leader instead. Otherwise as
    group_start (activity open, per-user limit, ordering's errors, the risk port)."""
    risk_check(action="groupbuy.join", user_id=user_id, ip=ip, subject=group_no)
    activity_id = (
        GroupBuyGroup.objects.filter(group_no=group_no)
        .values_list("activity_id", flat=True)
        .first()
    )
    if activity_id is None:
        raise _group_not_found()
    activity = lock_activity(activity_id)
    group = GroupBuyGroup.objects.select_for_update().get(group_no=group_no)
    now = timezone.now()
    if group.status != GroupStatus.OPEN or group.deadline <= now:
        if or_start_new:
            return _start_locked(activity, user_id=user_id, address_id=address_id, now=now)
        raise Conflict(
            "This group is no longer open.",
            code="group_not_open",
            details={"group_no": group_no, "status": group.status},
        )
    if group.members.filter(user_id=user_id, status__in=SEATED).exists():
        raise Conflict("You are already in this group.", code="already_in_group")
    if group.occupied >= group.size:
        if or_start_new:
            return _start_locked(activity, user_id=user_id, address_id=address_id, now=now)
        raise Conflict(
            "Every seat of this group is taken.",
            code="group_full",
            details={"group_no": group_no, "size": group.size},
        )
    _require_open_activity(activity, now)
    _require_within_limit(activity, user_id)
    return _seat(group, activity, user_id=user_id, address_id=address_id, now=now)


# --- Reactions to the members' orders -------------------------------------------------------


def _lock_member(member_ref: str) -> tuple[GroupBuyGroup, GroupBuyMember] | None:
    group_id = (
        GroupBuyMember.objects.filter(member_ref=member_ref)
        .values_list("group_id", flat=True)
        .first()
    )
    if group_id is None:
        return None
    group = GroupBuyGroup.objects.select_for_update().get(pk=group_id)
    member = GroupBuyMember.objects.select_for_update().get(member_ref=member_ref)
    return group, member


def _refund_member(group: GroupBuyGroup, member: GroupBuyMember, *, reason: str) -> None:
    """Give a paid member's money back (payments, keyed per member: never twice) and return the
    order's unit to stock (ordering's refund of an unshipped order: idempotent too)."""
    payments_api.refund_trade(
        trade_no=member.trade_no,
        amount=None,
        reason=reason[:200],
        idempotency_key=refund_key(group_no=group.group_no, order_no=member.order_no),
    )
    ordering_api.refund_unshipped_order(order_no=member.order_no, reason=reason)
    member.status = MemberStatus.REFUNDED.value
    member.refunded_at = timezone.now()
    member.save(update_fields=["status", "refunded_at"])
    publish(
        MemberRefunded(
            group_no=group.group_no,
            order_no=member.order_no,
            user_id=member.user_id,
            reason=reason[:200],
        )
    )


def _complete_locked(group: GroupBuyGroup, paid: list[GroupBuyMember], *, now) -> None:
    order_nos = [m.order_no for m in paid]
    ordering_api.release_fulfilment_hold(
        order_nos=order_nos, reason=f"group {group.group_no} completed"
    )
    group.status = GroupStatus.COMPLETED.value
    group.completed_at = now
    group.save(update_fields=["status", "completed_at", "occupied", "paid_count", "virtual_seats"])
    publish(
        GroupCompleted(
            group_no=group.group_no,
            activity_id=group.activity_id,
            order_nos=tuple(order_nos),
            virtual_seats=group.virtual_seats,
        )
    )
    _notify_after_commit(group, paid, template="group_completed")


@transaction.atomic
def member_order_paid(*, member_ref: str) -> str:
    """The member's order was paid (ordering's OrderPaid). While the group is open the seat
    counts, and the payment of the last seat completes the group: every member's order is
    released for fulfilment and GroupCompleted published. A payment for a group that already
    failed (or a seat already released) is refunded at once. A repeat changes nothing.
    Returns what happened: paid, completed, refunded or ignored."""
    locked = _lock_member(member_ref)
    if locked is None:
        return "ignored"
    group, member = locked
    if member.status in (MemberStatus.PAID, MemberStatus.REFUNDED):
        return "ignored"
    if member.status == MemberStatus.RELEASED or group.status != GroupStatus.OPEN:
        _refund_member(group, member, reason=LATE_PAYMENT_REASON)
        return "refunded"
    now = timezone.now()
    member.status = MemberStatus.PAID.value
    member.paid_at = now
    member.save(update_fields=["status", "paid_at"])
    group.paid_count += 1
    group.save(update_fields=["paid_count"])
    if is_complete(size=group.size, paid=group.paid_count):
        paid = list(group.members.filter(status=MemberStatus.PAID).order_by("id"))
        _complete_locked(group, paid, now=now)
        return "completed"
    return "paid"


@transaction.atomic
def member_order_cancelled(*, member_ref: str) -> bool:
    """The member's order was cancelled unpaid (ordering's OrderCancelled): the seat is free
    again. Anything but a held member is left alone. Returns whether a seat was released."""
    locked = _lock_member(member_ref)
    if locked is None:
        return False
    group, member = locked
    if member.status != MemberStatus.HELD:
        return False
    _release_locked(group, member)
    group.save(update_fields=["occupied"])
    return True


def _release_locked(group: GroupBuyGroup, member: GroupBuyMember) -> None:
    member.status = MemberStatus.RELEASED.value
    member.released_at = timezone.now()
    member.save(update_fields=["status", "released_at"])
    group.occupied -= 1


# --- Expiry ---------------------------------------------------------------------------------


def _notify_after_commit(
    group: GroupBuyGroup, members: Iterable[GroupBuyMember], *, template: str, outcomes=None
) -> None:
    recipients = [(m.user_id, m.order_no) for m in members]
    group_no, activity_name = group.group_no, group.activity.name
    outcomes = dict(outcomes or {})
    transaction.on_commit(
        lambda: members_notify(
            recipients=recipients,
            template=template,
            group_no=group_no,
            activity=activity_name,
            outcomes=outcomes,
        ),
        robust=True,
    )


@transaction.atomic
def group_expire(*, group_id: int, now: datetime | None = None) -> str | None:
    """End one open group past its deadline, if no one else is working on it (SKIP LOCKED).

    With auto-fill on and at least one paid member it completes: members who never paid have
    their orders cancelled and their seats, with the empty ones, are filled virtually.
    Otherwise it fails: each paid member is refunded through payments (key
    groupbuy:<group_no>:<order_no>) and their order refunded by ordering (unit back to stock);
    each unpaid order is cancelled through ordering (stock released); GroupFailed is published
    and every member is notified after commit. A group no longer open, or not yet due, is left
    alone (None): re-running changes nothing. Returns "completed" or "failed"."""
    now = now or timezone.now()
    group = (
        GroupBuyGroup.objects.select_for_update(skip_locked=True)
        .select_related("activity")
        .filter(pk=group_id, status=GroupStatus.OPEN, deadline__lte=now)
        .first()
    )
    if group is None:
        return None
    members = list(group.members.select_for_update().order_by("id"))
    paid = [m for m in members if m.status == MemberStatus.PAID]
    held = [m for m in members if m.status == MemberStatus.HELD]
    auto = can_auto_fill(auto_fill=group.activity.auto_fill, paid=len(paid))
    reason = FILLED_WITHOUT_YOU if auto else FAILED_REASON
    cancelled = []
    for member in held:
        # An order paid a moment ago is left alone by ordering: its OrderPaid, when it arrives,
        # finds the seat released and refunds it (member_order_paid).
        ordering_api.cancel_unpaid_order(order_no=member.order_no, reason=reason)
        _release_locked(group, member)
        cancelled.append(member)
    if auto:
        group.virtual_seats = group.size - len(paid)
        _complete_locked(group, paid, now=now)
        return "completed"
    for member in paid:
        _refund_member(group, member, reason=FAILED_REASON)
    group.status = GroupStatus.FAILED.value
    group.failed_at = now
    group.save(update_fields=["status", "failed_at", "occupied"])
    publish(
        GroupFailed(
            group_no=group.group_no,
            activity_id=group.activity_id,
            refunded_order_nos=tuple(m.order_no for m in paid),
            cancelled_order_nos=tuple(m.order_no for m in cancelled),
        )
    )
    outcomes = {m.order_no: "refunded" for m in paid} | {m.order_no: "cancelled" for m in cancelled}
    _notify_after_commit(group, [*paid, *cancelled], template="group_failed", outcomes=outcomes)
    return "failed"


def groups_expire_due(*, now: datetime | None = None, batch_size: int | None = None) -> dict:
    """The beat job: end every open group past its deadline, in batches, each group in its own
    transaction (group_expire). Safe to run again or concurrently. A group whose expiry is
    refused (a refund payments cannot make) is logged, left open for the next run, and does not
    stop the others. Returns counts."""
    now = now or timezone.now()
    batch_size = batch_size or settings.GROUPBUY_EXPIRE_BATCH_SIZE
    counts = {"completed": 0, "failed": 0, "skipped": 0, "errors": 0}
    after_id = 0
    while True:
        ids = list(
            GroupBuyGroup.objects.filter(
                status=GroupStatus.OPEN, deadline__lte=now, pk__gt=after_id
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return counts
        for group_id in ids:
            try:
                outcome = group_expire(group_id=group_id, now=now)
            except AppError as exc:
                # Nothing of this group was written (its transaction rolled back): it stays open
                # and the next run tries again; the other groups go on.
                logger.error(
                    "group buy expiry refused", extra={"group_id": group_id, "code": exc.code}
                )
                outcome = "errors"
            counts[outcome or "skipped"] += 1
        after_id = ids[-1]


def member_names(user_ids: Iterable[int]) -> dict[int, str]:
    """A display name per user (nickname, else email, else mobile) to be masked before showing."""
    users = identity_api.get_users(user_ids=user_ids)
    return {pk: u.nickname or u.email or u.mobile or "" for pk, u in users.items()}
