"""Checkout preview and placing orders, with the other contexts faked."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contexts.ordering.domain import pricing
from contexts.ordering.models import Order, OrderLine, OrderLog, Trade
from contexts.ordering.services import checkout as checkout_services
from contexts.ordering.services import pricing_steps
from contexts.ordering.tests.support import place, row_counts
from shared.events.models import OutboxEvent
from tests.support import error_code

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def shop(world, buyer):
    """Two merchants: 1 (SKUs 11, 12, freight 8.00) and 2 (SKU 21, free freight)."""
    world.sku(11, merchant_id=1, price="19.99")
    world.sku(12, merchant_id=1, price="5.00")
    world.sku(21, merchant_id=2, price="100.00")
    world.logistics.freight[1] = D("8.00")
    world.address_id = world.identity.add_address(buyer.pk)
    return world


def body(world, items=None, **extra):
    data = {"address_id": world.address_id, **extra}
    if items is not None:
        data["items"] = [{"sku_id": s, "quantity": q} for s, q in items]
    return data


# --- Preview --------------------------------------------------------------------------------


def test_preview_prices_per_merchant_and_writes_nothing(shop, buyer_api):
    before = row_counts()
    with CaptureQueriesContext(connection) as queries:
        response = buyer_api.post(
            "/api/v1/checkout/preview", body(shop, [(11, 2), (21, 1), (12, 1)]), format="json"
        )

    assert response.status_code == 200, response.json()
    data = response.json()
    assert [g["merchant_id"] for g in data["groups"]] == [1, 2]
    first = data["groups"][0]
    assert [(line["sku_id"], line["subtotal"]) for line in first["lines"]] == [
        (11, "39.98"),
        (12, "5.00"),
    ]
    assert (first["items_amount"], first["freight_amount"], first["pay_amount"]) == (
        "44.98",
        "8.00",
        "52.98",
    )
    assert data["items_amount"] == "144.98"
    assert data["freight_amount"] == "8.00"
    assert data["discount_amount"] == "0.00"
    assert data["pay_amount"] == "152.98"
    assert data["deliverable"] is True
    assert data["in_stock"] is True
    line = first["lines"][0]
    assert line["title"] == "Product 11"
    assert line["image_url"].endswith("/11.jpg")
    assert line["available"] == 100
    assert row_counts() == before
    assert not any(
        q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for q in queries
    )
    assert shop.inventory.reserve_calls == []


def test_preview_uses_selected_cart_items_when_no_items_given(shop, buyer, buyer_api):
    shop.cart.add(buyer.pk, 11, 3)
    shop.cart.add(buyer.pk, 21, 1, selected=False)

    response = buyer_api.post("/api/v1/checkout/preview", body(shop), format="json")

    assert response.status_code == 200
    groups = response.json()["groups"]
    assert [(g["merchant_id"], [line["quantity"] for line in g["lines"]]) for g in groups] == [
        (1, [3])
    ]


def test_preview_flags_stock_and_delivery_problems(shop, buyer_api):
    shop.inventory.stock(21, 0)
    shop.logistics.undeliverable.add((1, "110000"))

    data = buyer_api.post(
        "/api/v1/checkout/preview", body(shop, [(11, 1), (21, 1)]), format="json"
    ).json()

    assert data["in_stock"] is False
    assert data["deliverable"] is False
    assert data["groups"][0]["freight_reason"] == "not_deliverable"
    assert data["groups"][1]["lines"][0]["in_stock"] is False


def test_preview_freight_items_carry_weights_and_amounts(shop, buyer_api):
    buyer_api.post("/api/v1/checkout/preview", body(shop, [(11, 2)]), format="json")

    merchant_id, province, items = shop.logistics.quoted[0]
    assert (merchant_id, province) == (1, "110000")
    assert [(i.sku_id, i.quantity, i.weight_grams, i.amount) for i in items] == [
        (11, 2, 500, D("39.98"))
    ]


def test_repeated_skus_are_merged(shop, buyer_api):
    data = buyer_api.post(
        "/api/v1/checkout/preview", body(shop, [(11, 1), (11, 2)]), format="json"
    ).json()

    assert [line["quantity"] for line in data["groups"][0]["lines"]] == [3]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({}, 400, "validation_error"),
        ({"items": []}, 400, "validation_error"),
        ({"items": [{"sku_id": 11, "quantity": 0}]}, 400, "validation_error"),
        ({"items": [{"sku_id": 11, "quantity": settings.CART_MAX_QUANTITY + 1}]}, 400, None),
        ({"items": [{"sku_id": 999, "quantity": 1}]}, 422, "sku_unavailable"),
        (
            {"remarks": [{"merchant_id": 1, "remark": "a"}, {"merchant_id": 1, "remark": "b"}]},
            400,
            None,
        ),
    ],
)
def test_preview_rejects_bad_input(shop, buyer_api, payload, status, code):
    data = {"address_id": shop.address_id, "items": [{"sku_id": 11, "quantity": 1}], **payload}
    if payload == {}:
        data = {}
    response = buyer_api.post("/api/v1/checkout/preview", data, format="json")

    assert response.status_code == status
    assert error_code(response) == (code or "validation_error")


def test_unpurchasable_sku_and_empty_cart_are_422(shop, buyer_api):
    shop.catalog.add_sku(13, merchant_id=1, purchasable=False)

    unpurchasable = buyer_api.post(
        "/api/v1/checkout/preview", body(shop, [(11, 1), (13, 1)]), format="json"
    )
    empty_cart = buyer_api.post("/api/v1/checkout/preview", body(shop), format="json")

    assert unpurchasable.status_code == 422
    assert unpurchasable.json()["error"]["details"] == {"sku_ids": [13]}
    assert empty_cart.status_code == 422
    assert error_code(empty_cart) == "empty_checkout"


def test_someone_elses_address_is_not_found(shop, make_user, buyer_api):
    other_address = shop.identity.add_address(make_user().pk)

    response = buyer_api.post(
        "/api/v1/checkout/preview",
        {"address_id": other_address, "items": [{"sku_id": 11, "quantity": 1}]},
        format="json",
    )

    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_checkout_needs_a_signed_in_buyer(shop, api_client):
    response = api_client.post("/api/v1/checkout/preview", body(shop, [(11, 1)]), format="json")

    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


def test_registered_pricing_steps_apply_to_preview_and_orders(shop, buyer, buyer_api, monkeypatch):
    class TenOffMerchantOne(pricing.NoAdjustment):
        def quote(self, checkout):
            return [pricing.Adjustment(amount=D("10.00"), merchant_id=1, reference="C-1")]

    registry = pricing.default_registry(freight=pricing_steps.FreightStep())
    registry.replace("coupons", TenOffMerchantOne())
    monkeypatch.setattr(checkout_services, "PRICING_STEPS", registry)

    preview = buyer_api.post(
        "/api/v1/checkout/preview", body(shop, [(11, 2), (12, 1), (21, 1)]), format="json"
    ).json()
    placed = place(buyer_api, body(shop, [(11, 2), (12, 1), (21, 1)]))

    assert preview["discount_amount"] == "10.00"
    assert preview["pay_amount"] == "142.98"
    assert preview["adjustments"][0]["source"] == "coupons"
    assert placed.status_code == 201
    order = Order.objects.get(merchant_id=1)
    assert order.discount_amount == D("10.00")
    assert order.pay_amount == D("42.98")
    assert order.discounts == [
        {"target": "items", "source": "coupons", "reference": "C-1", "amount": "10.00"}
    ]
    lines = {line.sku_id: line for line in order.lines.all()}
    assert lines[11].discount_amount + lines[12].discount_amount == D("10.00")
    assert lines[11].discounts == [
        {"source": "coupons", "amount": str(lines[11].discount_amount), "reference": "C-1"}
    ]
    assert lines[11].pay_amount == lines[11].subtotal - lines[11].discount_amount
    assert Trade.objects.get().pay_amount == D("142.98")


# --- Placing --------------------------------------------------------------------------------


def test_place_creates_one_order_per_merchant_under_one_trade(shop, buyer, buyer_api):
    response = place(
        buyer_api,
        body(
            shop,
            [(11, 2), (21, 1), (12, 1)],
            remarks=[{"merchant_id": 2, "remark": "Leave at the door"}],
        ),
    )

    assert response.status_code == 201, response.json()
    data = response.json()
    trade = Trade.objects.get()
    assert data["trade_no"] == trade.trade_no
    assert trade.trade_no.startswith("T")
    assert data["status"] == "unpaid"
    assert data["pay_amount"] == "152.98"
    assert [(o["merchant_id"], o["pay_amount"], o["status"]) for o in data["orders"]] == [
        (1, "52.98", "pending_payment"),
        (2, "100.00", "pending_payment"),
    ]
    orders = list(Order.objects.order_by("id"))
    assert [o.order_no for o in orders] == [o["order_no"] for o in data["orders"]]
    assert {o.trade_id for o in orders} == {trade.pk}
    assert trade.pay_amount == sum(o.pay_amount for o in orders)
    assert trade.items_amount == sum(o.items_amount for o in orders)
    assert trade.freight_amount == sum(o.freight_amount for o in orders) == D("8.00")
    assert orders[1].remark == "Leave at the door"
    assert orders[0].remark == ""
    # Snapshots of what was bought and where it goes.
    first_line = orders[0].lines.get(sku_id=11)
    assert (first_line.title, first_line.spec, first_line.unit_price, first_line.quantity) == (
        "Product 11",
        "Colour: Red / Size: M",
        D("19.99"),
        2,
    )
    assert first_line.image_url.endswith("/11.jpg")
    assert (first_line.subtotal, first_line.discount_amount, first_line.pay_amount) == (
        D("39.98"),
        D("0.00"),
        D("39.98"),
    )
    assert (orders[0].receiver_name, orders[0].receiver_phone, orders[0].province_code) == (
        "Li Lei",
        "13800138000",
        "110000",
    )
    assert orders[0].address_detail == "No. 1 Jianguo Road"
    assert orders[0].payment_deadline == trade.payment_deadline
    assert (
        trade.payment_deadline - trade.created_at
    ).total_seconds() == settings.ORDER_PAYMENT_TIMEOUT
    # The first log row of each order.
    assert list(OrderLog.objects.values_list("from_status", "to_status", "actor")) == [
        ("", "pending_payment", str(buyer.pk)),
        ("", "pending_payment", str(buyer.pk)),
    ]


def test_place_reserves_every_line_in_one_call_with_one_request_per_order(shop, buyer_api):
    place(buyer_api, body(shop, [(11, 2), (21, 1), (12, 1)]))

    (call,) = shop.inventory.reserve_calls
    orders = {o.merchant_id: o.order_no for o in Order.objects.all()}
    assert [(r.order_ref, [(line.sku_id, line.quantity) for line in r.lines]) for r in call] == [
        (orders[1], [(11, 2), (12, 1)]),
        (orders[2], [(21, 1)]),
    ]
    assert shop.inventory.available(11) == 98


def test_place_publishes_order_placed_per_order(shop, buyer, buyer_api):
    place(buyer_api, body(shop, [(11, 2), (21, 1)]))

    events = list(OutboxEvent.objects.filter(event_type="ordering.order.placed.v1").order_by("id"))
    order = Order.objects.get(merchant_id=1)
    assert len(events) == 2
    assert events[0].aggregate_id == order.order_no
    assert events[0].payload == {
        "order_no": order.order_no,
        "trade_no": order.trade.trade_no,
        "buyer_id": buyer.pk,
        "merchant_id": 1,
        "pay_amount": "47.98",
        "lines": [{"sku_id": 11, "quantity": 2, "unit_price": "19.99"}],
        "from_cart": False,
        "source": "",
        "source_ref": "",
    }


def _placed_from_cart_flags() -> list[bool]:
    return [
        payload["from_cart"]
        for payload in OutboxEvent.objects.filter(event_type="ordering.order.placed.v1")
        .order_by("id")
        .values_list("payload", flat=True)
    ]


def test_place_from_cart_orders_the_selected_lines_and_says_so(shop, buyer, buyer_api):
    # The cart drops the lines itself on OrderPlaced (the fake cart refuses any direct write).
    shop.cart.add(buyer.pk, 11, 1)
    shop.cart.add(buyer.pk, 21, 2)
    shop.cart.add(buyer.pk, 12, 1, selected=False)

    response = place(buyer_api, body(shop))

    assert response.status_code == 201
    assert sorted(OrderLine.objects.values_list("sku_id", "quantity")) == [(11, 1), (21, 2)]
    assert _placed_from_cart_flags() == [True, True]


def test_buy_now_is_not_from_the_cart(shop, buyer, buyer_api):
    shop.cart.add(buyer.pk, 11, 1)

    assert place(buyer_api, body(shop, [(11, 1)])).status_code == 201

    assert _placed_from_cart_flags() == [False]


def test_stock_is_held_past_the_payment_window(shop, buyer_api, settings):
    settings.ORDER_PAYMENT_TIMEOUT = 600

    assert place(buyer_api, body(shop, [(11, 1)])).status_code == 201

    assert shop.inventory.ttls == [600 + 5 * 60]


def test_place_refuses_undeliverable_groups(shop, buyer_api):
    shop.logistics.undeliverable.add((2, "110000"))

    response = place(buyer_api, body(shop, [(11, 1), (21, 1)]))

    assert response.status_code == 422
    assert error_code(response) == "not_deliverable"
    assert response.json()["error"]["details"] == {"merchant_ids": [2]}
    assert Order.objects.count() == 0


def test_out_of_stock_is_422_and_writes_nothing(shop, buyer_api):
    shop.inventory.stock(21, 1)
    before = row_counts()

    response = place(buyer_api, body(shop, [(11, 1), (21, 2)]))

    assert response.status_code == 422
    assert error_code(response) == "out_of_stock"
    assert response.json()["error"]["details"]["skus"] == [
        {"sku_id": 21, "requested": 2, "available": 1}
    ]
    assert row_counts() == before
