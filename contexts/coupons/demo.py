"""Demo coupons: a platform 10-off-over-100, a shop's percent-off, a free-shipping coupon, and
some of them claimed by the demo buyers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from contexts.coupons import services
from contexts.coupons.models import Coupon, CouponTemplate
from shared.auth import SYSTEM, principal_from

PLATFORM_10_OFF = "10 off orders over 100"
FREE_SHIPPING = "Free shipping over 39"


def _template(name: str, **values) -> CouponTemplate:
    existing = CouponTemplate.objects.filter(name=name).first()
    if existing is not None:
        return existing
    now = timezone.now()
    values.setdefault("validity", "fixed")
    if values["validity"] == "fixed":
        values.setdefault("valid_from", now - timedelta(days=1))
        values.setdefault("valid_until", now + timedelta(days=90))
    return services.template_create(
        principal=SYSTEM,
        draft=services.TemplateDraft(name=name, claim_starts_at=now - timedelta(days=1), **values),
    )


def demo_coupons_create(*, merchant_ids: Sequence[int], buyer_ids: Sequence[int]) -> int:
    """Create the demo templates (once, by name) and let the buyers claim some (each coupon
    once per buyer). Returns how many coupons were claimed now."""
    templates = [
        _template(
            PLATFORM_10_OFF,
            issuer="platform",
            kind="threshold_off",
            amount=Decimal("10.00"),
            min_spend=Decimal("100.00"),
            total_quantity=1000,
        ),
        _template(
            FREE_SHIPPING,
            issuer="platform",
            kind="free_shipping",
            min_spend=Decimal("39.00"),
            total_quantity=1000,
            stackable_with_promotions=False,
        ),
    ]
    shop = None
    if merchant_ids:
        shop = _template(
            f"Shop #{merchant_ids[0]}: 8% off (up to 30.00)",
            issuer="merchant",
            merchant_id=merchant_ids[0],
            kind="percent_off",
            percent=Decimal("8.00"),
            max_discount=Decimal("30.00"),
            total_quantity=500,
            per_user_limit=2,
            validity="after_claim",
            valid_days=30,
        )
    claimed = 0
    for n, buyer_id in enumerate(buyer_ids):
        wanted = [*templates, *([shop] if shop is not None and n < 2 else [])]
        for template in wanted:
            if Coupon.objects.filter(template=template, user_id=buyer_id).exists():
                continue
            services.coupon_claim(
                principal=principal_from(user_id=buyer_id), template_id=template.pk
            )
            claimed += 1
    return claimed
