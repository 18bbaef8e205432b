"""Activities: a shop's group buy offer for one SKU (group price, size, time to fill, limit,
auto-fill, window). Written by staff or the SKU's shop (groupbuy.manage)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from contexts.catalog import api as catalog_api
from contexts.groupbuy.domain import MAX_GROUP_SIZE, MIN_GROUP_SIZE, ActivityStatus
from contexts.groupbuy.models import GroupBuyActivity
from shared.auth import Principal
from shared.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from shared.money import quantize

MANAGE = "groupbuy.manage"
MIN_FILL_SECONDS = 60
MAX_FILL_SECONDS = 7 * 24 * 3600


def _activity_not_found() -> NotFound:
    return NotFound("Group buy activity not found.")


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        f"The request is invalid: {message}", details={"fields": {field: [message]}}
    )


def _check(activity: GroupBuyActivity, *, sku_price: Decimal) -> None:
    if activity.ends_at <= activity.starts_at:
        raise _invalid("ends_at", "Must be after starts_at.")
    if not MIN_GROUP_SIZE <= activity.group_size <= MAX_GROUP_SIZE:
        raise _invalid("group_size", f"A group has {MIN_GROUP_SIZE} to {MAX_GROUP_SIZE} seats.")
    if not MIN_FILL_SECONDS <= activity.fill_seconds <= MAX_FILL_SECONDS:
        raise _invalid("fill_seconds", "The time to fill is one minute to seven days.")
    if activity.per_user_limit < 1:
        raise _invalid("per_user_limit", "The per-buyer limit is at least one.")
    if not Decimal(0) < activity.group_price < sku_price:
        raise BusinessRuleViolation(
            "The group price must be above zero and below the SKU's price.",
            code="group_price_not_lower",
            details={"price": str(sku_price)},
        )


def _purchasable_sku(sku_id: int) -> catalog_api.SkuInfo:
    sku = catalog_api.get_skus(sku_ids=[sku_id]).get(sku_id)
    if sku is None or not sku.purchasable:
        raise BusinessRuleViolation(
            "This SKU cannot be sold.", code="sku_unavailable", details={"sku_id": sku_id}
        )
    return sku


@transaction.atomic
def activity_create(
    *,
    principal: Principal,
    name: str,
    sku_id: int,
    group_price: Decimal,
    group_size: int,
    fill_seconds: int,
    starts_at: datetime,
    ends_at: datetime,
    per_user_limit: int = 1,
    auto_fill: bool = False,
) -> GroupBuyActivity:
    """An activity for a purchasable SKU (422 sku_unavailable) of a shop the principal manages
    (groupbuy.manage over it: 403 not_your_merchant), at a group price above zero and below
    the SKU's price (422 group_price_not_lower), 2-100 seats, a time to fill of 1 min to 7 days,
    a window that ends after it starts (400)."""
    principal.require(MANAGE)
    sku = _purchasable_sku(sku_id)
    principal.require(MANAGE, merchant_id=sku.merchant_id)
    activity = GroupBuyActivity(
        name=name,
        merchant_id=sku.merchant_id,
        sku_id=sku_id,
        spu_id=sku.spu_id,
        group_price=quantize(group_price),
        group_size=group_size,
        fill_seconds=fill_seconds,
        per_user_limit=per_user_limit,
        auto_fill=auto_fill,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    _check(activity, sku_price=sku.price)
    activity.save()
    return activity


def lock_activity(activity_id: int) -> GroupBuyActivity:
    activity = GroupBuyActivity.objects.select_for_update().filter(pk=activity_id).first()
    if activity is None:
        raise _activity_not_found()
    return activity


@transaction.atomic
def activity_update(
    *,
    activity_id: int,
    principal: Principal,
    name: str | None = None,
    group_price: Decimal | None = None,
    fill_seconds: int | None = None,
    per_user_limit: int | None = None,
    auto_fill: bool | None = None,
    status: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> GroupBuyActivity:
    """Change an activity (groupbuy.manage over its shop; another shop's is a 404). Groups
    already started keep their size, price and deadline (their orders are placed); the group
    size itself never changes. Disabling stops new groups and joins."""
    principal.require(MANAGE)
    activity = lock_activity(activity_id)
    principal.require(MANAGE, merchant_id=activity.merchant_id, not_found=_activity_not_found())
    changes = {
        "name": name,
        "group_price": quantize(group_price) if group_price is not None else None,
        "fill_seconds": fill_seconds,
        "per_user_limit": per_user_limit,
        "auto_fill": auto_fill,
        "status": status,
        "starts_at": starts_at,
        "ends_at": ends_at,
    }
    for field, value in changes.items():
        if value is not None:
            setattr(activity, field, value)
    if activity.status not in {s.value for s in ActivityStatus}:
        raise _invalid("status", "Unknown status.")
    sku = catalog_api.get_skus(sku_ids=[activity.sku_id]).get(activity.sku_id)
    _check(activity, sku_price=sku.price if sku is not None else activity.group_price + 1)
    activity.save()
    return activity


@transaction.atomic
def activity_delete(*, activity_id: int, principal: Principal) -> None:
    """Delete an activity nobody has started a group of (groupbuy.manage over its shop; another
    shop's is a 404); one with groups is a 409 activity_has_groups (disable it instead)."""
    principal.require(MANAGE)
    activity = lock_activity(activity_id)
    principal.require(MANAGE, merchant_id=activity.merchant_id, not_found=_activity_not_found())
    if activity.groups.exists():
        raise Conflict(
            "Groups were started in this activity: disable it instead.",
            code="activity_has_groups",
        )
    activity.delete()
