"""Helpers for group buy tests: an activity, starting and joining groups (the shop, buyers and
payments through the sandbox provider: tests/support.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from rest_framework.test import APIClient

from contexts.groupbuy import services
from contexts.inventory import api as inventory_api
from shared.auth import SYSTEM


def running_activity(sku_id: int, *, size: int = 2, price: str = "49.00", **extra):
    """An activity running from a minute ago for a day, created by the system."""
    now = timezone.now()
    return services.activity_create(
        principal=SYSTEM,
        name=extra.pop("name", "Tea for two"),
        sku_id=sku_id,
        group_price=Decimal(price),
        group_size=size,
        fill_seconds=extra.pop("fill_seconds", 3600),
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=1),
        **extra,
    )


def start(client: APIClient, activity_id: int, address_id: int):
    return client.post(
        f"/api/v1/group-buys/{activity_id}/groups", {"address_id": address_id}, format="json"
    )


def join(client: APIClient, group_no: str, address_id: int, **extra):
    return client.post(
        f"/api/v1/group-buys/groups/{group_no}/join",
        {"address_id": address_id, **extra},
        format="json",
    )


def levels(sku_id: int) -> tuple[int, int]:
    """(on hand, reserved) of the SKU."""
    level = inventory_api.availability(sku_ids=[sku_id])[sku_id]
    return level.on_hand, level.reserved
