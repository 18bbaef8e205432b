"""Shipping through logistics: a merchant ships parcels of a paid order (tracking number or
e-waybill), the order is shipped with the first parcel and delivered (by the handler of
logistics.shipment.delivered.v1) only when every parcel is; over-shipping, another shop's order,
the buyer's own parcels, a carrier down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from contexts.ordering import handlers, services
from contexts.ordering.models import Order
from contexts.ordering.services import CheckoutItem
from shared.events.models import OutboxEvent
from shared.events.relay import relay_once
from shared.ports import adapter, reset_adapters
from tests.support import client_for, error_code

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def fake():
    """Logistics' in-memory carrier (named by its dotted path: ordering imports no adapter)."""
    with override_settings(
        LOGISTICS_CARRIERS=["sandbox", "sf", "fake"],
        LOGISTICS_CARRIER_FAKE="contexts.logistics.adapters.memory.InMemoryCarrier",
    ):
        reset_adapters()
        yield adapter("LOGISTICS_CARRIER_FAKE")
    reset_adapters()


@pytest.fixture
def order(world, buyer):
    """A paid order of shop 1: 2 x SKU 11 and 1 x SKU 12."""
    world.sku(11, merchant_id=1, price="10.00")
    world.sku(12, merchant_id=1, price="5.00")
    address_id = world.identity.add_address(buyer.pk)
    placed = services.order_place(
        buyer_id=buyer.pk,
        address_id=address_id,
        items=[CheckoutItem(sku_id=11, quantity=2), CheckoutItem(sku_id=12, quantity=1)],
    )
    services.order_mark_paid(
        trade_no=placed.trade.trade_no, paid_amount=placed.trade.pay_amount, payment_ref="P"
    )
    return placed.orders[0]


@pytest.fixture
def shop_api(world, make_user):
    user = make_user()
    world.catalog.managers[user.pk] = (1,)
    return client_for(user)


def ship(client, order_no, **body):
    return client.post(f"/api/v1/admin/orders/{order_no}/shipments", body, format="json")


def status(order) -> str:
    return Order.objects.get(pk=order.pk).status


@pytest.fixture
def deliver(fake, staff_api, django_capture_on_commit_callbacks):
    """The carrier reports a parcel delivered; a re-poll records it; the relay runs handlers."""

    def run(shipment_id, number, at=T0):
        fake.add_route(number, "delivered", at)
        with django_capture_on_commit_callbacks(execute=True):
            polled = staff_api.post(f"/api/v1/admin/shipments/{shipment_id}/poll")
            assert polled.status_code == 200, polled.json()
            relay_once()

    return run


def test_shipped_on_the_first_parcel_delivered_when_all_are(
    fake, deliver, order, shop_api, buyer_api
):
    first = ship(
        shop_api,
        order.order_no,
        carrier_code="fake",
        tracking_number="T1",
        lines=[{"sku_id": 11, "quantity": 1}],
    )
    after_first = status(order)
    second = ship(shop_api, order.order_no, carrier_code="fake", waybill=True)  # the rest

    assert first.status_code == 201, first.json()
    assert after_first == "shipped"
    assert second.status_code == 201, second.json()
    assert second.json()["tracking_number"] == "FAKE1"
    assert second.json()["label"] == {"waybill_no": "FAKE1"}
    assert sorted((x["sku_id"], x["quantity"]) for x in second.json()["lines"]) == [
        (11, 1),
        (12, 1),
    ]
    assert fake.waybills[0].receiver.name  # the e-waybill got the order's receiver
    assert OutboxEvent.objects.filter(event_type="ordering.order.shipped.v1").count() == 1

    deliver(first.json()["id"], "T1")
    assert status(order) == "shipped"  # one parcel of two
    deliver(second.json()["id"], "FAKE1", T0 + timedelta(hours=1))
    assert status(order) == "delivered"
    assert Order.objects.get(pk=order.pk).logs.last().actor == "system"

    parcels = buyer_api.get(f"/api/v1/orders/{order.order_no}/shipments")
    assert parcels.status_code == 200
    assert [(p["tracking_number"], p["status"]) for p in parcels.json()] == [
        ("T1", "delivered"),
        ("FAKE1", "delivered"),
    ]
    assert parcels.json()[0]["tracking"][0]["kind"] == "delivered"
    assert "label" not in parcels.json()[0]  # the buyer sees no label data

    # The delivered event handled again (a redelivery) changes nothing.
    event = OutboxEvent.objects.filter(event_type="logistics.shipment.delivered.v1").last()
    from contexts.logistics.events import ShipmentDelivered

    handlers.shipment_delivered_order_deliver(
        ShipmentDelivered(
            shipment_id=event.payload["shipment_id"],
            order_no=order.order_no,
            merchant_id=1,
            buyer_id=order.buyer_id,
            delivered_at=T0,
        )
    )
    assert OutboxEvent.objects.filter(event_type="ordering.order.delivered.v1").count() == 1
    assert buyer_api.post(f"/api/v1/orders/{order.order_no}/confirm").json()["status"] == (
        "completed"
    )


def test_all_parcels_delivered_but_lines_left_to_ship_keeps_the_order_shipped(
    fake, deliver, order, shop_api
):
    parcel = ship(
        shop_api,
        order.order_no,
        carrier_code="fake",
        tracking_number="T1",
        lines=[{"sku_id": 12, "quantity": 1}],
    )
    deliver(parcel.json()["id"], "T1")
    assert status(order) == "shipped"


def test_over_shipping_is_refused_and_writes_nothing(fake, order, shop_api):
    too_many = ship(
        shop_api,
        order.order_no,
        carrier_code="fake",
        tracking_number="T1",
        lines=[{"sku_id": 11, "quantity": 3}],
    )
    not_in_order = ship(
        shop_api,
        order.order_no,
        carrier_code="fake",
        tracking_number="T2",
        lines=[{"sku_id": 99, "quantity": 1}],
    )

    assert too_many.status_code == 422
    assert error_code(too_many) == "over_shipped"
    assert not_in_order.status_code == 422
    assert status(order) == "paid"
    assert not OutboxEvent.objects.filter(event_type__startswith="logistics.").exists()


def test_another_shops_order_is_not_found(fake, world, order, make_user):
    stranger = make_user()
    world.catalog.managers[stranger.pk] = (2,)

    response = ship(client_for(stranger), order.order_no, carrier_code="fake", tracking_number="X")

    assert response.status_code == 404
    assert status(order) == "paid"


def test_an_unpaid_order_cannot_ship(fake, world, buyer, shop_api):
    world.sku(11, merchant_id=1, price="10.00")
    placed = services.order_place(
        buyer_id=buyer.pk,
        address_id=world.identity.add_address(buyer.pk),
        items=[CheckoutItem(sku_id=11, quantity=1)],
    )
    response = ship(shop_api, placed.orders[0].order_no, carrier_code="fake", tracking_number="U1")
    assert response.status_code == 409


def test_input_rules(fake, order, shop_api):
    both = ship(shop_api, order.order_no, carrier_code="fake", tracking_number="A", waybill=True)
    neither = ship(shop_api, order.order_no, carrier_code="fake")
    unknown = ship(shop_api, order.order_no, carrier_code="dhl", tracking_number="A")
    extra = ship(shop_api, order.order_no, carrier_code="fake", tracking_number="A", x=1)

    assert [r.status_code for r in (both, neither, unknown, extra)] == [400, 400, 400, 400]
    assert error_code(unknown) == "unknown_carrier"


def test_buyers_see_only_their_own_orders_parcels(fake, order, shop_api, make_user):
    ship(shop_api, order.order_no, carrier_code="fake", tracking_number="T1")
    other = client_for(make_user())

    assert other.get(f"/api/v1/orders/{order.order_no}/shipments").status_code == 404
    assert other.get("/api/v1/orders/NOPE/shipments").status_code == 404


def test_a_carrier_down_is_a_503_and_the_order_stays_paid(fake, order, shop_api):
    fake.down = True

    response = ship(shop_api, order.order_no, carrier_code="fake", waybill=True)

    assert response.status_code == 503
    assert error_code(response) == "carrier_unavailable"
    assert status(order) == "paid"
    assert not OutboxEvent.objects.filter(event_type__startswith="logistics.").exists()


def test_units_refunded_before_shipment_do_not_ship(fake, order, shop_api):
    """A refund-only request for one of two units (after-sales) leaves one to ship; a released
    (failed) refund puts the unit back on the parcel list."""
    from contexts.ordering import api as ordering_api

    line = order.lines.get(sku_id=11)
    ordering_api.order_line_refund_request(
        order_no=order.order_no,
        line_id=line.id,
        quantity=1,
        amount=line.pay_amount / 2,
        reference="aftersales:R1",
    )

    too_many = ship(
        shop_api,
        order.order_no,
        carrier_code="fake",
        tracking_number="T1",
        lines=[{"sku_id": 11, "quantity": 2}],
    )
    rest = ship(shop_api, order.order_no, carrier_code="fake", tracking_number="T2")

    assert too_many.status_code == 422
    assert error_code(too_many) == "over_shipped"
    assert rest.status_code == 201, rest.json()
    assert sorted((x["sku_id"], x["quantity"]) for x in rest.json()["lines"]) == [(11, 1), (12, 1)]

    ordering_api.order_line_refund_settle(reference="aftersales:R1", succeeded=False)
    again = ship(shop_api, order.order_no, carrier_code="fake", tracking_number="T3")
    assert again.status_code == 201, again.json()
    assert [(x["sku_id"], x["quantity"]) for x in again.json()["lines"]] == [(11, 1)]


def _refund_everything(order, reference_prefix="aftersales:FULL"):
    """After-sales asks for every line back: the order becomes refunding."""
    from contexts.ordering import api as ordering_api

    for line in order.lines.all():
        ordering_api.order_line_refund_request(
            order_no=order.order_no,
            line_id=line.id,
            quantity=line.quantity,
            amount=line.pay_amount,
            reference=f"{reference_prefix}-{line.id}",
        )
    assert status(order) == "refunding"


def test_an_order_being_refunded_before_shipment_cannot_ship(fake, order, shop_api):
    """Only an abandoned refund may take a refunding order back to paid; shipping it is a 409,
    and once the refund is abandoned (it went back to paid) it ships again."""
    from contexts.ordering import api as ordering_api

    _refund_everything(order)

    response = ship(shop_api, order.order_no, carrier_code="fake", tracking_number="RF1")

    assert response.status_code == 409, response.json()
    assert error_code(response) == "illegal_transition"
    assert status(order) == "refunding"
    assert not OutboxEvent.objects.filter(event_type__startswith="logistics.").exists()

    line = order.lines.get(sku_id=11)
    ordering_api.order_line_refund_settle(reference=f"aftersales:FULL-{line.id}", succeeded=False)
    assert status(order) == "paid"
    assert (
        ship(shop_api, order.order_no, carrier_code="fake", tracking_number="RF2").status_code
        == 201
    )


def test_staff_cannot_deliver_an_order_being_refunded(fake, order, shop_api, staff_api):
    assert (
        ship(shop_api, order.order_no, carrier_code="fake", tracking_number="RD1").status_code
        == 201
    )
    _refund_everything(order)

    response = staff_api.post(f"/api/v1/admin/orders/{order.order_no}/deliver")

    assert response.status_code == 409, response.json()
    assert error_code(response) == "illegal_transition"
    assert status(order) == "refunding"
    assert not OutboxEvent.objects.filter(event_type="ordering.order.delivered.v1").exists()
