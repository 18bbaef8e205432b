"""ordering.api and ordering.events: what other contexts rely on."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import ClassVar, get_type_hints

import pytest

from contexts.ordering import api, events, services
from contexts.ordering.data import TradeInfo
from contexts.ordering.services import CheckoutItem
from shared.errors import BusinessRuleViolation, Conflict
from shared.events.base import ENVELOPE_FIELDS

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def placed(world, buyer):
    world.sku(11, merchant_id=1, price="19.99")
    world.sku(21, merchant_id=2, price="100.00")
    return services.order_place(
        buyer_id=buyer.pk,
        address_id=world.identity.add_address(buyer.pk),
        items=[CheckoutItem(sku_id=11, quantity=1), CheckoutItem(sku_id=21, quantity=2)],
    )


def test_get_trade_returns_frozen_data(placed, buyer):
    info = api.get_trade(placed.trade.trade_no)

    assert isinstance(info, TradeInfo)
    assert (info.buyer_id, info.status, info.pay_amount, info.payable_amount) == (
        buyer.pk,
        "unpaid",
        D("219.99"),
        D("219.99"),
    )
    assert [(o.merchant_id, o.pay_amount, o.status) for o in info.orders] == [
        (1, D("19.99"), "pending_payment"),
        (2, D("200.00"), "pending_payment"),
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.status = "paid"
    assert api.get_trade("T-unknown") is None


def test_payable_amount_leaves_out_cancelled_orders(placed, buyer):
    services.order_cancel(order_no=placed.orders[1].order_no, buyer_id=buyer.pk)

    assert api.get_trade(placed.trade.trade_no).payable_amount == D("19.99")


def test_mark_trade_paid(world, placed):
    info = api.mark_trade_paid(
        trade_no=placed.trade.trade_no, paid_amount=D("219.99"), payment_ref="PAY-9"
    )

    assert (info.status, info.paid_amount, info.payment_ref, info.payable_amount) == (
        "paid",
        D("219.99"),
        "PAY-9",
        D("0.00"),
    )
    assert {o.status for o in info.orders} == {"paid"}
    assert info.paid_at is not None
    assert sorted(world.inventory.committed) == sorted(o.order_no for o in placed.orders)
    # A second, different payment of a paid trade: 409, to be refunded by payments.
    with pytest.raises(Conflict) as caught:
        api.mark_trade_paid(
            trade_no=placed.trade.trade_no, paid_amount=D("219.99"), payment_ref="PAY-10"
        )
    assert caught.value.code == "illegal_transition"


def test_mark_trade_paid_checks_the_amount(placed):
    with pytest.raises(BusinessRuleViolation) as caught:
        api.mark_trade_paid(trade_no=placed.trade.trade_no, paid_amount=D("1"), payment_ref="X")

    assert caught.value.code == "amount_mismatch"
    assert api.get_trade(placed.trade.trade_no).status == "unpaid"


def test_get_order(placed):
    order = placed.orders[1]

    info = api.get_order(order.order_no)

    assert (info.order_no, info.trade_no, info.merchant_id, info.pay_amount) == (
        order.order_no,
        placed.trade.trade_no,
        2,
        D("200.00"),
    )
    assert [(line.sku_id, line.quantity, line.pay_amount) for line in info.lines] == [
        (21, 2, D("200.00"))
    ]
    assert api.get_order("nope") is None


def test_order_placed_matches_the_contract():
    assert events.OrderPlaced.event_type == "ordering.order.placed.v1"
    assert events.OrderPlaced.aggregate == "order_no"
    own = {
        f.name: get_type_hints(events.OrderPlaced)[f.name]
        for f in dataclasses.fields(events.OrderPlaced)
        if f.name not in ENVELOPE_FIELDS
    }
    assert own == {
        "order_no": str,
        "trade_no": str,
        "buyer_id": int,
        "merchant_id": int,
        "pay_amount": Decimal,
        "lines": tuple[events.PlacedLine, ...],
        # Added to v1 with defaults (compatible changes): older payloads load as False / "".
        "from_cart": bool,
        "source": str,
        "source_ref": str,
    }
    assert {f.name: f.default for f in dataclasses.fields(events.OrderPlaced)}["from_cart"] is False
    assert [f.name for f in dataclasses.fields(events.PlacedLine)] == [
        "sku_id",
        "quantity",
        "unit_price",
    ]
    assert get_type_hints(events.OrderPlaced, include_extras=True)["event_type"] == ClassVar[str]


def test_events_round_trip_through_the_outbox_payload():
    event = events.OrderPlaced(
        order_no="1",
        trade_no="T1",
        buyer_id=2,
        merchant_id=3,
        pay_amount=D("9.99"),
        lines=(events.PlacedLine(sku_id=4, quantity=5, unit_price=D("1.99")),),
    )

    again = events.OrderPlaced.from_payload(
        event_id=event.event_id, occurred_at=event.occurred_at, payload=event.payload()
    )

    assert again == event
    payload = {**event.payload(), "from_cart": True}
    flagged = events.OrderPlaced.from_payload(
        event_id=event.event_id, occurred_at=event.occurred_at, payload=payload
    )
    assert flagged.from_cart is True
    del payload["from_cart"]  # a payload published before the fields existed
    del payload["source"], payload["source_ref"]
    older = events.OrderPlaced.from_payload(
        event_id=event.event_id, occurred_at=event.occurred_at, payload=payload
    )
    assert (older.from_cart, older.source, older.source_ref) == (False, "", "")
    assert {
        cls.event_type
        for cls in (
            events.OrderPlaced,
            events.OrderPaid,
            events.OrderCancelled,
            events.OrderShipped,
            events.OrderDelivered,
            events.OrderCompleted,
        )
    } == {
        "ordering.order.placed.v1",
        "ordering.order.paid.v1",
        "ordering.order.cancelled.v1",
        "ordering.order.shipped.v1",
        "ordering.order.delivered.v1",
        "ordering.order.completed.v1",
    }


def test_get_order_discounts_gives_each_steps_share_per_line_and_on_freight(placed):
    order = placed.orders[1]
    line = order.lines.get()
    line.discounts = [
        {"source": "coupons", "amount": "5.00", "reference": "7"},
        {"source": "promotions", "amount": "3.00", "reference": "act:1"},
    ]
    line.save(update_fields=["discounts"])
    order.discounts = [
        {"source": "coupons", "target": "items", "amount": "5.00", "reference": "7"},
        {"source": "points", "target": "freight", "amount": "1.50", "reference": "p"},
    ]
    order.save(update_fields=["discounts"])

    info = api.get_order_discounts(order.order_no)

    assert info.merchant_id == 2
    assert [(s.source, s.target, s.amount, s.reference, s.sku_id) for s in info.shares] == [
        ("coupons", "items", D("5.00"), "7", 21),
        ("promotions", "items", D("3.00"), "act:1", 21),
        ("points", "freight", D("1.50"), "p", None),
    ]
    assert api.get_order_discounts("nope") is None
