"""Test helpers shared by the cross-context tests in this folder and by the contexts' own suites
that build a real shop through the other contexts' REST endpoints (ordering, group buy, flash
sale, after-sales...). Imported by tests only; import-linter does not see this package."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from shared.auth import SYSTEM


def make_user(**extra):
    """A new account with a unique email (`extra`: is_staff, mobile, ...)."""
    return get_user_model().objects.create_user(
        email=f"user-{uuid.uuid4().hex[:12]}@example.com", password="Str0ng-Passw0rd!", **extra
    )


def client_for(user) -> APIClient:
    """A client signed in as `user` (authentication skipped)."""
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def bearer_client(user) -> APIClient:
    """A client sending a real access token of `user`: the JWT authentication and the claims it
    carries are part of what the test exercises."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def ok(response, statuses: Sequence[int] = (200, 201, 202)) -> dict:
    """The JSON body of a successful response (fails the test with the error otherwise)."""
    assert response.status_code in statuses, (response.status_code, response.content)
    return response.json()


def created(response) -> dict:
    """The JSON body of a 200/201 response (fails the test with the error otherwise)."""
    return ok(response, (200, 201))


def error_code(response) -> str:
    """The code of an error response, after checking it has the shared envelope's shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]["code"]


def open_shop(
    admin: APIClient,
    *,
    prices: Sequence[str] = ("99.00",),
    units: int = 100,
    freight: str | None = "0.00",
    name: str | None = None,
    owner_id: int | None = None,
) -> dict:
    """A real shop, made through the catalog, inventory and logistics REST endpoints as staff:
    a published product with one SKU per price, `units` of each in a warehouse in Shanghai
    (310000), and a default flat `freight` per order (None: no template, so the shop does not
    deliver). Without `owner_id` a new user owns it. Returns {"merchant_id", "sku_ids",
    "spu_ids", "sku_id", "spu_id" (the first SKU's and product's), "owner" (the user made here,
    else None)}."""
    name = name or uuid.uuid4().hex[:6]
    owner = make_user() if owner_id is None else None
    category = created(admin.post("/api/v1/admin/categories", {"name": name}, format="json"))
    merchant = created(
        admin.post(
            "/api/v1/admin/merchants",
            {"name": f"Shop {name}", "owner_user_id": owner.pk if owner else owner_id},
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
    sku_ids, spu_ids = [], []
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
        spu_ids.append(product["id"])
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
    return {
        "merchant_id": merchant["id"],
        "sku_ids": sku_ids,
        "spu_ids": spu_ids,
        "sku_id": sku_ids[0],
        "spu_id": spu_ids[0],
        "owner": owner,
    }


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


def sandbox_keys(directory: Path) -> Path:
    """`directory`, with a new sandbox key pair in it (a session fixture makes one per run)."""
    from contexts.payments.adapters.sandbox import generate_key_pair

    generate_key_pair(directory / "private.pem", directory / "public.pem")
    return directory


def sandbox_settings(settings, key_dir: Path) -> None:
    """Payments through the sandbox provider only, with the key pair in `key_dir`, its
    callback delivered in-process, and the providers' circuit breakers closed."""
    from contexts.payments import services as payment_services

    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    settings.PAYMENTS_NOTIFY_BASE_URL = ""
    settings.PAYMENTS_SANDBOX_PRIVATE_KEY_PATH = str(key_dir / "private.pem")
    settings.PAYMENTS_SANDBOX_PUBLIC_KEY_PATH = str(key_dir / "public.pem")
    payment_services.breakers_reset()


def sandbox_payments(settings, tmp_path) -> None:
    """sandbox_settings with a fresh key pair in `tmp_path`."""
    sandbox_settings(settings, sandbox_keys(tmp_path))


def payment_open(client: APIClient, trade_no: str) -> dict:
    """Create the sandbox payment of the trade (its pay page's callback pays it)."""
    return created(
        client.post(
            f"/api/v1/trades/{trade_no}/payments",
            {"provider": "sandbox", "channel": "page"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
    )


def pay(client: APIClient, trade_no: str) -> str:
    """Pay the trade through the sandbox provider's signed callback; returns the payment no."""
    payment = payment_open(client, trade_no)
    assert client.post(payment["client"]["data"]["url"]).status_code == 202
    return payment["payment_no"]


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
