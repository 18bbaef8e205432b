"""Never oversell: real threads against MariaDB.

Each thread runs the public api in its own connection and transaction, all started together by a
barrier. What must hold afterwards: reserved never exceeds on hand on any row, the units reserved
equal the units of successful reservations, one ledger row per reservation row, and no deadlock
or lock timeout reaches a caller (only out_of_stock refusals).
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from contexts.inventory import api as inventory_api
from contexts.inventory import services
from contexts.inventory.models import Reservation, StockLedgerEntry, StockRecord
from contexts.inventory.tests.support import request, run_together, stock, warehouse
from shared.auth import SYSTEM
from shared.errors import BusinessRuleViolation
from shared.events.models import OutboxEvent

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("mariadb_max_connections"),
]

THREADS = 200


@pytest.fixture(autouse=True)
def _no_relay_in_threads(settings):
    # Only inventory's own work runs in the threads; relaying the outbox is another suite's test.
    settings.EVENTS_RELAY_ON_COMMIT = False


def split(results) -> tuple[list, list]:
    """(successful values, refusals); any other error fails the test with its repr."""
    ok = [value for status, value in results if status == "ok"]
    errors = [value for status, value in results if status == "error"]
    unexpected = [
        e for e in errors if not (isinstance(e, BusinessRuleViolation) and e.code == "out_of_stock")
    ]
    assert not unexpected, unexpected[:3]
    return ok, errors


def assert_rows_consistent() -> None:
    for record in StockRecord.objects.all():
        assert 0 <= record.reserved <= record.on_hand, record
        held = (
            Reservation.objects.filter(stock=record, status="held").aggregate(n=Sum("quantity"))[
                "n"
            ]
            or 0
        )
        assert record.reserved == held, record


def test_200_threads_buying_the_last_50_units_of_one_sku():
    record = stock(1, 50)

    def buy(i: int):
        return inventory_api.reserve(requests=[request(f"SO-{i}", (1, 1))])

    ok, refused = split(run_together(THREADS, buy))

    assert len(ok) == 50
    assert len(refused) == THREADS - 50
    record.refresh_from_db()
    assert (record.on_hand, record.reserved) == (50, 50)
    assert Reservation.objects.count() == 50
    assert StockLedgerEntry.objects.filter(operation="reserve").count() == 50
    assert OutboxEvent.objects.filter(event_type="inventory.stock.changed.v1").count() == 50
    assert sorted(r[0].order_ref for r in ok) == sorted(
        Reservation.objects.values_list("order_ref", flat=True)
    )


def test_200_threads_reserving_overlapping_sku_sets_in_random_order():
    # SKUs 1-3 in one warehouse each, SKUs 4-5 spread over two (lines may split).
    other = warehouse(1, code="SECOND", province_code="310000")
    initial = {}
    for sku_id in range(1, 6):
        initial[sku_id] = 120
        stock(sku_id, 120 if sku_id <= 3 else 70)
        if sku_id > 3:
            stock(sku_id, 50, at=other)
    plans = []
    rng = random.Random(20240601)
    for i in range(THREADS):
        skus = rng.sample(range(1, 6), rng.choice((2, 3)))  # random subset, random order
        plans.append([(sku_id, rng.randint(1, 3)) for sku_id in skus])

    def buy(i: int):
        return inventory_api.reserve(
            requests=[request(f"SO-{i}", *plans[i])], region_code=rng.choice(("110000", ""))
        )

    ok, refused = split(run_together(THREADS, buy))

    assert ok and refused, "the stock is sized so that some succeed and some are refused"
    assert_rows_consistent()
    reserved_units: Counter = Counter()
    for (held,) in ok:
        for line in held.lines:
            reserved_units[line.sku_id] += line.quantity
    wanted_units: Counter = Counter()
    for (held,) in ok:
        for sku_id, quantity in plans[int(held.order_ref.split("-")[1])]:
            wanted_units[sku_id] += quantity
    assert reserved_units == wanted_units
    for sku_id in range(1, 6):
        totals = StockRecord.objects.filter(sku_id=sku_id).aggregate(
            on_hand=Sum("on_hand"), reserved=Sum("reserved")
        )
        assert totals["on_hand"] == initial[sku_id]
        assert totals["reserved"] == reserved_units[sku_id] <= initial[sku_id]
    reservation_rows = Reservation.objects.count()
    assert reservation_rows == sum(len(held.lines) for (held,) in ok)
    assert StockLedgerEntry.objects.filter(operation="reserve").count() == reservation_rows


def test_reserve_release_and_commit_racing_each_other():
    record = stock(1, 400)
    inventory_api.reserve(requests=[request(f"OLD-{i}", (1, 1)) for i in range(150)])

    def act(i: int):
        # Two threads at once commit each of OLD-0..49 and release each of OLD-50..74
        # (idempotency under concurrency) while 50 new orders reserve 4 units each.
        if i < 100:
            inventory_api.commit(order_refs=[f"OLD-{i % 50}"])
        elif i < 150:
            inventory_api.release(order_refs=[f"OLD-{50 + i % 25}"])
        else:
            inventory_api.reserve(requests=[request(f"NEW-{i}", (1, 4))])
        return i

    _, refused = split(run_together(THREADS, act))

    assert not refused  # sized so that every interleaving fits
    record.refresh_from_db()
    assert record.on_hand == 400 - 50
    assert record.reserved == 75 + 50 * 4  # OLD-75..149 still held, and the new orders
    assert_rows_consistent()
    assert StockLedgerEntry.objects.filter(operation="commit").count() == 50
    assert StockLedgerEntry.objects.filter(operation="release").count() == 25
    assert StockLedgerEntry.objects.filter(operation="reserve").count() == 150 + 50


def test_concurrent_expiry_runs_release_each_hold_exactly_once():
    record = stock(1, 1000)
    inventory_api.reserve(requests=[request(f"SO-{i}", (1, 2)) for i in range(300)])
    Reservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    results = run_together(8, lambda i: services.reservations_release_expired(batch_size=25))

    released = [value for status, value in results if status == "ok"]
    assert len(released) == 8, results
    assert sum(released) == 300
    record.refresh_from_db()
    assert record.reserved == 0
    assert StockLedgerEntry.objects.filter(operation="release").count() == 300
    assert not Reservation.objects.filter(status="held").exists()


def test_concurrent_first_inbound_of_a_sku_creates_one_record(catalog):
    catalog.add_skus(1, 9)
    wh = warehouse(1)

    results = run_together(
        50,
        lambda i: (
            services.stock_inbound(principal=SYSTEM, warehouse_id=wh.pk, sku_id=9, quantity=2).pk
        ),
    )

    ok, _ = split(results)
    assert len(set(ok)) == 1
    record = StockRecord.objects.get(sku_id=9)
    assert record.on_hand == 100
    assert StockLedgerEntry.objects.filter(operation="inbound").count() == 50


def test_concurrent_partial_returns_each_restore_their_units_once():
    record = stock(1, 100)
    inventory_api.reserve(requests=[request("SO-1", (1, 10))])
    inventory_api.commit(order_refs=["SO-1"])
    line = inventory_api.ReservationLine(sku_id=1, quantity=3)

    def act(i: int):
        # Twenty threads: returns RT-0..3 of 3 units each, every one sent five times at once.
        inventory_api.restore(order_ref="SO-1", reference=f"RT-{i % 4}", lines=[line])
        return i

    ok, refused = split(run_together(20, act))

    assert len(ok) == 20 and not refused
    record.refresh_from_db()
    # 3 + 3 + 3 + the last 1 of the 10 committed: never more than committed in total.
    assert (record.on_hand, record.reserved) == (100, 0)
    assert sorted(
        StockLedgerEntry.objects.filter(operation="restore").values_list("delta", flat=True)
    ) == [1, 3, 3, 3]
    assert Reservation.objects.get().restored_quantity == 10
