"""Helpers for flash sale tests: a real shop made through the other contexts' REST endpoints
(catalog, inventory, logistics, identity), a session selling now, purchases through the API."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from contexts.flashsale import services
from contexts.flashsale.models import FlashItem, FlashSession
from shared.auth import SYSTEM


def make_user(*, is_staff: bool = False):
    return get_user_model().objects.create_user(
        email=f"fs-{uuid.uuid4().hex[:12]}@example.com",
        password="Str0ng-Passw0rd!",
        is_staff=is_staff,
    )


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def ok(response) -> dict:
    assert response.status_code in (200, 201, 202), (response.status_code, response.content)
    return response.json()


def error_code(response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]["code"]


def open_shop(admin: APIClient, *, price: str = "99.00", units: int = 1000) -> dict:
    """A shop with one published SKU at `price`, `units` in a Shanghai warehouse and a flat
    freight of 6.00. Returns {"merchant_id", "sku_id", "owner"}."""
    name = uuid.uuid4().hex[:6]
    owner = make_user()
    category = ok(admin.post("/api/v1/admin/categories", {"name": f"C{name}"}, format="json"))
    merchant = ok(
        admin.post(
            "/api/v1/admin/merchants",
            {"name": f"Shop {name}", "owner_user_id": owner.pk},
            format="json",
        )
    )
    warehouse = ok(
        admin.post(
            "/api/v1/admin/warehouses",
            {
                "merchant_id": merchant["id"],
                "code": f"WH-{name}",
                "name": "Main",
                "province_code": "310000",
            },
            format="json",
        )
    )
    product = ok(
        admin.post(
            "/api/v1/admin/products",
            {
                "merchant_id": merchant["id"],
                "category_id": category["id"],
                "title": f"Tea {name}",
                "main_image_url": f"https://img.example.com/{name}.jpg",
            },
            format="json",
        )
    )
    sku = ok(
        admin.post(
            f"/api/v1/admin/products/{product['id']}/skus",
            {"value_ids": [], "price": price, "weight_grams": 250},
            format="json",
        )
    )
    ok(admin.post(f"/api/v1/admin/products/{product['id']}/publish"))
    ok(
        admin.post(
            "/api/v1/admin/stock/inbound",
            {
                "warehouse_id": warehouse["id"],
                "sku_id": sku["id"],
                "quantity": units,
                "reason": "opening stock",
            },
            format="json",
        )
    )
    ok(
        admin.post(
            "/api/v1/admin/freight-templates",
            {
                "merchant_id": merchant["id"],
                "name": "Flat",
                "is_default": True,
                "charge_by": "piece",
                "first_unit": 1000,
                "first_fee": "6.00",
                "additional_unit": 1,
                "additional_fee": "0.00",
            },
            format="json",
        )
    )
    return {"merchant_id": merchant["id"], "sku_id": sku["id"], "owner": owner}


ADDRESS = {
    "receiver_name": "Han Meimei",
    "receiver_phone": "13900139000",
    "province_code": "310000",
    "city_code": "310100",
    "district_code": "310104",
    "detail": "No. 8 Caoxi Road",
}


def address_of(client: APIClient) -> int:
    return ok(client.post("/api/v1/me/addresses", ADDRESS, format="json"))["id"]


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
