"""A real shop, a real buyer and a real paid order for the after-sales tests (every context
real, payments through the sandbox provider's signed callback)."""

from __future__ import annotations

import uuid

from contexts.ordering.tests.support import client_for, created, open_shop, place, real_address
from tests.support import (
    make_user,
    pay,
    sandbox_payments,  # noqa: F401 (the after-sales suites import it from here)
)


def shop_world(*, price: str = "60.00", units: int = 10, freight: str = "8.00") -> dict:
    """Staff, a shop (its owner signed in too) selling one SKU, and a signed-in buyer with an
    address."""
    admin_user = make_user(is_staff=True)
    admin = client_for(admin_user)
    owner = make_user()
    shop = open_shop(
        admin,
        name=uuid.uuid4().hex[:6],
        owner_id=owner.pk,
        prices=[price],
        units=units,
        freight=freight,
    )
    buyer = make_user()
    buyer_api = client_for(buyer)
    return {
        "admin": admin,
        "admin_user": admin_user,
        "owner": owner,
        "merchant_api": client_for(owner),
        "merchant_id": shop["merchant_id"],
        "sku_id": shop["sku_ids"][0],
        "buyer": buyer,
        "buyer_api": buyer_api,
        "address_id": real_address(buyer_api),
    }


def paid_order(world: dict, *, quantity: int, points: int = 0) -> dict:
    """A buy-now order of `quantity` units, paid. Returns the placed order's JSON."""
    body = {
        "address_id": world["address_id"],
        "items": [{"sku_id": world["sku_id"], "quantity": quantity}],
        "points": points,
    }
    placed = created(place(world["buyer_api"], body))
    pay(world["buyer_api"], placed["trade_no"])
    (order,) = placed["orders"]
    return order


def ship(world: dict, order_no: str) -> None:
    created(
        world["merchant_api"].post(
            f"/api/v1/admin/orders/{order_no}/shipments",
            {"carrier_code": "SF", "tracking_number": f"SF{uuid.uuid4().int % 10**12:012d}"},
            format="json",
        )
    )


def deliver_and_confirm(world: dict, order_no: str) -> None:
    created(world["admin"].post(f"/api/v1/admin/orders/{order_no}/deliver"))
    created(world["buyer_api"].post(f"/api/v1/orders/{order_no}/confirm", {}, format="json"))
