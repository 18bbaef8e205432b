"""Two-shop trades paid and cancelled while two-shop checkouts of the same SKUs run, with every
context real (inventory included) and real threads against MariaDB.

The trades are placed shop B first, so their orders (and an order-by-order commit or release)
take B's stock row before A's, the reverse of a checkout's ascending stock order: a payment or
cancel that locked stock order by order deadlocked with such a checkout. Inventory now locks a
whole trade's rows in one sorted pass: no deadlock, no 500, and the stock adds up.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from contexts.inventory.models import Reservation, StockLedgerEntry, StockRecord
from contexts.ordering import api, services
from contexts.ordering.models import Order
from contexts.ordering.tests.support import place
from shared.testing import run_concurrently
from tests.support import client_for, created, make_user, open_shop, real_address

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

UNITS = 1000
PAID, BUYER_CANCELLED, TIMED_OUT = 12, 8, 10  # the pre-placed trades, by their fate
TIMER_RUNS = 4
CHECKOUTS = 24
THREADS = PAID + BUYER_CANCELLED + TIMER_RUNS + CHECKOUTS


@pytest.fixture
def enough_connections():
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@GLOBAL.max_connections")
        (current,) = cursor.fetchone()
        if current < THREADS + 100:
            cursor.execute(f"SET GLOBAL max_connections = {THREADS + 300}")


def stock_figures() -> dict[int, tuple[int, int, int, int]]:
    """Per stock row: (on_hand, reserved, units held by reservations, units committed)."""
    figures = {}
    for row in StockRecord.objects.all():
        held = Reservation.objects.filter(stock=row, status="held").aggregate(n=Sum("quantity"))
        committed = StockLedgerEntry.objects.filter(stock=row, operation="commit").aggregate(
            n=Sum("delta")
        )
        figures[row.pk] = (row.on_hand, row.reserved, held["n"] or 0, -(committed["n"] or 0))
    return figures


def test_trades_paid_and_cancelled_while_two_shop_checkouts_run_never_deadlock(
    enough_connections, settings, caplog
):
    settings.EVENTS_RELAY_ON_COMMIT = False  # only ordering and inventory work in the threads
    admin = client_for(make_user(is_staff=True))
    shop_a = open_shop(admin, name="A", owner_id=make_user().pk, prices=["10.00"], units=UNITS)
    shop_b = open_shop(admin, name="B", owner_id=make_user().pk, prices=["20.00"], units=UNITS)
    (sku_a,), (sku_b,) = shop_a["sku_ids"], shop_b["sku_ids"]
    buyer = make_user()
    buyer_api = client_for(buyer)
    address = real_address(buyer_api)
    b_first = {
        "address_id": address,
        "items": [{"sku_id": sku_b, "quantity": 1}, {"sku_id": sku_a, "quantity": 1}],
    }
    trades = [created(place(buyer_api, b_first)) for _ in range(PAID + BUYER_CANCELLED + TIMED_OUT)]
    paid = trades[:PAID]
    buyer_cancelled = trades[PAID : PAID + BUYER_CANCELLED]
    timed_out = trades[PAID + BUYER_CANCELLED :]
    Order.objects.filter(trade__trade_no__in=[t["trade_no"] for t in timed_out]).update(
        payment_deadline=timezone.now() - timedelta(seconds=1)
    )
    shoppers = [client_for(make_user()) for _ in range(CHECKOUTS)]
    a_first = [
        {
            "address_id": real_address(client),
            "items": [{"sku_id": sku_a, "quantity": 2}, {"sku_id": sku_b, "quantity": 2}],
        }
        for client in shoppers
    ]

    def act(n: int):
        if n < PAID:
            trade_no = paid[n]["trade_no"]
            due = api.get_trade(trade_no).payable_amount
            return api.mark_trade_paid(trade_no=trade_no, paid_amount=due, payment_ref=f"P{n}")
        n -= PAID
        if n < BUYER_CANCELLED:
            client = client_for(buyer)
            return [
                client.post(f"/api/v1/orders/{order['order_no']}/cancel")
                for order in buyer_cancelled[n]["orders"]
            ]
        n -= BUYER_CANCELLED
        if n < TIMER_RUNS:
            return services.orders_cancel_unpaid()
        n -= TIMER_RUNS
        return place(shoppers[n], a_first[n])

    started = time.monotonic()
    with caplog.at_level(logging.ERROR):
        results = run_concurrently(THREADS, act)
    duration = time.monotonic() - started
    print(
        f"\n{THREADS} threads: {PAID} trades paid, {BUYER_CANCELLED} cancelled by the buyer, "
        f"{TIMED_OUT} timed out ({TIMER_RUNS} timer runs), {CHECKOUTS} two-shop checkouts, "
        f"in {duration:.2f}s"
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.records
    assert all(t.status == "paid" for t in results[:PAID])
    cancels = [r for pair in results[PAID : PAID + BUYER_CANCELLED] for r in pair]
    assert [r.status_code for r in cancels] == [200] * (2 * BUYER_CANCELLED)
    assert sum(results[PAID + BUYER_CANCELLED : PAID + BUYER_CANCELLED + TIMER_RUNS]) == (
        2 * TIMED_OUT
    )
    checkouts = results[PAID + BUYER_CANCELLED + TIMER_RUNS :]
    assert [r.status_code for r in checkouts] == [201] * CHECKOUTS
    statuses = dict(Order.objects.values_list("order_no", "status"))
    for trade, fate in [(t, "paid") for t in paid] + [
        (t, "cancelled") for t in buyer_cancelled + timed_out
    ]:
        assert {statuses[o["order_no"]] for o in trade["orders"]} == {fate}
    for on_hand, reserved, held, committed in stock_figures().values():
        assert on_hand >= 0 and reserved >= 0
        assert reserved == held == 2 * CHECKOUTS  # only the new checkouts still hold stock
        assert UNITS - on_hand == committed == PAID
