"""Ordering with every real context it calls, nothing faked: catalog (shops, products, SKUs),
identity (address book), cart, inventory (warehouses, stock) and logistics (freight templates).

The other contexts' data is made through their public REST endpoints, as their clients would:
address book -> cart -> preview -> place -> pay / cancel -> ship -> confirm, stock moving for
real."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.apps import apps

from contexts.inventory import api as inventory_api
from contexts.ordering import api
from contexts.ordering.models import Order
from contexts.ordering.services import checkout as checkout_services
from contexts.ordering.tests.support import NO_ROWS, place, row_counts
from shared.events.models import OutboxEvent
from tests.support import client_for, created, error_code, open_shop, real_address

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def shops(staff, make_user):
    """Shop A (19.99, 8.00 freight per order) and shop B (100.00, free shipping), 5 units each,
    each with its own owner."""
    admin = client_for(staff)
    owners = {"A": make_user(), "B": make_user()}
    return {
        "A": {
            **open_shop(
                admin, name="A", owner_id=owners["A"].pk, prices=["19.99"], units=5, freight="8.00"
            ),
            "owner": owners["A"],
        },
        "B": {
            **open_shop(admin, name="B", owner_id=owners["B"].pk, prices=["100.00"], units=5),
            "owner": owners["B"],
        },
    }


def stock(sku_id: int) -> tuple[int, int, int]:
    level = inventory_api.availability(sku_ids=[sku_id])[sku_id]
    return level.on_hand, level.reserved, level.available


# Committed transactions: the cart drops the ordered lines when OrderPlaced reaches it.
@pytest.mark.django_db(transaction=True)
def test_every_real_context_from_cart_to_completed_order(shops, buyer, buyer_api):
    (sku_a,), (sku_b,) = shops["A"]["sku_ids"], shops["B"]["sku_ids"]
    for sku_id, quantity in ((sku_a, 2), (sku_b, 1)):
        created(
            buyer_api.post(
                "/api/v1/cart/items", {"sku_id": sku_id, "quantity": quantity}, format="json"
            )
        )
    body = {"address_id": real_address(buyer_api)}

    preview = created(buyer_api.post("/api/v1/checkout/preview", body, format="json"))
    placed = created(place(buyer_api, body))

    assert [g["freight_amount"] for g in preview["groups"]] == ["8.00", "0.00"]
    assert preview["pay_amount"] == "147.98"
    assert preview["in_stock"] is True
    assert preview["groups"][0]["lines"][0]["title"] == "Tea A0"
    assert placed["pay_amount"] == "147.98"
    order_a = Order.objects.get(merchant_id=shops["A"]["merchant_id"])
    assert (order_a.receiver_name, order_a.province_code, order_a.address_detail) == (
        "Han Meimei",
        "310000",
        "No. 8 Caoxi Road",
    )
    assert order_a.lines.get().image_url == "https://img.example.com/A0.jpg"
    assert stock(sku_a) == (5, 2, 3)
    assert buyer_api.get("/api/v1/cart").json()["line_count"] == 0

    # Shop B's order is cancelled (its stock comes back); the buyer pays for the rest.
    order_b = Order.objects.get(merchant_id=shops["B"]["merchant_id"])
    created(buyer_api.post(f"/api/v1/orders/{order_b.order_no}/cancel"))
    assert stock(sku_b) == (5, 0, 5)
    trade = api.mark_trade_paid(
        trade_no=placed["trade_no"], paid_amount=D("47.98"), payment_ref="SANDBOX-1"
    )
    assert trade.status == "paid"
    assert stock(sku_a) == (3, 0, 3)  # the reservation became a deduction

    # Shop A's owner ships (shop B's order is not theirs); the buyer confirms receipt.
    owner_api = client_for(shops["A"]["owner"])
    assert owner_api.get(f"/api/v1/admin/orders/{order_b.order_no}").status_code == 404
    shipped = created(
        owner_api.post(
            f"/api/v1/admin/orders/{order_a.order_no}/shipments",
            {"carrier_code": "SF", "tracking_number": "SF100"},
            format="json",
        )
    )
    shipped = created(owner_api.get(f"/api/v1/admin/orders/{order_a.order_no}"))
    completed = created(buyer_api.post(f"/api/v1/orders/{order_a.order_no}/confirm"))

    assert shipped["status"] == "shipped"
    assert completed["status"] == "completed"
    assert api.completed_purchase_exists(user_id=buyer.pk, sku_id=sku_a) is True


def test_real_stock_shortage_is_a_clean_422(shops, buyer_api):
    (sku_a,), (sku_b,) = shops["A"]["sku_ids"], shops["B"]["sku_ids"]

    response = place(
        buyer_api,
        {
            "address_id": real_address(buyer_api),
            "items": [{"sku_id": sku_a, "quantity": 1}, {"sku_id": sku_b, "quantity": 6}],
        },
    )

    assert response.status_code == 422
    assert error_code(response) == "out_of_stock"
    assert Order.objects.count() == 0
    assert stock(sku_a) == (5, 0, 5)


def test_a_shop_without_a_freight_template_is_refused_not_shipped_free(staff, make_user, buyer_api):
    shop = open_shop(
        client_for(staff), name="C", owner_id=make_user().pk, prices=["5.00"], units=5, freight=None
    )
    body = {
        "address_id": real_address(buyer_api),
        "items": [{"sku_id": shop["sku_ids"][0], "quantity": 1}],
    }

    preview = created(buyer_api.post("/api/v1/checkout/preview", body, format="json"))
    response = place(buyer_api, body)

    assert (preview["groups"][0]["deliverable"], preview["groups"][0]["freight_reason"]) == (
        False,
        "no_template",
    )
    assert response.status_code == 422
    assert error_code(response) == "not_deliverable"
    assert Order.objects.count() == 0


def test_a_failure_midway_through_placing_leaves_every_real_context_as_it_was(
    shops, staff, buyer_api, monkeypatch
):
    (sku_a,), (sku_b,) = shops["A"]["sku_ids"], shops["B"]["sku_ids"]
    for sku_id in (sku_a, sku_b):
        created(buyer_api.post("/api/v1/cart/items", {"sku_id": sku_id}, format="json"))
    body = {"address_id": real_address(buyer_api)}
    staff_api = client_for(staff)

    def ledger_rows() -> int:
        return created(staff_api.get("/api/v1/admin/stock/ledger"))["count"]

    # No public surface lists reservations: read inventory's table through the app registry.
    reservations = apps.get_model("inventory", "Reservation").objects
    ledger_before, outbox_before = ledger_rows(), OutboxEvent.objects.count()
    published, held = [], []

    def publish_then_fail(event):
        # Shop A's OrderPlaced is in the outbox and both orders' stock is reserved by now.
        published.append(event)
        if len(published) == 2:
            held.append(reservations.count())
            raise RuntimeError("the outbox is unavailable")
        original(event)

    original = checkout_services.publish
    monkeypatch.setattr(checkout_services, "publish", publish_then_fail)

    response = place(buyer_api, body)

    assert (len(published), held) == (2, [2])  # it failed with both orders' stock held
    assert response.status_code == 500
    assert error_code(response) == "internal_error"
    assert row_counts() == NO_ROWS
    assert reservations.count() == 0
    assert stock(sku_a) == stock(sku_b) == (5, 0, 5)
    assert ledger_rows() == ledger_before
    assert OutboxEvent.objects.count() == outbox_before  # no stock events either
    assert buyer_api.get("/api/v1/cart").json()["line_count"] == 2
