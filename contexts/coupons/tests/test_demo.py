"""The demo coupons load once: running the loader again creates and claims nothing more."""

from __future__ import annotations

import pytest

from contexts.coupons.demo import demo_coupons_create
from contexts.coupons.models import Coupon, CouponTemplate

pytestmark = pytest.mark.django_db


def test_demo_coupons_are_idempotent(shops):
    assert demo_coupons_create(merchant_ids=[1, 2], buyer_ids=[101, 102, 103]) == 8
    assert demo_coupons_create(merchant_ids=[1, 2], buyer_ids=[101, 102, 103]) == 0
    assert CouponTemplate.objects.count() == 3
    assert set(CouponTemplate.objects.values_list("kind", flat=True)) == {
        "threshold_off",
        "free_shipping",
        "percent_off",
    }
    assert Coupon.objects.filter(user_id=101).count() == 3
