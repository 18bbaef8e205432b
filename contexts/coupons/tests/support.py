"""Helpers of coupons' tests: templates made through the service, buyers' principals."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from contexts.coupons import services
from contexts.coupons.models import CouponTemplate
from shared.auth import SYSTEM, principal_from


def buyer(user_id: int):
    return principal_from(user_id=user_id)


def make_template(**overrides: Any) -> CouponTemplate:
    now = timezone.now()
    values: dict[str, Any] = {
        "name": "10 off 100",
        "issuer": "platform",
        "kind": "threshold_off",
        "amount": Decimal("10.00"),
        "min_spend": Decimal("100.00"),
        "total_quantity": 100,
        "per_user_limit": 1,
        "validity": "fixed",
        "valid_from": now - timedelta(days=1),
        "valid_until": now + timedelta(days=30),
        "claim_starts_at": now - timedelta(minutes=1),
    }
    values.update(overrides)
    principal = values.pop("principal", SYSTEM)
    return services.template_create(principal=principal, draft=services.TemplateDraft(**values))
