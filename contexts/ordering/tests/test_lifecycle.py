"""An order's life after placing: payment, cancel, ship, deliver, confirm; the buyer's views of
it; every change logged, guarded by the state machine and announced by an event."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.ordering import api, services
from contexts.ordering.models import Order, OrderLog, Trade
from contexts.ordering.services import CheckoutItem
from shared.auth import SYSTEM
from shared.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from shared.events.models import OutboxEvent
from tests.support import client_for, error_code

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def shop(world, buyer):
    world.sku(11, merchant_id=1, price="19.99")
    world.sku(21, merchant_id=2, price="100.00")
    world.logistics.freight[1] = D("8.00")
    world.address_id = world.identity.add_address(buyer.pk)
    return world


@pytest.fixture
def placed(shop, buyer):
    """A trade with two unpaid orders: merchant 1 (27.99) and merchant 2 (100.00)."""
    return services.order_place(
        buyer_id=buyer.pk,
        address_id=shop.address_id,
        items=[CheckoutItem(sku_id=11, quantity=1), CheckoutItem(sku_id=21, quantity=1)],
    )


def order_of(placed, merchant_id: int) -> Order:
    return Order.objects.get(trade=placed.trade, merchant_id=merchant_id)


def events(event_type: str) -> list[dict]:
    return [row.payload for row in OutboxEvent.objects.filter(event_type=event_type).order_by("id")]


def logs(order: Order) -> list[tuple[str, str, str, str]]:
    return list(
        OrderLog.objects.filter(order=order)
        .order_by("id")
        .values_list("from_status", "to_status", "actor", "reason")
    )


def pay_with(placed, *, payment_ref: str):
    return services.order_mark_paid(
        trade_no=placed.trade.trade_no, paid_amount=D("127.99"), payment_ref=payment_ref
    )


def pay(placed):
    return services.order_mark_paid(
        trade_no=placed.trade.trade_no, paid_amount=D("127.99"), payment_ref="PAY-1"
    )


# --- Payment --------------------------------------------------------------------------------


def test_paying_the_trade_pays_every_order_and_deducts_stock(shop, placed):
    trade = pay(placed)

    assert trade.status == "paid"
    assert trade.paid_amount == D("127.99")
    assert trade.payment_ref == "PAY-1"
    for order in Order.objects.all():
        assert order.status == "paid"
        assert order.paid_at is not None
        assert order.paid_amount == order.pay_amount
        assert logs(order)[-1] == ("pending_payment", "paid", "system", "paid (PAY-1)")
    assert sorted(shop.inventory.committed) == sorted(o.order_no for o in placed.orders)
    paid = events("ordering.order.paid.v1")
    assert [(e["merchant_id"], e["pay_amount"], e["payment_ref"]) for e in paid] == [
        (1, "27.99", "PAY-1"),
        (2, "100.00", "PAY-1"),
    ]


def test_payment_amount_must_match(placed):
    with pytest.raises(BusinessRuleViolation) as caught:
        services.order_mark_paid(
            trade_no=placed.trade.trade_no, paid_amount=D("127.98"), payment_ref="PAY-1"
        )

    assert caught.value.code == "amount_mismatch"
    assert caught.value.details == {"expected": "127.99", "paid": "127.98"}
    assert set(Order.objects.values_list("status", flat=True)) == {"pending_payment"}


def test_an_amount_that_only_rounds_to_the_amount_due_is_a_mismatch(placed):
    with pytest.raises(BusinessRuleViolation) as caught:
        api.mark_trade_paid(
            trade_no=placed.trade.trade_no, paid_amount=D("127.985"), payment_ref="PAY-1"
        )

    assert caught.value.code == "amount_mismatch"
    assert caught.value.details == {"expected": "127.99", "paid": "127.985"}
    assert set(Order.objects.values_list("status", flat=True)) == {"pending_payment"}


def test_an_exact_amount_with_more_decimal_places_is_accepted(placed):
    trade = api.mark_trade_paid(
        trade_no=placed.trade.trade_no, paid_amount=D("127.9900"), payment_ref="PAY-1"
    )

    assert trade.status == "paid"


def test_a_blank_payment_ref_on_a_cancelled_trade_is_not_taken_for_a_recorded_payment(
    placed, buyer
):
    for order in placed.orders:
        services.order_cancel(order_no=order.order_no, buyer_id=buyer.pk)

    with pytest.raises(ValidationFailed):
        pay_with(placed, payment_ref="")
    with pytest.raises(Conflict) as caught:  # any real payment: refused, so it is refunded
        pay_with(placed, payment_ref="PAY-9")
    assert caught.value.code == "illegal_transition"


def test_a_blank_payment_ref_is_refused_before_anything_is_written(placed):
    with pytest.raises(ValidationFailed):
        pay_with(placed, payment_ref="  ")

    assert set(Order.objects.values_list("status", flat=True)) == {"pending_payment"}


def test_a_repeated_payment_notification_changes_nothing(shop, placed):
    pay(placed)
    pay(placed)

    assert OrderLog.objects.filter(to_status="paid").count() == 2
    assert len(events("ordering.order.paid.v1")) == 2
    assert Trade.objects.get().paid_amount == D("127.99")


def test_paying_one_order_by_number(shop, placed):
    first = order_of(placed, 1)

    trade = services.order_mark_paid(
        order_no=first.order_no, paid_amount=D("27.99"), payment_ref="PAY-2"
    )

    assert trade.status == "unpaid"  # the other order still waits for payment
    assert Order.objects.get(pk=first.pk).status == "paid"
    assert order_of(placed, 2).status == "pending_payment"
    assert shop.inventory.committed == [first.order_no]


def test_paying_a_cancelled_order_is_an_illegal_transition(placed, buyer):
    for order in placed.orders:
        services.order_cancel(order_no=order.order_no, buyer_id=buyer.pk)

    with pytest.raises(Conflict) as caught:
        pay(placed)

    assert caught.value.code == "illegal_transition"
    assert Trade.objects.get().status == "closed"


def test_after_one_order_is_cancelled_the_trade_costs_what_is_left(placed, buyer):
    services.order_cancel(order_no=order_of(placed, 2).order_no, buyer_id=buyer.pk)

    trade = services.order_mark_paid(
        trade_no=placed.trade.trade_no, paid_amount=D("27.99"), payment_ref="PAY-3"
    )

    assert trade.status == "paid"
    assert order_of(placed, 1).status == "paid"
    assert order_of(placed, 2).status == "cancelled"


def test_mark_paid_needs_exactly_one_reference(placed):
    with pytest.raises(ValidationFailed):
        services.order_mark_paid(paid_amount=D("1"), payment_ref="x")
    with pytest.raises(NotFound):
        services.order_mark_paid(trade_no="T-nope", paid_amount=D("1"), payment_ref="x")
    with pytest.raises(NotFound):
        services.order_mark_paid(order_no="nope", paid_amount=D("1"), payment_ref="x")


# --- Buyer: cancel, confirm, read -----------------------------------------------------------


def test_buyer_cancels_an_unpaid_order(shop, placed, buyer, buyer_api):
    order = order_of(placed, 1)

    response = buyer_api.post(
        f"/api/v1/orders/{order.order_no}/cancel", {"reason": "changed my mind"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "changed my mind"
    assert shop.inventory.released == [(order.order_no, "changed my mind")]
    assert logs(order)[-1] == ("pending_payment", "cancelled", str(buyer.pk), "changed my mind")
    (event,) = events("ordering.order.cancelled.v1")
    assert event["order_no"] == order.order_no
    assert event["actor"] == str(buyer.pk)
    assert event["lines"] == [{"sku_id": 11, "quantity": 1, "unit_price": "19.99"}]
    assert Trade.objects.get().status == "unpaid"


def test_a_paid_order_cannot_be_cancelled_by_the_buyer(placed, buyer_api):
    pay(placed)
    order = order_of(placed, 1)

    response = buyer_api.post(f"/api/v1/orders/{order.order_no}/cancel")

    assert response.status_code == 409
    assert error_code(response) == "illegal_transition"
    assert response.json()["error"]["details"] == {"from": "paid", "to": "cancelled"}
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_another_buyers_order_is_not_found(placed, make_user):
    stranger = client_for(make_user())
    order_no = order_of(placed, 1).order_no

    for response in (
        stranger.get(f"/api/v1/orders/{order_no}"),
        stranger.get(f"/api/v1/orders/{order_no}/logs"),
        stranger.post(f"/api/v1/orders/{order_no}/cancel"),
        stranger.post(f"/api/v1/orders/{order_no}/confirm"),
    ):
        assert response.status_code == 404
        assert error_code(response) == "not_found"
    assert order_of(placed, 1).status == "pending_payment"


def test_confirming_a_shipped_order_passes_through_delivered(placed, buyer, buyer_api, staff):
    pay(placed)
    order = order_of(placed, 1)
    services.order_ship(
        principal=SYSTEM,
        order_no=order.order_no,
        actor_id=staff.pk,
        carrier_code="SF",
        tracking_number="SF123",
    )

    response = buyer_api.post(f"/api/v1/orders/{order.order_no}/confirm")

    assert response.status_code == 200
    assert response.json()["status"] == "completed"
    assert [row[:3] for row in logs(order)[-2:]] == [
        ("shipped", "delivered", str(buyer.pk)),
        ("delivered", "completed", str(buyer.pk)),
    ]
    assert [e["order_no"] for e in events("ordering.order.delivered.v1")] == [order.order_no]
    (completed,) = events("ordering.order.completed.v1")
    assert completed["lines"] == [{"sku_id": 11, "quantity": 1, "unit_price": "19.99"}]
    assert completed["trade_no"] == placed.trade.trade_no
    refreshed = Order.objects.get(pk=order.pk)
    assert refreshed.delivered_at is not None
    assert refreshed.completed_at is not None


def test_confirming_a_delivered_order_completes_it(placed, buyer_api, staff):
    pay(placed)
    order = order_of(placed, 1)
    services.order_ship(
        principal=SYSTEM,
        order_no=order.order_no,
        actor_id=staff.pk,
        carrier_code="SF",
        tracking_number="SF1",
    )
    services.order_deliver(principal=SYSTEM, order_no=order.order_no, actor_id=staff.pk)

    response = buyer_api.post(f"/api/v1/orders/{order.order_no}/confirm")

    assert response.json()["status"] == "completed"
    assert len(events("ordering.order.delivered.v1")) == 1


@pytest.mark.parametrize("paid", [False, True])
def test_an_unshipped_order_cannot_be_confirmed(placed, buyer_api, paid):
    if paid:
        pay(placed)
    order = order_of(placed, 1)

    response = buyer_api.post(f"/api/v1/orders/{order.order_no}/confirm")

    assert response.status_code == 409
    assert error_code(response) == "illegal_transition"


def test_buyer_lists_their_orders_with_status_filter_and_pages(shop, placed, buyer, buyer_api):
    services.order_cancel(order_no=order_of(placed, 2).order_no, buyer_id=buyer.pk)
    services.order_place(
        buyer_id=buyer.pk,
        address_id=shop.address_id,
        items=[CheckoutItem(sku_id=11, quantity=2)],
    )

    everything = buyer_api.get("/api/v1/orders").json()
    cancelled = buyer_api.get("/api/v1/orders?status=cancelled").json()
    paged = buyer_api.get("/api/v1/orders?page_size=2&page=2").json()
    bad = buyer_api.get("/api/v1/orders?status=lost")

    assert everything["count"] == 3
    newest = everything["results"][0]
    assert newest["lines"][0]["quantity"] == 2
    assert newest["address"]["receiver_name"] == "Li Lei"
    assert newest["address"]["detail"] == "No. 1 Jianguo Road"
    assert [o["status"] for o in cancelled["results"]] == ["cancelled"]
    assert len(paged["results"]) == 1
    assert bad.status_code == 400
    assert error_code(bad) == "validation_error"


def test_my_orders_list_is_not_n_plus_one(shop, buyer, buyer_api, django_assert_max_num_queries):
    for _ in range(5):
        services.order_place(
            buyer_id=buyer.pk,
            address_id=shop.address_id,
            items=[CheckoutItem(sku_id=11, quantity=1), CheckoutItem(sku_id=21, quantity=1)],
        )

    with django_assert_max_num_queries(4):  # user, count, page, lines
        response = buyer_api.get("/api/v1/orders")

    assert response.json()["count"] == 10


def test_order_detail_and_logs(placed, buyer, buyer_api):
    order = order_of(placed, 1)
    pay(placed)

    detail = buyer_api.get(f"/api/v1/orders/{order.order_no}").json()
    history = buyer_api.get(f"/api/v1/orders/{order.order_no}/logs").json()

    assert detail["order_no"] == order.order_no
    assert detail["trade_no"] == placed.trade.trade_no
    assert detail["status"] == "paid"
    assert detail["pay_amount"] == "27.99"
    assert detail["freight_amount"] == "8.00"
    assert detail["lines"][0]["unit_price"] == "19.99"
    assert [(h["from_status"], h["to_status"], h["actor"]) for h in history] == [
        ("", "pending_payment", str(buyer.pk)),
        ("pending_payment", "paid", "system"),
    ]


# --- Purchases, for reviews -----------------------------------------------------------------


def test_completed_purchase_exists_only_after_completion(placed, buyer, staff):
    from contexts.ordering import api

    order = order_of(placed, 1)
    assert api.completed_purchase_exists(user_id=buyer.pk, sku_id=11) is False
    pay(placed)
    services.order_ship(
        principal=SYSTEM,
        order_no=order.order_no,
        actor_id=staff.pk,
        carrier_code="SF",
        tracking_number="1",
    )
    services.order_confirm_receipt(order_no=order.order_no, buyer_id=buyer.pk)

    assert api.completed_purchase_exists(user_id=buyer.pk, sku_id=11) is True
    assert api.completed_purchase_exists(user_id=buyer.pk, sku_id=21) is False
    assert api.completed_purchase_exists(user_id=staff.pk, sku_id=11) is False
