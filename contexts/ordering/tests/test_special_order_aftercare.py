"""What a placing context (group buy) does with its special orders after placement, every other
context real: the fulfilment hold (no shipping until released, shown to the merchant, release
logged once), cancelling an unpaid order for it, refunding a paid unshipped order (logged, stock
back exactly once, OrderRefunded once)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.inventory import api as inventory_api
from contexts.ordering import api
from contexts.ordering.models import Order, OrderLog
from shared.errors import Conflict
from shared.events.models import OutboxEvent
from tests.support import client_for, created, error_code, make_user, open_shop, real_address

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def world():
    admin = client_for(make_user(is_staff=True))
    shop = open_shop(admin, name="H", owner_id=make_user().pk, prices=["99.00"], units=10)
    buyer = make_user()
    return {
        "admin": admin,
        "sku_id": shop["sku_ids"][0],
        "buyer": buyer,
        "address_id": real_address(client_for(buyer)),
    }


def _place(world, ref: str, quantity: int = 1, **extra):
    return api.place_special_order(
        buyer_id=world["buyer"].pk,
        address_id=world["address_id"],
        sku_id=world["sku_id"],
        quantity=quantity,
        unit_price=D("49.00"),
        source="groupbuy",
        source_ref=ref,
        payment_timeout_seconds=600,
        **extra,
    )


def _paid(world, ref: str, **extra):
    info = _place(world, ref, **extra)
    api.mark_trade_paid(trade_no=info.trade_no, paid_amount=info.pay_amount, payment_ref=ref)
    return info


def _ship(world, order_no):
    return world["admin"].post(
        f"/api/v1/admin/orders/{order_no}/shipments",
        {"carrier_code": "sandbox", "tracking_number": "SB1"},
        format="json",
    )


def _levels(sku_id):
    level = inventory_api.availability(sku_ids=[sku_id])[sku_id]
    return level.on_hand, level.reserved


def _logs(order_no):
    return list(
        OrderLog.objects.filter(order__order_no=order_no)
        .order_by("id")
        .values_list("from_status", "to_status", "reason")
    )


def test_a_held_order_does_not_ship_until_released_once(world):
    info = _paid(world, "GB-1", fulfilment_hold=True)
    plain = _paid(world, "GB-2")

    assert error_code(_ship(world, info.order_no)) == "fulfilment_held"
    assert created(world["admin"].get(f"/api/v1/admin/orders/{info.order_no}"))["fulfilment_held"]
    assert not created(world["admin"].get(f"/api/v1/admin/orders/{plain.order_no}"))[
        "fulfilment_held"
    ]

    released = api.release_fulfilment_hold(
        order_nos=[info.order_no, plain.order_no, "NOPE"], reason="group G1 completed"
    )
    assert released == [info.order_no]
    assert api.release_fulfilment_hold(order_nos=[info.order_no]) == []
    assert _logs(info.order_no)[-1] == (
        "paid",
        "paid",
        "fulfilment hold released: group G1 completed",
    )
    assert len(_logs(info.order_no)) == 3  # placed, paid, released: once
    created(_ship(world, info.order_no))
    assert Order.objects.get(order_no=info.order_no).status == "shipped"


def test_refunding_a_paid_unshipped_order_returns_its_stock_once(world):
    before = _levels(world["sku_id"])
    info = _paid(world, "GB-3", fulfilment_hold=True)
    assert _levels(world["sku_id"]) == (before[0] - 1, before[1])

    assert api.refund_unshipped_order(order_no=info.order_no, reason="group failed") is True
    assert api.refund_unshipped_order(order_no=info.order_no, reason="group failed") is False

    assert Order.objects.get(order_no=info.order_no).status == "refunded"
    assert [(f, t) for f, t, _ in _logs(info.order_no)][-2:] == [
        ("paid", "refunding"),
        ("refunding", "refunded"),
    ]
    assert _levels(world["sku_id"]) == before
    events = OutboxEvent.objects.filter(event_type="ordering.order.refunded.v1")
    assert [(e.payload["order_no"], e.payload["source"]) for e in events] == [
        (info.order_no, "groupbuy")
    ]
    assert events[0].payload["refunded_amount"] == "49.00"


def test_the_refunded_amount_is_what_was_left_after_an_earlier_partial_refund(world):
    """After-sales already gave one of two units back (49.00 of 98.00): refunding the rest
    whole gives back (and OrderRefunded says) 49.00, as payments' refund of what is left."""
    before = _levels(world["sku_id"])
    info = _paid(world, "GB-P", quantity=2)
    line = Order.objects.get(order_no=info.order_no).lines.get()
    api.order_line_refund_request(
        order_no=info.order_no, line_id=line.id, quantity=1, amount=D("49.00"), reference="as:1"
    )
    api.order_line_refund_settle(reference="as:1", succeeded=True)

    assert api.refund_unshipped_order(order_no=info.order_no, reason="group failed") is True

    event = OutboxEvent.objects.get(event_type="ordering.order.refunded.v1")
    assert event.payload["refunded_amount"] == "49.00"
    assert Order.objects.get(order_no=info.order_no).status == "refunded"
    assert _levels(world["sku_id"]) == before


def test_only_a_paid_unshipped_order_is_refunded_this_way(world):
    unpaid = _place(world, "GB-4")
    with pytest.raises(Conflict):
        api.refund_unshipped_order(order_no=unpaid.order_no, reason="x")
    shipped = _paid(world, "GB-5")
    created(_ship(world, shipped.order_no))
    with pytest.raises(Conflict):
        api.refund_unshipped_order(order_no=shipped.order_no, reason="x")
    assert Order.objects.get(order_no=shipped.order_no).status == "shipped"


def test_cancelling_an_unpaid_order_for_its_source(world):
    before = _levels(world["sku_id"])
    unpaid = _place(world, "GB-6")
    assert _levels(world["sku_id"]) == (before[0], before[1] + 1)

    assert api.cancel_unpaid_order(order_no=unpaid.order_no, reason="group failed") is True
    assert api.cancel_unpaid_order(order_no=unpaid.order_no, reason="group failed") is False
    assert _levels(world["sku_id"]) == before
    cancelled = OutboxEvent.objects.get(event_type="ordering.order.cancelled.v1").payload
    assert (cancelled["source"], cancelled["reason"]) == ("groupbuy", "group failed")
    paid = _paid(world, "GB-7")
    assert api.cancel_unpaid_order(order_no=paid.order_no, reason="x") is False
    assert Order.objects.get(order_no=paid.order_no).status == "paid"
