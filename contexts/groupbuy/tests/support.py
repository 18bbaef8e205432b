"""Helpers for group buy tests: a real shop made through the other contexts' REST endpoints
(catalog, inventory, logistics, identity), an activity, payments through the sandbox provider."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from rest_framework.test import APIClient

from contexts.groupbuy import services
from contexts.inventory import api as inventory_api
from shared.auth import SYSTEM
from tests.support import make_user

__all__ = ["make_user"]


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


def open_shop(admin: APIClient, *, price: str = "99.00", units: int = 100) -> dict:
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
    return {
        "merchant_id": merchant["id"],
        "sku_id": sku["id"],
        "spu_id": product["id"],
        "owner": owner,
    }


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


def pay(client: APIClient, trade_no: str) -> str:
    """Pay the trade through the sandbox provider's signed callback; returns the payment no."""
    payment = payment_open(client, trade_no)
    assert client.post(payment["client"]["data"]["url"]).status_code == 202
    return payment["payment_no"]


def payment_open(client: APIClient, trade_no: str) -> dict:
    """Create the sandbox payment of the trade (its callback URL pays it)."""
    return ok(
        client.post(
            f"/api/v1/trades/{trade_no}/payments",
            {"provider": "sandbox", "channel": "page"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
    )


def levels(sku_id: int) -> tuple[int, int]:
    """(on hand, reserved) of the SKU."""
    level = inventory_api.availability(sku_ids=[sku_id])[sku_id]
    return level.on_hand, level.reserved
