"""Real threads against MariaDB: one key places one order however many requests carry it; a
payment and a cancel of one order serialise; many buyers racing for the last units of a SKU
(the real inventory context) buy exactly those units."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from contexts.inventory import api as inventory_api
from contexts.ordering import services
from contexts.ordering.models import IdempotencyKey, Order, OrderLine, OrderLog, Trade
from contexts.ordering.services import CheckoutItem
from contexts.ordering.tests.support import place
from shared.errors import Conflict
from shared.testing import run_concurrently
from tests.support import client_for, error_code, open_shop, real_address

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

D = Decimal


@pytest.fixture
def shop(world, buyer):
    world.sku(11, merchant_id=1, price="19.99")
    world.sku(21, merchant_id=2, price="100.00")
    world.address_id = world.identity.add_address(buyer.pk)
    return world


def test_twenty_concurrent_requests_with_one_key_create_one_order(shop, buyer):
    body = {
        "address_id": shop.address_id,
        "items": [{"sku_id": 11, "quantity": 1}, {"sku_id": 21, "quantity": 1}],
    }

    responses = run_concurrently(20, lambda n: place(client_for(buyer), body, key="one-key"))

    assert all(not isinstance(r, Exception) for r in responses), responses
    assert [r.status_code for r in responses] == [201] * 20
    assert len({r.content for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 19
    assert Trade.objects.count() == 1
    assert Order.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1
    assert len(shop.inventory.reserve_calls) == 1


def test_concurrent_requests_behind_a_failing_first_holder_each_get_a_clean_answer(shop, buyer):
    # The first holder of the key rolls back (no stock): the requests queued on the key's
    # unique index then race to insert it themselves; none may surface a deadlock or a 500.
    shop.inventory.stock(21, 0)
    body = {
        "address_id": shop.address_id,
        "items": [{"sku_id": 11, "quantity": 1}, {"sku_id": 21, "quantity": 1}],
    }

    responses = run_concurrently(10, lambda n: place(client_for(buyer), body, key="doomed"))

    assert all(not isinstance(r, Exception) for r in responses), responses
    assert {(r.status_code, error_code(r)) for r in responses} == {(422, "out_of_stock")}
    assert IdempotencyKey.objects.count() == 0
    assert Trade.objects.count() == 0


def test_concurrent_pay_and_cancel_of_one_order_serialise(shop, buyer):
    rounds = [
        services.order_place(
            buyer_id=buyer.pk,
            address_id=shop.address_id,
            items=[CheckoutItem(sku_id=11, quantity=1)],
        )
        for _ in range(5)
    ]

    for placed in rounds:
        (order,) = placed.orders

        def act(n: int, placed=placed, order=order):
            if n == 0:
                return client_for(buyer).post(f"/api/v1/orders/{order.order_no}/cancel")
            try:
                services.order_mark_paid(
                    trade_no=placed.trade.trade_no, paid_amount=D("19.99"), payment_ref="P"
                )
                return "paid"
            except Conflict as exc:
                return exc.code

        cancel, payment = run_concurrently(2, act)

        final = Order.objects.get(pk=order.pk).status
        if final == "cancelled":
            assert (cancel.status_code, payment) == (200, "illegal_transition")
        else:
            assert final == "paid"
            assert payment == "paid"
            assert cancel.status_code == 409
            assert error_code(cancel) == "illegal_transition"
        # Exactly one change was logged after placing.
        assert OrderLog.objects.filter(order=order).count() == 2


# --- The last units, with the real inventory context ----------------------------------------

BUYERS = 200
UNITS = 7


@pytest.fixture
def enough_connections():
    """Every buyer thread holds its own connection: make room for them. The limit is only
    raised, never lowered, since other suites may share this server."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@GLOBAL.max_connections")
        (current,) = cursor.fetchone()
        if current < BUYERS + 100:
            cursor.execute(f"SET GLOBAL max_connections = {BUYERS + 300}")


def test_many_buyers_racing_for_the_last_units_buy_exactly_those(
    enough_connections, staff, make_user
):
    # Every context is real here: catalog, identity, cart, inventory, logistics.
    shop = open_shop(
        client_for(staff), name="A", owner_id=make_user().pk, prices=["19.99"], units=UNITS
    )
    (sku_id,) = shop["sku_ids"]
    clients = [client_for(make_user()) for _ in range(BUYERS)]
    addresses = [real_address(client) for client in clients]

    def buy(n: int):
        return place(
            clients[n], {"address_id": addresses[n], "items": [{"sku_id": sku_id, "quantity": 1}]}
        )

    responses = run_concurrently(BUYERS, buy)

    assert not [r for r in responses if isinstance(r, Exception)]
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == UNITS, sorted(set(statuses))
    losers = [r for r in responses if r.status_code != 201]
    assert {(r.status_code, error_code(r)) for r in losers} == {(422, "out_of_stock")}
    assert Order.objects.count() == UNITS
    assert OrderLine.objects.count() == UNITS
    assert IdempotencyKey.objects.count() == UNITS
    stock = inventory_api.availability(sku_ids=[sku_id])[sku_id]
    assert (stock.on_hand, stock.reserved, stock.available) == (UNITS, UNITS, 0)


def test_concurrent_parcels_of_one_order_never_ship_more_than_it_holds(shop, buyer, staff):
    """Six merchants' clicks at once, each shipping 1 of the 2 units: two parcels, no more."""
    from django.test import override_settings

    from shared.auth import SYSTEM

    placed = services.order_place(
        buyer_id=buyer.pk, address_id=shop.address_id, items=[CheckoutItem(sku_id=11, quantity=2)]
    )
    services.order_mark_paid(
        trade_no=placed.trade.trade_no, paid_amount=placed.trade.pay_amount, payment_ref="P"
    )
    number = placed.orders[0].order_no

    with override_settings(LOGISTICS_CARRIERS=["sandbox"], LOGISTICS_SANDBOX_STEP_SECONDS=3600):
        results = run_concurrently(
            6,
            lambda i: services.order_shipment_create(
                order_no=number,
                actor_id=staff.pk,
                principal=SYSTEM,
                carrier_code="sandbox",
                tracking_number=f"T{i}",
                lines={11: 1},
            ),
        )

    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 4
    assert {getattr(r, "code", r) for r in refused} == {"over_shipped"}
    assert Order.objects.get(order_no=number).status == "shipped"
    assert OrderLog.objects.filter(order__order_no=number, to_status="shipped").count() == 1
