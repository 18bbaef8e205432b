"""The beat timers: unpaid orders cancel after their deadline, delivered orders auto-confirm.
Both are safe to run repeatedly and concurrently (two runs in threads, each order once)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from contexts.inventory import api as inventory_api
from contexts.ordering import services, tasks
from contexts.ordering.models import Order, OrderLog
from contexts.ordering.services import CheckoutItem, transitions
from shared.auth import SYSTEM
from shared.events.models import OutboxEvent
from shared.testing import run_concurrently

D = Decimal


@pytest.fixture
def shop(world, buyer):
    world.sku(11, merchant_id=1, price="10.00", stock=1000)
    world.sku(21, merchant_id=2, price="20.00", stock=1000)
    world.address_id = world.identity.add_address(buyer.pk)
    return world


def place(shop, buyer, count: int = 1):
    return [
        services.order_place(
            buyer_id=buyer.pk,
            address_id=shop.address_id,
            items=[CheckoutItem(sku_id=11, quantity=1), CheckoutItem(sku_id=21, quantity=1)],
        )
        for _ in range(count)
    ]


def expire(placed) -> None:
    past = timezone.now() - timedelta(seconds=1)
    Order.objects.filter(trade__in=[p.trade for p in placed]).update(payment_deadline=past)


def deliver(placed, staff, *, days_ago: float) -> None:
    for p in placed:
        services.order_mark_paid(
            trade_no=p.trade.trade_no, paid_amount=p.trade.pay_amount, payment_ref=p.trade.trade_no
        )
        for order in p.orders:
            services.order_ship(
                principal=SYSTEM,
                order_no=order.order_no,
                actor_id=staff.pk,
                carrier_code="SF",
                tracking_number=f"SF{order.order_no}",
            )
            services.order_deliver(principal=SYSTEM, order_no=order.order_no, actor_id=staff.pk)
    Order.objects.filter(trade__in=[p.trade for p in placed]).update(
        delivered_at=timezone.now() - timedelta(days=days_ago)
    )


@pytest.mark.django_db
def test_unpaid_orders_past_their_deadline_are_cancelled(shop, buyer):
    due, fresh = place(shop, buyer), place(shop, buyer)
    expire(due)
    paid = place(shop, buyer)
    expire(paid)
    services.order_mark_paid(
        trade_no=paid[0].trade.trade_no, paid_amount=D("30.00"), payment_ref="P"
    )

    assert tasks.cancel_unpaid_orders() == 2
    assert tasks.cancel_unpaid_orders() == 0

    statuses = dict(Order.objects.values_list("trade__trade_no", "status").distinct())
    assert statuses[due[0].trade.trade_no] == "cancelled"
    assert statuses[fresh[0].trade.trade_no] == "pending_payment"
    assert statuses[paid[0].trade.trade_no] == "paid"
    cancelled = Order.objects.filter(status="cancelled")
    assert sorted(shop.inventory.released) == sorted(
        (o.order_no, "payment_timeout") for o in cancelled
    )
    assert set(OrderLog.objects.filter(to_status="cancelled").values_list("actor", "reason")) == {
        ("system", "payment_timeout")
    }
    events = OutboxEvent.objects.filter(event_type="ordering.order.cancelled.v1")
    assert {e.payload["reason"] for e in events} == {"payment_timeout"}
    assert events.count() == 2
    due[0].trade.refresh_from_db()
    assert due[0].trade.status == "closed"


@pytest.mark.django_db
def test_the_deadline_follows_the_payment_timeout_setting(shop, buyer, settings):
    settings.ORDER_PAYMENT_TIMEOUT = 60
    (placed,) = place(shop, buyer)

    assert services.orders_cancel_unpaid(now=timezone.now() + timedelta(seconds=59)) == 0
    assert services.orders_cancel_unpaid(now=timezone.now() + timedelta(seconds=61)) == 2
    assert placed.trade.payment_deadline - placed.trade.created_at == timedelta(seconds=60)


@pytest.mark.django_db
def test_one_failing_trade_does_not_stop_the_others(shop, buyer, monkeypatch):
    placed = place(shop, buyer, 2)
    expire(placed)
    doomed = placed[0].orders[0].order_no
    release = inventory_api.release

    def flaky_release(*, order_refs, reason=""):
        if doomed in order_refs:
            raise RuntimeError("inventory is down")
        release(order_refs=order_refs, reason=reason)

    monkeypatch.setattr(inventory_api, "release", flaky_release)

    assert services.orders_cancel_unpaid() == 2  # the other trade's two orders
    # The failing trade is left whole (both its orders), to be retried by the next run.
    assert set(Order.objects.filter(trade=placed[0].trade).values_list("status", flat=True)) == {
        "pending_payment"
    }
    assert not OrderLog.objects.filter(order__trade=placed[0].trade, to_status="cancelled").exists()
    assert set(Order.objects.filter(trade=placed[1].trade).values_list("status", flat=True)) == {
        "cancelled"
    }


@pytest.mark.django_db
def test_delivered_orders_complete_after_the_confirmation_window(shop, buyer, staff):
    old = place(shop, buyer)
    deliver(old, staff, days_ago=settings.ORDER_AUTO_CONFIRM_DAYS + 0.1)
    recent = place(shop, buyer)
    deliver(recent, staff, days_ago=settings.ORDER_AUTO_CONFIRM_DAYS - 0.1)

    assert tasks.auto_confirm_delivered_orders() == 2
    assert tasks.auto_confirm_delivered_orders() == 0

    completed = Order.objects.filter(status="completed")
    assert {o.trade_id for o in completed} == {old[0].trade.pk}
    assert Order.objects.filter(trade=recent[0].trade, status="delivered").count() == 2
    assert set(OrderLog.objects.filter(to_status="completed").values_list("actor", "reason")) == {
        ("system", "auto_confirm")
    }
    assert OutboxEvent.objects.filter(event_type="ordering.order.completed.v1").count() == 2


@pytest.mark.django_db
def test_auto_confirm_clears_a_backlog_larger_than_its_batch_in_one_run(shop, buyer, staff):
    placed = place(shop, buyer, 4)  # 8 orders, more than two batches of 3
    deliver(placed, staff, days_ago=settings.ORDER_AUTO_CONFIRM_DAYS + 1)

    assert services.orders_auto_confirm(batch_size=3) == 8
    assert Order.objects.filter(status="completed").count() == 8


@pytest.mark.django_db
def test_one_failing_auto_confirmation_does_not_stop_the_others(shop, buyer, staff, monkeypatch):
    placed = place(shop, buyer)
    deliver(placed, staff, days_ago=settings.ORDER_AUTO_CONFIRM_DAYS + 1)
    doomed = placed[0].orders[0].order_no
    publish = transitions.publish

    def flaky_publish(event):
        if getattr(event, "order_no", None) == doomed:
            raise RuntimeError("outbox unavailable")
        publish(event)

    monkeypatch.setattr(transitions, "publish", flaky_publish)

    assert services.orders_auto_confirm() == 1
    assert Order.objects.get(order_no=doomed).status == "delivered"


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_two_concurrent_cancel_runs_cancel_each_order_once(shop, buyer):
    placed = place(shop, buyer, 10)
    expire(placed)

    results = run_concurrently(2, lambda n: services.orders_cancel_unpaid())

    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 20
    assert Order.objects.filter(status="cancelled").count() == 20
    assert OrderLog.objects.filter(to_status="cancelled").count() == 20
    assert OutboxEvent.objects.filter(event_type="ordering.order.cancelled.v1").count() == 20


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_two_concurrent_auto_confirm_runs_complete_each_order_once(shop, buyer, staff):
    placed = place(shop, buyer, 10)
    deliver(placed, staff, days_ago=settings.ORDER_AUTO_CONFIRM_DAYS + 1)

    results = run_concurrently(2, lambda n: services.orders_auto_confirm())

    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 20
    assert OrderLog.objects.filter(to_status="completed").count() == 20
    assert OutboxEvent.objects.filter(event_type="ordering.order.completed.v1").count() == 20
