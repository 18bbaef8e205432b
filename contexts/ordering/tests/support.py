"""Helpers shared by ordering's tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from rest_framework.test import APIClient

from contexts.ordering.models import IdempotencyKey, Order, OrderLine, OrderLog, Trade
from shared.events.models import OutboxEvent


def client_for(user) -> APIClient:
    """A client signed in as `user`."""
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def error_code(response) -> str:
    """The code of an error response, after checking it has the shared envelope's shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]["code"]


def place(client, body: dict, *, key: str | None = None):
    """POST /orders with an Idempotency-Key (a fresh one unless given)."""
    return client.post(
        "/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY=key or uuid.uuid4().hex
    )


def row_counts() -> dict[str, int]:
    """How many rows ordering (and the outbox) hold: to prove nothing was written."""
    return {
        "trades": Trade.objects.count(),
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "logs": OrderLog.objects.count(),
        "keys": IdempotencyKey.objects.count(),
        "outbox": OutboxEvent.objects.filter(event_type__startswith="ordering.").count(),
    }


def created(response) -> dict:
    """The JSON body of a 200/201 response (fails the test with the error otherwise)."""
    assert response.status_code in (200, 201), response.json()
    return response.json()


def open_shop(
    admin: APIClient,
    *,
    name: str,
    owner_id: int,
    prices: Sequence[str],
    units: int,
    freight: str | None = "0.00",
) -> dict:
    """A real shop, made through the catalog, inventory and logistics REST endpoints as staff:
    a published product with one SKU per price, `units` of each in a warehouse in Shanghai
    (310000), and a default flat `freight` per order (None: no template, so the shop does not
    deliver). Returns {"merchant_id", "sku_ids"}."""
    category = created(admin.post("/api/v1/admin/categories", {"name": name}, format="json"))
    merchant = created(
        admin.post(
            "/api/v1/admin/merchants",
            {"name": f"Shop {name}", "owner_user_id": owner_id},
            format="json",
        )
    )
    warehouse = created(
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
    sku_ids = []
    for n, price in enumerate(prices):
        product = created(
            admin.post(
                "/api/v1/admin/products",
                {
                    "merchant_id": merchant["id"],
                    "category_id": category["id"],
                    "title": f"Tea {name}{n}",
                    "main_image_url": f"https://img.example.com/{name}{n}.jpg",
                },
                format="json",
            )
        )
        sku = created(
            admin.post(
                f"/api/v1/admin/products/{product['id']}/skus",
                {"value_ids": [], "price": price, "weight_grams": 250},
                format="json",
            )
        )
        created(admin.post(f"/api/v1/admin/products/{product['id']}/publish"))
        created(
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
        sku_ids.append(sku["id"])
    if freight is not None:
        created(
            admin.post(
                "/api/v1/admin/freight-templates",
                {
                    "merchant_id": merchant["id"],
                    "name": "Flat",
                    "is_default": True,
                    "charge_by": "piece",
                    "first_unit": 1000,
                    "first_fee": freight,
                    "additional_unit": 1,
                    "additional_fee": "0.00",
                },
                format="json",
            )
        )
    return {"merchant_id": merchant["id"], "sku_ids": sku_ids}


SHANGHAI_ADDRESS = {
    "receiver_name": "Han Meimei",
    "receiver_phone": "13900139000",
    "province_code": "310000",
    "city_code": "310100",
    "district_code": "310104",
    "detail": "No. 8 Caoxi Road",
    "postal_code": "200030",
    "tag": "home",
}


def real_address(client: APIClient) -> int:
    """A new address in the buyer's real address book (identity), in Shanghai."""
    return created(client.post("/api/v1/me/addresses", SHANGHAI_ADDRESS, format="json"))["id"]
