"""The back office: staff see every shop's orders, shop staff only their shops'; ship (a parcel),
deliver (staff only) and notes."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.ordering import services
from contexts.ordering.models import Order, OrderNote
from contexts.ordering.services import CheckoutItem
from shared.events.models import OutboxEvent
from tests.support import client_for, error_code

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def shop(world, buyer):
    world.sku(11, merchant_id=1, price="19.99")
    world.sku(21, merchant_id=2, price="100.00")
    world.address_id = world.identity.add_address(buyer.pk)
    return world


@pytest.fixture
def placed(shop, buyer):
    return services.order_place(
        buyer_id=buyer.pk,
        address_id=shop.address_id,
        items=[CheckoutItem(sku_id=11, quantity=1), CheckoutItem(sku_id=21, quantity=1)],
    )


@pytest.fixture
def paid(placed):
    services.order_mark_paid(
        trade_no=placed.trade.trade_no, paid_amount=D("119.99"), payment_ref="P"
    )
    return placed


@pytest.fixture
def merchant_one_api(shop, make_user):
    """Shop staff of merchant 1 only."""
    user = make_user()
    shop.catalog.managers[user.pk] = (1,)
    return client_for(user)


def order_no(placed, merchant_id):
    return Order.objects.get(trade=placed.trade, merchant_id=merchant_id).order_no


def test_staff_search_every_shop(placed, buyer, staff_api):
    data = staff_api.get("/api/v1/admin/orders").json()

    assert data["count"] == 2
    assert {o["merchant_id"] for o in data["results"]} == {1, 2}
    assert data["results"][0]["buyer_id"] == buyer.pk


def test_search_filters(shop, placed, buyer, staff_api, make_user):
    other = make_user()
    other_address = shop.identity.add_address(other.pk)
    services.order_place(
        buyer_id=other.pk, address_id=other_address, items=[CheckoutItem(sku_id=11, quantity=1)]
    )
    services.order_cancel(order_no=order_no(placed, 2), buyer_id=buyer.pk)
    now = timezone.now()

    def count(query: str) -> int:
        response = staff_api.get(f"/api/v1/admin/orders?{query}")
        assert response.status_code == 200, response.json()
        return response.json()["count"]

    assert count(f"order_no={order_no(placed, 1)}") == 1
    assert count(f"buyer_id={other.pk}") == 1
    assert count("status=cancelled") == 1
    assert count("status=pending_payment") == 2
    hour = timedelta(hours=1)
    stamp = lambda t: t.isoformat().replace("+00:00", "Z")  # noqa: E731
    assert count(f"created_from={stamp(now - hour)}&created_to={stamp(now + hour)}") == 3
    assert count(f"created_from={stamp(now + hour)}") == 0
    bad = staff_api.get(
        f"/api/v1/admin/orders?created_from={stamp(now)}&created_to={stamp(now - hour)}"
    )
    assert bad.status_code == 400


def test_shop_staff_see_only_their_shops_orders(placed, merchant_one_api):
    listed = merchant_one_api.get("/api/v1/admin/orders").json()
    own = merchant_one_api.get(f"/api/v1/admin/orders/{order_no(placed, 1)}")
    foreign = merchant_one_api.get(f"/api/v1/admin/orders/{order_no(placed, 2)}")

    assert [o["merchant_id"] for o in listed["results"]] == [1]
    assert own.status_code == 200
    assert foreign.status_code == 404


def test_buyers_without_a_shop_are_refused(placed, buyer_api, api_client):
    assert buyer_api.get("/api/v1/admin/orders").status_code == 403
    assert error_code(buyer_api.get("/api/v1/admin/orders")) == "permission_denied"
    assert buyer_api.post(f"/api/v1/admin/orders/{order_no(placed, 1)}/notes").status_code == 403
    assert api_client.get("/api/v1/admin/orders").status_code == 401


def test_shop_staff_ship_their_paid_order(paid, merchant_one_api):
    number = order_no(paid, 1)

    response = merchant_one_api.post(
        f"/api/v1/admin/orders/{number}/shipments",
        {"carrier_code": "SF", "tracking_number": "SF1234567890"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["carrier_code"], data["tracking_number"]) == ("sf", "SF1234567890")
    assert data["lines"] == [{"sku_id": 11, "quantity": 1}]
    order = merchant_one_api.get(f"/api/v1/admin/orders/{number}").json()
    assert order["status"] == "shipped"
    assert order["logs"][-1]["to_status"] == "shipped"
    event = OutboxEvent.objects.get(event_type="ordering.order.shipped.v1")
    assert event.payload["tracking_number"] == "SF1234567890"
    assert event.payload["carrier_code"] == "sf"
    assert OutboxEvent.objects.filter(event_type="logistics.shipment.created.v1").count() == 1


def test_shop_staff_cannot_ship_another_shops_order(paid, merchant_one_api):
    response = merchant_one_api.post(
        f"/api/v1/admin/orders/{order_no(paid, 2)}/shipments",
        {"carrier_code": "SF", "tracking_number": "1"},
        format="json",
    )

    assert response.status_code == 404
    assert Order.objects.get(order_no=order_no(paid, 2)).status == "paid"


def test_an_unpaid_order_cannot_ship(placed, staff_api):
    response = staff_api.post(
        f"/api/v1/admin/orders/{order_no(placed, 1)}/shipments",
        {"carrier_code": "SF", "tracking_number": "1"},
        format="json",
    )

    assert response.status_code == 409
    assert error_code(response) == "illegal_transition"


def test_ship_input_is_validated(paid, staff_api):
    response = staff_api.post(
        f"/api/v1/admin/orders/{order_no(paid, 1)}/shipments",
        {"carrier_code": "", "tracking_number": "has spaces"},
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["details"]["fields"]) == {
        "carrier_code",
        "tracking_number",
    }


def test_only_platform_staff_mark_delivered(paid, staff_api, merchant_one_api):
    number = order_no(paid, 1)
    staff_api.post(
        f"/api/v1/admin/orders/{number}/shipments",
        {"carrier_code": "SF", "tracking_number": "1"},
        format="json",
    )

    by_shop = merchant_one_api.post(f"/api/v1/admin/orders/{number}/deliver")
    by_staff = staff_api.post(f"/api/v1/admin/orders/{number}/deliver")
    again = staff_api.post(f"/api/v1/admin/orders/{number}/deliver")

    assert by_shop.status_code == 403
    assert by_staff.status_code == 200
    assert by_staff.json()["status"] == "delivered"
    assert again.status_code == 409
    assert OutboxEvent.objects.filter(event_type="ordering.order.delivered.v1").count() == 1


def test_notes(placed, staff, staff_api, merchant_one_api):
    number = order_no(placed, 1)

    by_staff = staff_api.post(
        f"/api/v1/admin/orders/{number}/notes", {"body": "VIP buyer"}, format="json"
    )
    by_shop = merchant_one_api.post(
        f"/api/v1/admin/orders/{number}/notes", {"body": "Gift wrap"}, format="json"
    )
    foreign = merchant_one_api.post(
        f"/api/v1/admin/orders/{order_no(placed, 2)}/notes", {"body": "x"}, format="json"
    )
    empty = staff_api.post(f"/api/v1/admin/orders/{number}/notes", {"body": ""}, format="json")
    detail = staff_api.get(f"/api/v1/admin/orders/{number}").json()

    assert by_staff.status_code == by_shop.status_code == 201
    assert by_staff.json()["author_id"] == staff.pk
    assert foreign.status_code == 404
    assert empty.status_code == 400
    assert [n["body"] for n in detail["notes"]] == ["VIP buyer", "Gift wrap"]
    assert OrderNote.objects.count() == 2


def test_admin_list_is_not_n_plus_one(shop, buyer, staff_api, django_assert_max_num_queries):
    for _ in range(5):
        services.order_place(
            buyer_id=buyer.pk,
            address_id=shop.address_id,
            items=[CheckoutItem(sku_id=11, quantity=1), CheckoutItem(sku_id=21, quantity=1)],
        )

    with django_assert_max_num_queries(4):
        response = staff_api.get("/api/v1/admin/orders")

    assert response.json()["count"] == 10
