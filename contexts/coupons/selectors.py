"""Coupons' reads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import F, Q, QuerySet

from contexts.coupons.models import CodeBatch, Coupon, CouponCode, CouponTemplate
from shared.auth import Principal
from shared.errors import NotFound

T = CouponTemplate


def coupons_for_checkout(
    *, user_id: int, coupon_ids: Iterable[int] | None, now: datetime
) -> list[Coupon]:
    """The buyer's coupons a checkout may use: the named ones (any status, checked by the
    caller), or else every available one inside its validity. One query."""
    rows = Coupon.objects.filter(user_id=user_id).select_related("template")
    if coupon_ids is not None:
        rows = rows.filter(pk__in=list(coupon_ids))
    else:
        rows = rows.filter(status=Coupon.Status.AVAILABLE, valid_from__lte=now, valid_until__gt=now)
    return list(rows.order_by("pk"))


def my_coupons(*, user_id: int, status: str | None = None) -> QuerySet[Coupon]:
    """The buyer's coupons, newest first (an available coupon past its validity is listed as
    expired even before the beat task marks it)."""
    rows = Coupon.objects.filter(user_id=user_id).select_related("template")
    return rows.filter(status=status) if status else rows


def claimable_templates(
    *, now: datetime, merchant_id: int | None = None, platform: bool | None = None
) -> QuerySet[CouponTemplate]:
    """Templates a buyer may claim now (active, open, some left), optionally one shop's."""
    rows = T.objects.filter(
        status=T.Status.ACTIVE,
        claimable=True,
        claim_starts_at__lte=now,
        issued__lt=F("total_quantity"),
    ).filter(Q(claim_ends_at__isnull=True) | Q(claim_ends_at__gt=now))
    rows = rows.filter(Q(validity=T.Validity.AFTER_CLAIM) | Q(valid_until__gt=now))
    if merchant_id is not None:
        rows = rows.filter(merchant_id=merchant_id)
    if platform is not None:
        rows = rows.filter(merchant_id__isnull=platform)
    return rows.order_by("-id")


def templates_for(*, principal: Principal) -> QuerySet[CouponTemplate]:
    """Templates the principal may read: every one for staff, their shops' otherwise."""
    scope = principal.merchant_scope("coupons.template.read")
    rows = T.objects.all()
    return rows if scope is None else rows.filter(merchant_id__in=scope)


def batch_get(*, batch_id: int) -> CodeBatch:
    batch = CodeBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("Code batch not found.", code="code_batch_not_found")
    return batch


def codes_of(*, batch_id: int) -> QuerySet[CouponCode]:
    return CouponCode.objects.filter(batch_id=batch_id).order_by("pk")
