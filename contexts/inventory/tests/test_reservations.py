"""Reserve, release, commit, restore through the public api: math, idempotency, all-or-nothing,
warehouse choice, ledger rows and events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from contexts.inventory import api as inventory_api
from contexts.inventory.models import Reservation, StockLedgerEntry
from contexts.inventory.tests.support import events, levels, request, stock, warehouse
from shared.errors import BusinessRuleViolation, ValidationFailed

pytestmark = pytest.mark.django_db

CHANGED = "inventory.stock.changed.v1"


def ledger(operation: str) -> list[StockLedgerEntry]:
    return list(StockLedgerEntry.objects.filter(operation=operation).order_by("id"))


def test_reserve_holds_units_until_the_default_ttl(settings):
    settings.INVENTORY_RESERVATION_TTL_SECONDS = 600
    record = stock(1, 10)
    before = timezone.now()
    (held,) = inventory_api.reserve(requests=[request("SO-1", (1, 3))])
    assert levels(record) == (10, 3)
    assert held.order_ref == "SO-1"
    assert held.lines == (
        inventory_api.ReservedLine(sku_id=1, warehouse_id=record.warehouse_id, quantity=3),
    )
    assert (
        before + timedelta(seconds=600)
        <= held.expires_at
        <= timezone.now() + timedelta(seconds=600)
    )
    row = Reservation.objects.get()
    assert (row.status, row.quantity, row.stock_id) == ("held", 3, record.pk)
    (entry,) = ledger("reserve")
    assert (entry.ref, entry.delta, entry.actor) == ("SO-1", 3, "system")
    assert (entry.on_hand_before, entry.on_hand_after) == (10, 10)
    assert (entry.reserved_before, entry.reserved_after) == (0, 3)
    assert events(CHANGED)[-1] == {
        "sku_id": 1,
        "warehouse_id": record.warehouse_id,
        "on_hand": 10,
        "reserved": 3,
        "available": 7,
        "sku_available": 7,
        "operation": "reserve",
        "ref": "SO-1",
    }
    assert inventory_api.availability(sku_ids=[1])[1].available == 7


def test_reserve_is_all_or_nothing_across_requests_and_lines():
    a, b = stock(1, 10), stock(2, 2)
    with pytest.raises(BusinessRuleViolation) as error:
        inventory_api.reserve(
            requests=[request("SO-1", (1, 4)), request("SO-2", (1, 4), (2, 3))], ttl_seconds=60
        )
    assert error.value.code == "out_of_stock"
    assert error.value.status_code == 422
    assert error.value.details == {"skus": [{"sku_id": 2, "requested": 3, "available": 2}]}
    assert levels(a) == (10, 0) and levels(b) == (2, 0)
    assert not Reservation.objects.exists()
    assert not StockLedgerEntry.objects.exists()
    assert events(CHANGED) == []


def test_shortage_counts_every_line_of_the_sku_in_the_call_and_unknown_skus():
    stock(1, 5)
    with pytest.raises(BusinessRuleViolation) as error:
        inventory_api.reserve(requests=[request("SO-1", (1, 3)), request("SO-2", (1, 3), (77, 1))])
    assert error.value.details["skus"] == [
        {"sku_id": 1, "requested": 6, "available": 5},
        {"sku_id": 77, "requested": 1, "available": 0},
    ]


def test_repeated_lines_of_one_order_are_merged():
    record = stock(1, 10)
    (held,) = inventory_api.reserve(requests=[request("SO-1", (1, 2), (1, 3))])
    assert [line.quantity for line in held.lines] == [5]
    assert levels(record) == (10, 5)


@pytest.mark.parametrize(
    "bad",
    [
        request("", (1, 1)),
        request("SO-1", (1, 0)),
        request("SO-1", (1, -2)),
        request("x" * 65, (1, 1)),
    ],
)
def test_invalid_requests_are_refused(bad):
    stock(1, 10)
    with pytest.raises(ValidationFailed):
        inventory_api.reserve(requests=[bad])
    with pytest.raises(ValidationFailed):
        inventory_api.reserve(requests=[request("SO-1", (1, 1))], ttl_seconds=0)


def test_reserve_again_for_the_same_order_and_sku_changes_nothing():
    record = stock(1, 10)
    first = inventory_api.reserve(requests=[request("SO-1", (1, 3))])
    again = inventory_api.reserve(requests=[request("SO-1", (1, 5))])
    assert again == first
    assert levels(record) == (10, 3)
    assert Reservation.objects.count() == 1
    assert len(ledger("reserve")) == 1


def test_reserve_again_adds_only_the_skus_new_to_the_order():
    one, two = stock(1, 10), stock(2, 10)
    inventory_api.reserve(requests=[request("SO-1", (1, 3))])
    (held,) = inventory_api.reserve(requests=[request("SO-1", (1, 3), (2, 4))])
    assert sorted((line.sku_id, line.quantity) for line in held.lines) == [(1, 3), (2, 4)]
    assert levels(one) == (10, 3) and levels(two) == (10, 4)
    assert len(ledger("reserve")) == 2


def test_warehouse_in_the_buyers_province_is_used_first():
    beijing = warehouse(1, code="BJ", province_code="110000")
    shanghai = warehouse(1, code="SH", province_code="310000")
    bj, sh = stock(1, 5, at=beijing), stock(1, 50, at=shanghai)
    (held,) = inventory_api.reserve(requests=[request("SO-1", (1, 4))], region_code="110105")
    assert [line.warehouse_id for line in held.lines] == [beijing.pk]
    (held,) = inventory_api.reserve(requests=[request("SO-2", (1, 4))], region_code="440300")
    assert [line.warehouse_id for line in held.lines] == [shanghai.pk]
    assert levels(bj) == (5, 4) and levels(sh) == (50, 4)


def test_a_line_no_single_warehouse_can_ship_is_split():
    first = warehouse(1, code="A", priority=1)
    second = warehouse(1, code="B", priority=2)
    a, b = stock(1, 6, at=first), stock(1, 5, at=second)
    (held,) = inventory_api.reserve(requests=[request("SO-1", (1, 9))])
    assert sorted((line.warehouse_id, line.quantity) for line in held.lines) == [
        (first.pk, 6),
        (second.pk, 3),
    ]
    assert levels(a) == (6, 6) and levels(b) == (5, 3)
    assert Reservation.objects.filter(order_ref="SO-1").count() == 2
    inventory_api.commit(order_refs=["SO-1"])
    assert levels(a) == (0, 0) and levels(b) == (2, 0)


def test_inactive_warehouses_are_not_used():
    stock(1, 50, at=warehouse(1, code="OFF", is_active=False))
    with pytest.raises(BusinessRuleViolation):
        inventory_api.reserve(requests=[request("SO-1", (1, 1))])
    assert inventory_api.availability(sku_ids=[1])[1] == inventory_api.SkuAvailability(
        sku_id=1, on_hand=0, reserved=0, available=0
    )


def test_release_returns_units_once():
    record = stock(1, 10)
    inventory_api.reserve(requests=[request("SO-1", (1, 4))])
    inventory_api.release(order_refs=["SO-1"], reason="buyer cancelled")
    assert levels(record) == (10, 0)
    inventory_api.release(order_refs=["SO-1"])
    assert levels(record) == (10, 0)
    (entry,) = ledger("release")
    assert (entry.delta, entry.reason, entry.reserved_before, entry.reserved_after) == (
        -4,
        "buyer cancelled",
        4,
        0,
    )
    assert Reservation.objects.get().status == "released"


def test_commit_deducts_on_hand_and_reserved_once():
    record = stock(1, 10)
    inventory_api.reserve(requests=[request("SO-1", (1, 4))])
    (first,) = inventory_api.commit(order_refs=["SO-1"])
    assert levels(record) == (6, 0)
    (again,) = inventory_api.commit(order_refs=["SO-1"])
    inventory_api.release(order_refs=["SO-1"])  # committed: nothing is held any more
    assert levels(record) == (6, 0)
    (entry,) = ledger("commit")
    assert (entry.delta, entry.on_hand_before, entry.on_hand_after) == (-4, 10, 6)
    assert (entry.reserved_before, entry.reserved_after) == (4, 0)
    assert ledger("release") == []
    # The second commit reports the same lines as committed, not as missing.
    assert (
        first
        == again
        == inventory_api.CommitResult(
            order_ref="SO-1",
            committed=(
                inventory_api.ReservedLine(sku_id=1, warehouse_id=record.warehouse_id, quantity=4),
            ),
            missing_sku_ids=(),
        )
    )


def test_commit_after_the_hold_was_released_deducts_nothing_and_says_so():
    a, b = stock(1, 10), stock(2, 10)
    inventory_api.reserve(requests=[request("SO-1", (1, 4))])
    inventory_api.release(order_refs=["SO-1"])
    inventory_api.reserve(requests=[request("SO-1", (2, 1))])  # still held: this one commits
    (result,) = inventory_api.commit(order_refs=["SO-1"])
    assert levels(a) == (10, 0) and levels(b) == (9, 0)
    assert Reservation.objects.get(sku_id=1).status == "released"
    assert result.missing_sku_ids == (1,)
    assert result.committed == (
        inventory_api.ReservedLine(sku_id=2, warehouse_id=b.warehouse_id, quantity=1),
    )
    assert [e.sku_id for e in ledger("commit")] == [2]


def test_commit_of_an_unknown_order_commits_and_misses_nothing():
    assert inventory_api.commit(order_refs=["SO-NONE"]) == (
        inventory_api.CommitResult(order_ref="SO-NONE", committed=(), missing_sku_ids=()),
    )


def test_renew_released_holds_the_released_units_again_then_commit_takes_them():
    record = stock(1, 10)
    inventory_api.reserve(requests=[request("SO-1", (1, 4))], ttl_seconds=60)
    inventory_api.release(order_refs=["SO-1"], reason="reservation expired")
    # Without the flag a reserve of a known (order, SKU) changes nothing, even when released.
    inventory_api.reserve(requests=[request("SO-1", (1, 4))])
    assert levels(record) == (10, 0)

    (held,) = inventory_api.reserve(
        requests=[request("SO-1", (1, 4))], ttl_seconds=600, renew_released=True
    )
    assert levels(record) == (10, 4)
    assert held.lines == (
        inventory_api.ReservedLine(sku_id=1, warehouse_id=record.warehouse_id, quantity=4),
    )
    assert list(Reservation.objects.values_list("status", "quantity")) == [("held", 4)]
    assert ledger("reserve")[-1].reason == "held again for a late payment"
    (result,) = inventory_api.commit(order_refs=["SO-1"])
    assert levels(record) == (6, 0)
    assert (result.missing_sku_ids, [line.quantity for line in result.committed]) == ((), [4])
    # Renewing what is already committed holds nothing more.
    inventory_api.reserve(requests=[request("SO-1", (1, 4))], renew_released=True)
    assert levels(record) == (6, 0)


def test_renew_released_tops_up_a_split_line_elsewhere_and_is_all_or_nothing():
    first = warehouse(1, code="A", priority=1)
    second = warehouse(1, code="B", priority=2)
    a, b = stock(1, 3, at=first), stock(1, 3, at=second)
    inventory_api.reserve(requests=[request("SO-1", (1, 5))])  # A 3, B 2
    Reservation.objects.filter(warehouse_id=first.pk).update(status="released")
    a.reserved = 0
    a.save()
    inventory_api.commit(order_refs=["SO-1"])  # B's 2 units are deducted, A's 3 are missing
    assert levels(b) == (1, 0)
    inventory_api.reserve(requests=[request("SO-2", (1, 1))])  # someone takes one of A's

    with pytest.raises(BusinessRuleViolation) as error:
        inventory_api.reserve(requests=[request("SO-1", (1, 5))], renew_released=True)
    assert error.value.details == {"skus": [{"sku_id": 1, "requested": 3, "available": 3}]}
    assert levels(a) == (3, 1)
    assert Reservation.objects.filter(order_ref="SO-1", status="released").count() == 1

    inventory_api.release(order_refs=["SO-2"])
    inventory_api.reserve(requests=[request("SO-1", (1, 5))], renew_released=True)
    assert levels(a) == (3, 3) and levels(b) == (1, 0)  # never from B, where 2 are committed
    (result,) = inventory_api.commit(order_refs=["SO-1"])
    assert result.missing_sku_ids == ()
    assert sorted((line.warehouse_id, line.quantity) for line in result.committed) == [
        (first.pk, 3),
        (second.pk, 2),
    ]


def test_restore_puts_all_committed_units_back_once():
    a, b = stock(1, 10), stock(2, 10)
    inventory_api.reserve(requests=[request("SO-1", (1, 4), (2, 2))])
    inventory_api.commit(order_refs=["SO-1"])
    inventory_api.restore(order_ref="SO-1", reference="RF-1", reason="refund RF-1")
    assert levels(a) == (10, 0) and levels(b) == (10, 0)
    inventory_api.restore(order_ref="SO-1", reference="RF-1")
    inventory_api.restore(order_ref="SO-1", reference="RF-2")  # nothing committed is left
    assert levels(a) == (10, 0) and levels(b) == (10, 0)
    assert sorted((e.sku_id, e.delta, e.reason) for e in ledger("restore")) == [
        (1, 4, "refund RF-1"),
        (2, 2, "refund RF-1"),
    ]
    assert set(Reservation.objects.values_list("status", "restored_quantity")) == {
        ("restored", 4),
        ("restored", 2),
    }


def test_each_partial_return_of_one_sku_restores_its_units_and_a_replay_none():
    a, b = stock(1, 10), stock(2, 10)
    inventory_api.reserve(requests=[request("SO-1", (1, 4), (2, 2))])
    inventory_api.commit(order_refs=["SO-1"])
    line = inventory_api.ReservationLine
    inventory_api.restore(
        order_ref="SO-1",
        reference="RT-1",
        lines=[line(sku_id=1, quantity=1), line(sku_id=2, quantity=9)],
    )
    assert levels(a) == (7, 0) and levels(b) == (10, 0)  # SKU 2: capped at the 2 committed
    inventory_api.restore(order_ref="SO-1", reference="RT-1", lines=[line(sku_id=1, quantity=1)])
    assert levels(a) == (7, 0)  # a replay of RT-1 restores nothing
    inventory_api.restore(order_ref="SO-1", reference="RT-2", lines=[line(sku_id=1, quantity=2)])
    assert levels(a) == (9, 0)  # a second partial return of SKU 1 restores its units
    inventory_api.restore(order_ref="SO-1", reference="RT-3", lines=[line(sku_id=1, quantity=5)])
    assert levels(a) == (10, 0)  # never more than the 4 committed in total
    assert Reservation.objects.get(sku_id=1).restored_quantity == 4
    assert [e.delta for e in ledger("restore") if e.sku_id == 1] == [1, 2, 1]


def test_restore_needs_a_reference():
    stock(1, 10)
    inventory_api.reserve(requests=[request("SO-1", (1, 4))])
    inventory_api.commit(order_refs=["SO-1"])
    with pytest.raises(ValidationFailed):
        inventory_api.restore(order_ref="SO-1", reference=" ")


def test_restore_of_a_split_line_takes_units_from_each_warehouse_in_turn():
    first, second = warehouse(1, code="A", priority=1), warehouse(1, code="B", priority=2)
    a, b = stock(1, 6, at=first), stock(1, 5, at=second)
    inventory_api.reserve(requests=[request("SO-1", (1, 9))])
    inventory_api.commit(order_refs=["SO-1"])
    inventory_api.restore(
        order_ref="SO-1",
        reference="RT-1",
        lines=[inventory_api.ReservationLine(sku_id=1, quantity=8)],
    )
    assert levels(a) == (6, 0) and levels(b) == (4, 0)


def test_restore_before_payment_changes_nothing():
    record = stock(1, 10)
    inventory_api.reserve(requests=[request("SO-1", (1, 4))])
    inventory_api.restore(order_ref="SO-1", reference="RF-1")
    assert levels(record) == (10, 4)


def test_reserve_joins_the_callers_transaction():
    record = stock(1, 10)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        inventory_api.reserve(requests=[request("SO-1", (1, 4))])
        assert levels(record) == (10, 4)
        raise Abort
    assert levels(record) == (10, 0)
    assert not Reservation.objects.exists()


def test_a_shortage_inside_the_callers_transaction_leaves_its_other_writes_alone():
    record = stock(1, 1)
    with transaction.atomic():
        inventory_api.reserve(requests=[request("SO-1", (1, 1))])
        with pytest.raises(BusinessRuleViolation):
            inventory_api.reserve(requests=[request("SO-2", (1, 1))])
    assert levels(record) == (1, 1)


def test_availability_sums_active_warehouses_and_knows_every_requested_sku():
    stock(1, 10, reserved=4)
    stock(1, 5, at=warehouse(1, code="B"), reserved=5)
    result = inventory_api.availability(sku_ids=[1, 2])
    assert result == {
        1: inventory_api.SkuAvailability(sku_id=1, on_hand=15, reserved=9, available=6),
        2: inventory_api.SkuAvailability(sku_id=2, on_hand=0, reserved=0, available=0),
    }


def test_settle_deducts_the_sold_units_and_releases_the_rest_once():
    # An activity's allotment split over two warehouses: 3 + 4 held under one ref.
    a = stock(1, 3)
    b = stock(1, 5, at=warehouse(code="WH-B"))
    inventory_api.reserve(requests=[request("FS-ITEM-1", (1, 7))], ttl_seconds=3600)
    assert levels(a)[1] + levels(b)[1] == 7

    assert inventory_api.settle(order_ref="FS-ITEM-1", sold=5) == (5, 2)
    assert levels(a)[0] + levels(b)[0] == 8 - 5
    assert levels(a)[1] + levels(b)[1] == 0
    assert sum(-e.delta for e in ledger("commit")) == 5
    assert sum(-e.delta for e in ledger("release")) == 2
    assert inventory_api.availability(sku_ids=[1])[1].available == 3

    # Replayed: nothing held any more, nothing changes.
    assert inventory_api.settle(order_ref="FS-ITEM-1", sold=5) == (0, 0)
    assert levels(a)[0] + levels(b)[0] == 3
    assert len(ledger("commit")) + len(ledger("release")) == 2


def test_settle_refuses_more_sold_than_held_and_writes_nothing():
    record = stock(1, 10)
    inventory_api.reserve(requests=[request("FS-ITEM-2", (1, 4))], ttl_seconds=3600)
    with pytest.raises(ValidationFailed):
        inventory_api.settle(order_ref="FS-ITEM-2", sold=5)
    assert levels(record) == (10, 4)
    assert inventory_api.settle(order_ref="FS-ITEM-2", sold=0) == (0, 4)
    assert levels(record) == (10, 0)
