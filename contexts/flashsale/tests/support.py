"""Helpers for flash sale tests: a session selling now, purchases through the API (the shop and
buyers: tests/support.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from rest_framework.test import APIClient

from contexts.flashsale import services
from contexts.flashsale.models import FlashItem, FlashSession
from shared.auth import SYSTEM
from tests.support import ok


def selling_session(
    sku_id: int,
    *,
    units: int = 10,
    limit: int = 1,
    price: str = "9.90",
    starts_in: int = -60,
    lasts: int = 3600,
    schedule: bool = True,
) -> tuple[FlashSession, FlashItem]:
    """A session with one item (selling now by default), scheduled and loaded."""
    now = timezone.now()
    session = services.session_create(
        name="Noon",
        starts_at=now + timedelta(seconds=starts_in),
        ends_at=now + timedelta(seconds=starts_in + lasts),
        principal=SYSTEM,
    )
    item = services.item_add(
        session_id=session.pk,
        sku_id=sku_id,
        flash_price=Decimal(price),
        flash_stock=units,
        per_user_limit=limit,
        principal=SYSTEM,
    )
    if schedule:
        services.session_schedule(session_id=session.pk, principal=SYSTEM)
        services.items_load_due()
    session.refresh_from_db()
    item.refresh_from_db()
    return session, item


def buy(client: APIClient, item_id: int, address_id: int, *, quantity: int = 1):
    """GET a token, then POST the purchase with it."""
    token = ok(client.get(f"/api/v1/flash-items/{item_id}/purchase-token"))["token"]
    return client.post(
        f"/api/v1/flash-items/{item_id}/purchase",
        {"token": token, "address_id": address_id, "quantity": quantity},
        format="json",
    )
