"""One rule for the cart and the checkout (README "Cart and checkout"), with every real context:
a blocked cart line (unavailable, out of stock, short of stock) is shown with its reason, counted
in no total and not checked out; checking out the cart places the selected valid lines. So the
cart's total is the preview's items total, and the preview's total is what is charged. And the
total the buyer saw is what is charged: a changed total is a 409 price_changed, never a silent
charge."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.catalog import api as catalog_api
from contexts.ordering.models import Order, OrderLine
from contexts.ordering.tests.support import place, row_counts
from tests.support import client_for, created, error_code, open_shop, real_address

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def admin(staff):
    return client_for(staff)


@pytest.fixture
def shop(admin, make_user):
    """Three SKUs (19.99, 5.00, 7.50), 5 units each, free shipping."""
    return open_shop(
        admin, name="S", owner_id=make_user().pk, prices=["19.99", "5.00", "7.50"], units=5
    )


def add(client, sku_id: int, quantity: int) -> None:
    created(
        client.post("/api/v1/cart/items", {"sku_id": sku_id, "quantity": quantity}, format="json")
    )


def unpublish(admin, sku_id: int) -> None:
    spu_id = catalog_api.get_skus(sku_ids=[sku_id])[sku_id].spu_id
    created(admin.post(f"/api/v1/admin/products/{spu_id}/unpublish", format="json"))


def test_blocked_cart_lines_are_shown_not_counted_and_not_checked_out(
    admin, shop, buyer_api, make_user
):
    valid, short, off_shelf = shop["sku_ids"]
    add(buyer_api, valid, 2)
    add(buyer_api, short, 3)
    add(buyer_api, off_shelf, 1)
    # Another buyer takes 4 of the 5 `short` units; staff take `off_shelf` off the shelf.
    other = client_for(make_user())
    created(
        place(
            other,
            {"address_id": real_address(other), "items": [{"sku_id": short, "quantity": 4}]},
        )
    )
    unpublish(admin, off_shelf)
    body = {"address_id": real_address(buyer_api)}

    cart = buyer_api.get("/api/v1/cart").json()
    preview = created(buyer_api.post("/api/v1/checkout/preview", body, format="json"))
    placed = created(place(buyer_api, body))

    issues = {
        line["sku_id"]: [issue["code"] for issue in line["issues"]]
        for group in cart["groups"]
        for line in group["lines"]
    }
    assert issues == {valid: [], short: ["insufficient_stock"], off_shelf: ["unavailable"]}
    assert cart["selected_amount"] == "39.98"  # only the valid line
    assert [line["sku_id"] for g in preview["groups"] for line in g["lines"]] == [valid]
    assert preview["items_amount"] == preview["pay_amount"] == cart["selected_amount"]
    assert placed["pay_amount"] == cart["selected_amount"]
    order = Order.objects.get(trade__trade_no=placed["trade_no"])
    assert list(OrderLine.objects.filter(order=order).values_list("sku_id", "quantity")) == [
        (valid, 2)
    ]


def test_a_cart_whose_every_selected_line_is_blocked_has_nothing_to_check_out(
    admin, shop, buyer_api
):
    sku_id = shop["sku_ids"][0]
    add(buyer_api, sku_id, 1)
    unpublish(admin, sku_id)
    body = {"address_id": real_address(buyer_api)}

    preview = buyer_api.post("/api/v1/checkout/preview", body, format="json")
    quote = created(buyer_api.get("/api/v1/checkout/cart-quote"))

    assert preview.status_code == 422
    assert error_code(preview) == "empty_checkout"
    assert buyer_api.get("/api/v1/cart").json()["selected_amount"] == quote["pay_amount"] == "0.00"


def test_a_price_rise_after_the_preview_is_a_409_not_a_silent_charge(admin, shop, buyer_api):
    sku_id = shop["sku_ids"][0]
    body = {"address_id": real_address(buyer_api), "items": [{"sku_id": sku_id, "quantity": 2}]}
    seen = created(buyer_api.post("/api/v1/checkout/preview", body, format="json"))["pay_amount"]
    created(admin.patch(f"/api/v1/admin/skus/{sku_id}", {"price": "25.00"}, format="json"))
    before = row_counts()

    refused = place(buyer_api, {**body, "expected_pay_amount": seen})

    assert seen == "39.98"
    assert refused.status_code == 409
    assert error_code(refused) == "price_changed"
    assert refused.json()["error"]["details"] == {
        "expected_pay_amount": "39.98",
        "pay_amount": "50.00",
    }
    assert {k: v for k, v in row_counts().items() if k != "keys"} == {
        k: v for k, v in before.items() if k != "keys"
    }
    # Placed again with the new total the buyer has now seen: charged exactly that.
    assert created(place(buyer_api, {**body, "expected_pay_amount": "50.00"}))["pay_amount"] == (
        "50.00"
    )


def test_without_an_expected_amount_the_current_price_is_charged(admin, shop, buyer_api):
    """The suspected defect as it stands for a client that sends no expected_pay_amount."""
    sku_id = shop["sku_ids"][0]
    body = {"address_id": real_address(buyer_api), "items": [{"sku_id": sku_id, "quantity": 2}]}
    created(buyer_api.post("/api/v1/checkout/preview", body, format="json"))
    created(admin.patch(f"/api/v1/admin/skus/{sku_id}", {"price": "25.00"}, format="json"))

    assert created(place(buyer_api, body))["pay_amount"] == "50.00"
