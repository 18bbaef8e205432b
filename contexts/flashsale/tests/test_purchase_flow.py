"""The flash sale end to end on both stock engines, every other context real: schedule (stock out
of normal inventory), the storefront, token + purchase + ticket, the order at the flash price,
refusals, returns that never add stock twice, settlement."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.flashsale import handlers, services
from contexts.flashsale.models import FlashItem, FlashPurchase
from contexts.flashsale.tests.support import buy, selling_session
from contexts.inventory import api as inventory_api
from contexts.ordering import api as ordering_api
from contexts.ordering.events import OrderCancelled
from shared.auth import SYSTEM
from shared.errors import Conflict, ValidationFailed
from shared.events.models import OutboxEvent
from shared.events.relay import relay_once
from shared.ports import use_adapter
from shared.rest.throttling import ScopedRateThrottle
from shared.risk import RefuseEverything
from tests.support import client_for, error_code, make_user, ok, real_address

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on-commit work (queued order creation, event deliveries) as a real commit would."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = call(*args, **kwargs)
            relay_once()
        return result

    return run


def available(sku_id: int) -> int:
    return inventory_api.availability(sku_ids=[sku_id])[sku_id].available


def test_scheduling_takes_the_flash_stock_out_of_normal_inventory(engine, shop, committed):
    before = available(shop["sku_id"])
    session, item = committed(selling_session, shop["sku_id"], units=10)

    assert available(shop["sku_id"]) == before - 10
    assert item.status == "scheduled" and item.loaded_at is not None
    assert engine.remaining(item_ids=[item.pk]) == {item.pk: 10}
    types = list(OutboxEvent.objects.values_list("event_type", flat=True))
    assert "flashsale.session.scheduled.v1" in types
    with pytest.raises(Conflict):
        services.session_schedule(session_id=session.pk, principal=SYSTEM)


def test_storefront_lists_current_and_upcoming_sessions_with_countdowns(
    engine, shop, committed, client, django_assert_max_num_queries
):
    committed(selling_session, shop["sku_id"], units=10)
    committed(selling_session, shop["sku_id"], units=5, starts_in=7200)

    with django_assert_max_num_queries(4):
        body = ok(client.get("/api/v1/flash-sessions"))

    assert "server_time" in body
    now, upcoming = body["sessions"]
    assert (now["state"], now["starts_in_seconds"]) == ("ongoing", 0)
    assert 3500 < now["ends_in_seconds"] <= 3540
    assert upcoming["state"] == "upcoming" and 7100 < upcoming["starts_in_seconds"] <= 7200
    item = now["items"][0]
    assert (item["flash_price"], item["price"], item["remaining"], item["sold_out"]) == (
        "9.90",
        "99.00",
        10,
        False,
    )
    assert upcoming["items"][0]["remaining"] is None  # not loaded yet: shown as full
    assert upcoming["items"][0]["remaining_percent"] == 100
    assert ok(client.get(f"/api/v1/flash-sessions/{upcoming['id']}"))["id"] == upcoming["id"]
    assert client.get("/api/v1/flash-sessions/999999").status_code == 404


def test_purchase_creates_an_order_at_the_flash_price(
    engine, shop, buyer_api, address_id, committed
):
    _, item = committed(selling_session, shop["sku_id"], units=10, limit=2)

    response = committed(buy, buyer_api, item.pk, address_id)

    assert response.status_code == 202, response.json()
    ticket = ok(buyer_api.get(f"/api/v1/flash-tickets/{response.json()['ticket_no']}"))
    assert ticket["state"] == "ordered"
    order = ordering_api.get_order(ticket["order_no"])
    assert (order.items_amount, order.freight_amount, order.discount_amount, order.pay_amount) == (
        D("9.90"),
        D("6.00"),
        D("0.00"),
        D("15.90"),
    )
    assert (order.status, order.lines[0].unit_price) == ("pending_payment", D("9.90"))
    assert engine.remaining(item_ids=[item.pk]) == {item.pk: 9}
    # Someone else's ticket is not found.
    other = client_for(make_user())
    assert other.get(f"/api/v1/flash-tickets/{ticket['ticket_no']}").status_code == 404


def test_a_token_works_once_and_only_for_its_buyer_and_item(engine, shop, buyer_api, address_id):
    _, item = selling_session(shop["sku_id"], units=10, limit=5)
    token = ok(buyer_api.get(f"/api/v1/flash-items/{item.pk}/purchase-token"))["token"]
    body = {"token": token, "address_id": address_id}
    url = f"/api/v1/flash-items/{item.pk}/purchase"

    other = client_for(make_user())
    assert error_code(other.post(url, {**body, "address_id": 1}, format="json")) == (
        "invalid_purchase_token"
    )
    assert buyer_api.post(url, body, format="json").status_code == 202
    again = buyer_api.post(url, body, format="json")
    assert (again.status_code, error_code(again)) == (403, "invalid_purchase_token")
    missing = buyer_api.post(url, {"address_id": address_id}, format="json")
    assert missing.status_code == 400
    unknown = buyer_api.post(url, {**body, "coupon": 1}, format="json")
    assert unknown.status_code == 400
    assert (
        client_for(make_user()).get("/api/v1/flash-items/999999/purchase-token").status_code == 404
    )


def test_someone_elses_address_is_not_found_and_takes_nothing(db_engine, shop, buyer_api):
    _, item = selling_session(shop["sku_id"], units=3)
    other = client_for(make_user())
    response = buy(buyer_api, item.pk, real_address(other))
    assert (response.status_code, error_code(response)) == (404, "not_found")
    assert db_engine.remaining(item_ids=[item.pk]) == {item.pk: 3}
    assert not FlashPurchase.objects.exists()


def test_someone_elses_address_fails_the_redis_ticket_and_returns_the_unit_once(
    redis_engine, shop, buyer_api, committed
):
    # The Redis purchase does no database round trip: the order task checks the address.
    _, item = committed(selling_session, shop["sku_id"], units=3, limit=1)
    other = client_for(make_user())
    response = committed(buy, buyer_api, item.pk, real_address(other))
    assert response.status_code == 202, response.json()
    ticket_no = response.json()["ticket_no"]

    ticket = ok(buyer_api.get(f"/api/v1/flash-tickets/{ticket_no}"))
    assert (ticket["state"], ticket["failure_code"], ticket["order_no"]) == (
        "failed",
        "address_invalid",
        "",
    )
    assert redis_engine.remaining(item_ids=[item.pk]) == {item.pk: 3}
    assert redis_engine.queued_ticket(item_id=item.pk, ticket_no=ticket_no) is None
    _returned_twice_adds_one(
        redis_engine,
        item,
        ticket_no,
        lambda: committed(services.purchase_order_create, ticket_no=ticket_no),
    )
    assert committed(services.purchases_reconcile).returns_replayed == 0
    assert redis_engine.remaining(item_ids=[item.pk]) == {item.pk: 3}
    # The buyer's count went back too: they may buy again with their own address.
    assert committed(buy, buyer_api, item.pk, real_address(buyer_api)).status_code == 202


def test_a_redis_ticket_is_queued_until_the_order_task_writes_it(
    redis_engine, shop, buyer, buyer_api, address_id, django_assert_num_queries
):
    _, item = selling_session(shop["sku_id"], units=3)
    token = ok(buyer_api.get(f"/api/v1/flash-items/{item.pk}/purchase-token"))["token"]
    with django_assert_num_queries(0):  # the purchase itself reads and writes no table
        response = buyer_api.post(
            f"/api/v1/flash-items/{item.pk}/purchase",
            {"token": token, "address_id": address_id},
            format="json",
        )
    assert response.status_code == 202, response.json()
    ticket_no = response.json()["ticket_no"]
    assert not FlashPurchase.objects.exists()
    assert ok(buyer_api.get(f"/api/v1/flash-tickets/{ticket_no}"))["state"] == "pending"
    assert client_for(make_user()).get(f"/api/v1/flash-tickets/{ticket_no}").status_code == 404

    assert services.purchase_order_create(ticket_no=ticket_no) == "ordered"
    assert ok(buyer_api.get(f"/api/v1/flash-tickets/{ticket_no}"))["state"] == "ordered"
    purchase = FlashPurchase.objects.get(ticket_no=ticket_no)
    assert (purchase.user_id, purchase.address_id) == (buyer.pk, address_id)


def test_anonymous_cannot_buy(engine, shop, client):
    _, item = selling_session(shop["sku_id"])
    assert client.get(f"/api/v1/flash-items/{item.pk}/purchase-token").status_code == 401
    assert client.post(f"/api/v1/flash-items/{item.pk}/purchase", {}).status_code == 401


def test_no_token_before_the_lead_time(engine, shop, buyer_api, settings):
    settings.FLASHSALE_TOKEN_LEAD_SECONDS = 60
    _, item = selling_session(shop["sku_id"], starts_in=600)
    response = buyer_api.get(f"/api/v1/flash-items/{item.pk}/purchase-token")
    assert (response.status_code, error_code(response)) == (409, "sale_not_open")


def test_refusals_limit_sold_out_and_not_started(engine, shop, address_id, buyer_api, settings):
    _, item = selling_session(shop["sku_id"], units=2, limit=1)
    assert buy(buyer_api, item.pk, address_id).status_code == 202
    limited = buy(buyer_api, item.pk, address_id)
    assert (limited.status_code, error_code(limited)) == (409, "limit_reached")

    second = client_for(make_user())
    assert buy(second, item.pk, real_address(second)).status_code == 202
    third = client_for(make_user())
    sold_out = buy(third, item.pk, real_address(third))
    assert (sold_out.status_code, error_code(sold_out)) == (409, "sold_out")
    assert engine.remaining(item_ids=[item.pk]) == {item.pk: 0}

    settings.FLASHSALE_TOKEN_LEAD_SECONDS = 600
    _, later = selling_session(shop["sku_id"], units=2, starts_in=300)
    early = buy(third, later.pk, real_address(third))
    assert (early.status_code, error_code(early)) == (409, "sale_not_started")


def test_more_than_the_limit_at_once_is_refused(engine, shop, buyer_api, address_id):
    _, item = selling_session(shop["sku_id"], units=5, limit=2)
    too_many = buy(buyer_api, item.pk, address_id, quantity=3)
    assert error_code(too_many) == "limit_reached"
    assert buy(buyer_api, item.pk, address_id, quantity=2).status_code == 202


def test_risk_refusal_takes_nothing(engine, shop, buyer_api, address_id):
    _, item = selling_session(shop["sku_id"], units=5)
    with use_adapter("RISK_CHECKER", RefuseEverything()):
        response = buy(buyer_api, item.pk, address_id)
    assert (response.status_code, error_code(response)) == (403, "risk_refused")
    assert engine.remaining(item_ids=[item.pk]) == {item.pk: 5}
    assert not FlashPurchase.objects.exists()


def test_purchases_are_rate_limited_per_user_and_per_ip(
    engine, shop, buyer_api, address_id, monkeypatch
):
    rates = {"flashsale_purchase_user": "2/min", "flashsale_purchase_ip": "4/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    _, item = selling_session(shop["sku_id"], units=5)
    url = f"/api/v1/flash-items/{item.pk}/purchase-token"
    assert buyer_api.get(url).status_code == 200
    assert buyer_api.get(url).status_code == 200
    throttled = buyer_api.get(url)
    assert (throttled.status_code, error_code(throttled)) == (429, "throttled")
    # Another buyer from the same IP (every request counted there): one more, then the IP's.
    other = client_for(make_user())
    assert other.get(url).status_code == 200
    assert other.get(url).status_code == 429


def _returned_twice_adds_one(engine, item, ticket_no: str, replay) -> None:
    left = engine.remaining(item_ids=[item.pk])[item.pk]
    replay()
    replay()
    assert engine.remaining(item_ids=[item.pk])[item.pk] == left
    assert engine.give_back(item_id=item.pk, ticket_no=ticket_no) == 0


def test_a_cancelled_unpaid_order_returns_its_unit_once(
    engine, shop, buyer, buyer_api, address_id, committed
):
    _, item = committed(selling_session, shop["sku_id"], units=3, limit=1)
    ticket_no = committed(buy, buyer_api, item.pk, address_id).json()["ticket_no"]
    purchase = FlashPurchase.objects.get(ticket_no=ticket_no)
    assert engine.remaining(item_ids=[item.pk]) == {item.pk: 2}

    cancelled = committed(
        buyer_api.post, f"/api/v1/orders/{purchase.order_no}/cancel", {}, format="json"
    )
    assert cancelled.status_code == 200, cancelled.json()

    purchase.refresh_from_db()
    assert (purchase.status, purchase.failure_code) == ("returned", "order_cancelled")
    assert engine.remaining(item_ids=[item.pk]) == {item.pk: 3}
    # Replays: the handler again (as a redelivery would), the service, the engine.
    event = OrderCancelled(
        order_no=purchase.order_no,
        trade_no="T",
        buyer_id=buyer.pk,
        merchant_id=shop["merchant_id"],
        actor="x",
        reason="r",
        lines=(),
        source="flashsale",
        source_ref=ticket_no,
        stock_mode="preallocated",
    )
    _returned_twice_adds_one(
        engine, item, ticket_no, lambda: committed(handlers.order_cancelled_return_unit, event)
    )
    assert committed(services.purchase_return, ticket_no=ticket_no, reason="x") is False
    # The buyer may buy again: their count went back too.
    assert committed(buy, buyer_api, item.pk, address_id).status_code == 202


def test_a_refused_order_returns_the_unit_once(
    engine, shop, buyer_api, address_id, committed, monkeypatch
):
    _, item = committed(selling_session, shop["sku_id"], units=3)

    def refuse(**kwargs):
        raise ValidationFailed("no", code="not_deliverable")

    monkeypatch.setattr(ordering_api, "place_special_order", refuse)
    ticket_no = committed(buy, buyer_api, item.pk, address_id).json()["ticket_no"]

    ticket = ok(buyer_api.get(f"/api/v1/flash-tickets/{ticket_no}"))
    assert (ticket["state"], ticket["failure_code"], ticket["order_no"]) == (
        "failed",
        "not_deliverable",
        "",
    )
    assert engine.remaining(item_ids=[item.pk]) == {item.pk: 3}
    _returned_twice_adds_one(
        engine,
        item,
        ticket_no,
        lambda: committed(services.purchase_order_create, ticket_no=ticket_no),
    )


def test_the_order_task_runs_once_per_ticket(engine, shop, buyer_api, address_id, committed):
    _, item = committed(selling_session, shop["sku_id"], units=3)
    ticket_no = committed(buy, buyer_api, item.pk, address_id).json()["ticket_no"]
    order_no = FlashPurchase.objects.get(ticket_no=ticket_no).order_no

    assert committed(services.purchase_order_create, ticket_no=ticket_no) == "ordered"
    assert FlashPurchase.objects.get(ticket_no=ticket_no).order_no == order_no


def test_an_ended_session_settles_sold_units_and_returns_the_rest(
    engine, shop, buyer_api, address_id, committed
):
    before = available(shop["sku_id"])
    _, item = committed(selling_session, shop["sku_id"], units=5, limit=2)
    ticket_no = committed(buy, buyer_api, item.pk, address_id, quantity=2).json()["ticket_no"]
    purchase = FlashPurchase.objects.get(ticket_no=ticket_no)
    trade_no = ordering_api.get_order(purchase.order_no).trade_no
    committed(
        ordering_api.mark_trade_paid, trade_no=trade_no, paid_amount=D("25.80"), payment_ref="P1"
    )
    assert FlashPurchase.objects.get(ticket_no=ticket_no).status == "paid"
    on_hand = inventory_api.availability(sku_ids=[shop["sku_id"]])[shop["sku_id"]].on_hand

    later = timezone.now() + timedelta(hours=2)
    assert services.sessions_end_due(now=later) == 1
    assert committed(services.items_settle_due) == 1
    assert committed(services.items_settle_due) == 0  # safe to run again

    item.refresh_from_db()
    assert (item.status, item.sold_units) == ("settled", 2)
    figures = inventory_api.availability(sku_ids=[shop["sku_id"]])[shop["sku_id"]]
    assert figures.on_hand == on_hand - 2
    assert figures.available == before - 2
    assert engine.remaining(item_ids=[item.pk]) in ({item.pk: None}, {item.pk: 0})


def test_settlement_waits_for_orders_awaiting_payment(
    engine, shop, buyer_api, address_id, committed
):
    _, item = committed(selling_session, shop["sku_id"], units=5)
    committed(buy, buyer_api, item.pk, address_id)
    services.sessions_end_due(now=timezone.now() + timedelta(hours=2))
    assert committed(services.items_settle_due) == 0
    assert FlashItem.objects.get(pk=item.pk).status == "scheduled"


def test_cancelling_a_scheduled_session_returns_the_allotment(engine, shop, committed):
    before = available(shop["sku_id"])
    session, item = committed(selling_session, shop["sku_id"], units=7, starts_in=3600)
    assert available(shop["sku_id"]) == before - 7

    committed(services.session_cancel, session_id=session.pk, principal=SYSTEM)

    assert available(shop["sku_id"]) == before
    assert FlashItem.objects.get(pk=item.pk).status == "cancelled"
    started, _ = committed(selling_session, shop["sku_id"], units=1)
    with pytest.raises(Conflict) as error:
        services.session_cancel(session_id=started.pk, principal=SYSTEM)
    assert error.value.code == "session_started"
