"""Expiring coupons past their validity (beat task coupons.expire_coupons)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from contexts.coupons.models import Coupon

BATCH = 1000


def coupons_expire(*, now: datetime | None = None, batch: int = BATCH) -> int:
    """Mark available coupons whose validity has ended as expired, in batches until none is
    due; returns how many. Safe to re-run and to run concurrently: each UPDATE only touches
    rows still available (a held coupon is settled by its order: used when paid, given back
    as expired when cancelled)."""
    now = now or timezone.now()
    total = 0
    while True:
        ids = list(
            Coupon.objects.filter(status=Coupon.Status.AVAILABLE, valid_until__lte=now)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return total
        total += Coupon.objects.filter(pk__in=ids, status=Coupon.Status.AVAILABLE).update(
            status=Coupon.Status.EXPIRED
        )
