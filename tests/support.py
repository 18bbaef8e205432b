"""Helpers shared by the cross-context tests in this folder."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from shared.auth import SYSTEM


def make_user(*, is_staff: bool = False):
    return get_user_model().objects.create_user(
        email=f"user-{uuid.uuid4().hex[:12]}@example.com",
        password="Str0ng-Passw0rd!",
        is_staff=is_staff,
    )


def activity(merchant_id, rule_kind, rule_params, **extra):
    """A promotion running from a minute ago for a day, created by the system."""
    from contexts.promotions import services as promotion_services

    now = timezone.now()
    return promotion_services.activity_create(
        principal=SYSTEM,
        merchant_id=merchant_id,
        name=extra.pop("name", rule_kind),
        rule_kind=rule_kind,
        rule_params=rule_params,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=1),
        schedule=True,
        **extra,
    )
