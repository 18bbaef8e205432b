"""A payment that arrives after the order's stock hold expired, with the REAL inventory context
(catalog, identity, cart and logistics are faked): the stock is never sold twice.

The hold outlives the payment window (payment timeout + a margin); when it was released anyway
(the expiry task ran before the payment, e.g. while the cancel timer lagged), paying holds the
units again if they are still free, and is refused with 409 payment_after_expiry, writing
nothing, if someone else bought them meanwhile."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.inventory import api as inventory_api
from contexts.ordering import api, services
from contexts.ordering.models import Order, OrderLog
from contexts.ordering.services import CheckoutItem
from contexts.ordering.tests.fakes import FakeWorld
from ecommerce.celery import app as celery_app
from shared.errors import Conflict
from shared.events.models import OutboxEvent
from tests.support import client_for, created

pytestmark = pytest.mark.django_db

SKU = 11
PRICE = Decimal("19.99")


@pytest.fixture
def shop(monkeypatch, staff):
    """SKU 11 of merchant 1 (fake catalog), with `stock_up(units)` putting units in a real
    warehouse through inventory's staff endpoints."""
    world = FakeWorld().install(monkeypatch, real=("inventory",))
    world.catalog.add_sku(SKU, merchant_id=1, price=str(PRICE))
    admin = client_for(staff)
    warehouse = created(
        admin.post(
            "/api/v1/admin/warehouses",
            {"merchant_id": 1, "code": "WH-1", "name": "Main", "province_code": "110000"},
            format="json",
        )
    )

    def stock_up(units: int) -> None:
        created(
            admin.post(
                "/api/v1/admin/stock/inbound",
                {"warehouse_id": warehouse["id"], "sku_id": SKU, "quantity": units, "reason": "in"},
                format="json",
            )
        )

    world.stock_up = stock_up
    return world


def buy(world: FakeWorld, user) -> Order:
    placed = services.order_place(
        buyer_id=user.pk,
        address_id=world.identity.add_address(user.pk),
        items=[CheckoutItem(sku_id=SKU, quantity=1)],
    )
    (order,) = placed.orders
    return order


def levels() -> tuple[int, int, int]:
    level = inventory_api.availability(sku_ids=[SKU])[SKU]
    return level.on_hand, level.reserved, level.available


def release_expired_holds(monkeypatch, *, after_seconds: int) -> int:
    """Run inventory's expiry task (by its scheduled name) as if `after_seconds` had passed."""
    later = timezone.now() + timedelta(seconds=after_seconds)
    celery_app.loader.import_default_modules()
    task = celery_app.tasks["inventory.release_expired_reservations"]
    with monkeypatch.context() as clock:
        clock.setattr(timezone, "now", lambda: later)
        return task.apply().get()


def pay(order: Order, ref: str = "PAY-A"):
    return api.mark_trade_paid(trade_no=order.trade.trade_no, paid_amount=PRICE, payment_ref=ref)


def test_paying_after_the_hold_expired_and_the_unit_was_sold_again_is_refused(
    shop, buyer, make_user, monkeypatch, settings
):
    shop.stock_up(1)
    order_a = buy(shop, buyer)
    assert release_expired_holds(monkeypatch, after_seconds=settings.ORDER_PAYMENT_TIMEOUT * 2) == 1
    assert levels() == (1, 0, 1)
    buy(shop, make_user())  # buyer B gets the unit A no longer holds
    before = OutboxEvent.objects.count()

    with pytest.raises(Conflict) as refused:
        pay(order_a)

    assert (refused.value.status_code, refused.value.code) == (409, "payment_after_expiry")
    assert refused.value.details == {"order_no": order_a.order_no, "sku_ids": [SKU]}
    assert levels() == (1, 1, 0)  # B's hold, not deducted for A
    order_a.refresh_from_db()
    assert (order_a.status, order_a.payment_ref, order_a.trade.paid_amount) == (
        "pending_payment",
        "",
        None,
    )
    assert OrderLog.objects.filter(order=order_a).count() == 1
    assert OutboxEvent.objects.count() == before  # no OrderPaid, no stock change


def test_paying_after_the_hold_expired_takes_the_unit_if_it_is_still_free(
    shop, buyer, monkeypatch, settings
):
    shop.stock_up(1)
    order_a = buy(shop, buyer)
    assert release_expired_holds(monkeypatch, after_seconds=settings.ORDER_PAYMENT_TIMEOUT * 2) == 1

    trade = pay(order_a)

    assert trade.status == "paid"
    assert levels() == (0, 0, 0)  # held again and deducted once
    order_a.refresh_from_db()
    assert order_a.status == "paid"
    assert OutboxEvent.objects.filter(event_type="ordering.order.paid.v1").count() == 1
    # A repeat of the payment changes nothing.
    pay(order_a)
    assert levels() == (0, 0, 0)


def test_the_hold_outlives_the_payment_window(shop, buyer, monkeypatch, settings):
    # Inventory's own default hold would expire before the payment deadline here.
    settings.INVENTORY_RESERVATION_TTL_SECONDS = 60
    settings.ORDER_PAYMENT_TIMEOUT = 600
    shop.stock_up(1)
    order_a = buy(shop, buyer)

    # Just past the deadline (the cancel timer has not run yet): the hold is still there.
    assert release_expired_holds(monkeypatch, after_seconds=601) == 0
    assert levels() == (1, 1, 0)
    pay(order_a)
    assert levels() == (0, 0, 0)
