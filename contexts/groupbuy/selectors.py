"""Reads: the storefront's activities and open groups, a buyer's groups, the back office's
activity list and group monitor. Members come prefetched (no query per group) and names are
resolved for a whole page in one identity call (selectors.masked_names)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from contexts.groupbuy.domain import SEATED, ActivityStatus, GroupStatus, mask_name
from contexts.groupbuy.models import GroupBuyActivity, GroupBuyGroup, GroupBuyMember
from contexts.identity import api as identity_api
from shared.auth import Principal
from shared.errors import NotFound

READ = "groupbuy.read"
OPEN_GROUPS_SHOWN = 20


def _seated_members() -> Prefetch:
    return Prefetch(
        "members",
        queryset=GroupBuyMember.objects.filter(status__in=SEATED).order_by("id"),
        to_attr="seated",
    )


def running_activities(
    *, now: datetime | None = None, spu_id: int | None = None, sku_id: int | None = None
) -> QuerySet[GroupBuyActivity]:
    """Activities a buyer can start or join now, for a product or SKU when given."""
    now = now or timezone.now()
    activities = GroupBuyActivity.objects.filter(
        status=ActivityStatus.ACTIVE, starts_at__lte=now, ends_at__gt=now
    ).order_by("ends_at", "id")
    if spu_id is not None:
        activities = activities.filter(spu_id=spu_id)
    if sku_id is not None:
        activities = activities.filter(sku_id=sku_id)
    return activities


def activity_get(*, activity_id: int) -> GroupBuyActivity:
    """An activity a buyer may see (any but disabled ones), else 404."""
    activity = (
        GroupBuyActivity.objects.filter(pk=activity_id)
        .exclude(status=ActivityStatus.DISABLED)
        .first()
    )
    if activity is None:
        raise NotFound("Group buy activity not found.")
    return activity


def open_groups(*, activity_id: int, now: datetime | None = None) -> list[GroupBuyGroup]:
    """The activity's groups a buyer can join now (open, before the deadline, a seat free),
    closest to filling first."""
    now = now or timezone.now()
    return list(
        GroupBuyGroup.objects.filter(
            activity_id=activity_id,
            status=GroupStatus.OPEN,
            deadline__gt=now,
            occupied__lt=F("size"),
        )
        .select_related("activity")
        .prefetch_related(_seated_members())
        .order_by(F("size") - F("occupied"), "deadline", "id")[:OPEN_GROUPS_SHOWN]
    )


def group_by_no(*, group_no: str) -> GroupBuyGroup | None:
    return (
        GroupBuyGroup.objects.filter(group_no=group_no)
        .select_related("activity")
        .prefetch_related(_seated_members(), "members")
        .first()
    )


def group_get(*, group_no: str) -> GroupBuyGroup:
    group = group_by_no(group_no=group_no)
    if group is None:
        raise NotFound("Group not found.")
    return group


def my_groups(*, user_id: int) -> QuerySet[GroupBuyGroup]:
    """The groups the buyer has joined (any outcome), newest first, with every member."""
    return (
        GroupBuyGroup.objects.filter(members__user_id=user_id)
        .distinct()
        .select_related("activity")
        .prefetch_related(
            Prefetch("members", queryset=GroupBuyMember.objects.order_by("id"), to_attr="all")
        )
        .order_by("-id")
    )


def masked_names(user_ids: Iterable[int]) -> dict[int, str]:
    """The masked display name of each user (nickname, else email, else mobile), one call."""
    users = identity_api.get_users(user_ids=set(user_ids))
    return {
        pk: mask_name(user.nickname or user.email or user.mobile or "")
        for pk, user in users.items()
    }


# --- Back office ----------------------------------------------------------------------------


def activity_list(*, principal: Principal, status: str | None = None):
    """Activities of the shops the principal manages (groupbuy.read), newest first."""
    activities = principal.filter(GroupBuyActivity.objects.order_by("-id"), READ)
    return activities.filter(status=status) if status else activities


def activity_for_staff(*, activity_id: int, principal: Principal) -> GroupBuyActivity:
    activity = principal.filter(GroupBuyActivity.objects.filter(pk=activity_id), READ).first()
    if activity is None:
        raise NotFound("Group buy activity not found.")
    return activity


def group_monitor(
    *,
    principal: Principal,
    status: str | None = None,
    activity_id: int | None = None,
    deadline_before: datetime | None = None,
) -> QuerySet[GroupBuyGroup]:
    """Groups of the principal's shops' activities (groupbuy.read), soonest deadline first, with
    their members prefetched."""
    groups = principal.filter(
        GroupBuyGroup.objects.select_related("activity")
        .prefetch_related(
            Prefetch("members", queryset=GroupBuyMember.objects.order_by("id"), to_attr="all")
        )
        .order_by("deadline", "id"),
        READ,
        field="activity__merchant_id",
    )
    if status:
        groups = groups.filter(status=status)
    if activity_id is not None:
        groups = groups.filter(activity_id=activity_id)
    if deadline_before is not None:
        groups = groups.filter(deadline__lt=deadline_before)
    return groups
