"""Reads of activities. Lists are narrowed to the caller's shops (platform activities are
staff-only); the running set for pricing is one query."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from contexts.promotions import domain
from contexts.promotions.models import Activity
from shared.auth import Principal
from shared.errors import NotFound

READ = "promotion.read"
PLATFORM = "promotion.platform.manage"


def activity_not_found() -> NotFound:
    return NotFound("Activity not found.", code="activity_not_found")


def running_q(now: datetime) -> Q:
    return Q(
        scheduled=True,
        paused=False,
        ended_at__isnull=True,
        starts_at__lte=now,
        ends_at__gt=now,
    )


def running_activities(*, now: datetime | None = None) -> list[Activity]:
    """The activities running now (scheduled, not paused or ended, inside their window): one
    query, in application order."""
    return list(
        Activity.objects.filter(running_q(now or timezone.now())).order_by("-priority", "pk")
    )


def status_q(status: str, now: datetime) -> Q:
    """The rows whose derived status (domain.activity_status) is `status` at `now`."""
    ended = Q(ended_at__isnull=False) | Q(ends_at__lte=now)
    if status == domain.Status.ENDED:
        return ended
    live = ~ended
    if status == domain.Status.DRAFT:
        return live & Q(scheduled=False)
    if status == domain.Status.PAUSED:
        return live & Q(scheduled=True, paused=True)
    if status == domain.Status.SCHEDULED:
        return live & Q(scheduled=True, paused=False, starts_at__gt=now)
    return running_q(now)


def _visible(principal: Principal) -> QuerySet[Activity]:
    """Activities of the caller's shops; platform ones too when the caller manages them."""
    scope = principal.merchant_scope(READ)
    rows = Activity.objects.all()
    if scope is None:
        return rows
    shops = Q(merchant_id__in=scope)
    if principal.can(PLATFORM):
        shops |= Q(merchant_id__isnull=True)
    return rows.filter(shops)


def activity_list(
    *,
    principal: Principal,
    merchant_id: int | None = None,
    platform: bool | None = None,
    status: str | None = None,
    q: str = "",
) -> QuerySet[Activity]:
    rows = _visible(principal)
    if merchant_id is not None:
        rows = rows.filter(merchant_id=merchant_id)
    if platform is not None:
        rows = rows.filter(merchant_id__isnull=platform)
    if status:
        rows = rows.filter(status_q(status, timezone.now()))
    if q:
        rows = rows.filter(name__icontains=q)
    return rows.order_by("-pk")


def activity_get(*, activity_id: int, principal: Principal) -> Activity:
    activity = _visible(principal).filter(pk=activity_id).first()
    if activity is None:
        raise activity_not_found()
    return activity
