"""Inbound, stocktake adjust and thresholds: ledger rows, events, refusals that write nothing."""

from __future__ import annotations

import pytest

from contexts.inventory import services
from contexts.inventory.models import StockLedgerEntry, StockRecord
from contexts.inventory.tests.support import events, levels, stock, warehouse
from shared.auth import SYSTEM
from shared.errors import BusinessRuleViolation, NotFound, ValidationFailed
from shared.testing import shop_staff_principal

CHANGED = "inventory.stock.changed.v1"
LOW = "inventory.stock.low.v1"


@pytest.fixture
def wh(db, catalog):
    catalog.add_skus(1, 101, 102)
    catalog.add_skus(2, 201)
    return warehouse(1)


def test_inbound_creates_the_record_and_writes_a_ledger_row(wh):
    record = services.stock_inbound(
        principal=SYSTEM,
        warehouse_id=wh.pk,
        sku_id=101,
        quantity=30,
        reason="PO-1 received",
        actor_user_id=7,
    )
    assert levels(record) == (30, 0)
    entry = StockLedgerEntry.objects.get()
    assert (entry.operation, entry.delta, entry.actor, entry.reason) == (
        "inbound",
        30,
        "7",
        "PO-1 received",
    )
    assert (entry.on_hand_before, entry.on_hand_after) == (0, 30)
    assert (entry.reserved_before, entry.reserved_after) == (0, 0)
    assert (entry.sku_id, entry.warehouse_id, entry.stock_id) == (101, wh.pk, record.pk)


def test_inbound_adds_to_existing_stock(wh):
    record = stock(101, 10, at=wh, reserved=4)
    services.stock_inbound(principal=SYSTEM, warehouse_id=wh.pk, sku_id=101, quantity=5)
    assert levels(record) == (15, 4)
    entry = StockLedgerEntry.objects.get()
    assert (entry.on_hand_before, entry.on_hand_after, entry.actor) == (10, 15, "system")


def test_inbound_publishes_stock_changed_with_the_sku_total_over_active_warehouses(wh):
    stock(101, 7, at=warehouse(1, code="B"))
    stock(101, 100, at=warehouse(1, code="OFF", is_active=False))
    services.stock_inbound(principal=SYSTEM, warehouse_id=wh.pk, sku_id=101, quantity=5, ref="PO-2")
    assert events(CHANGED) == [
        {
            "sku_id": 101,
            "warehouse_id": wh.pk,
            "on_hand": 5,
            "reserved": 0,
            "available": 5,
            "sku_available": 12,
            "operation": "inbound",
            "ref": "PO-2",
        }
    ]


@pytest.mark.parametrize("quantity", [0, -3])
def test_inbound_needs_a_positive_quantity(wh, quantity):
    with pytest.raises(ValidationFailed):
        services.stock_inbound(principal=SYSTEM, warehouse_id=wh.pk, sku_id=101, quantity=quantity)
    assert not StockRecord.objects.exists()


def test_inbound_of_an_unknown_sku_or_another_merchants_sku_is_refused(wh):
    with pytest.raises(NotFound) as unknown:
        services.stock_inbound(principal=SYSTEM, warehouse_id=wh.pk, sku_id=999, quantity=1)
    assert unknown.value.code == "sku_not_found"
    with pytest.raises(BusinessRuleViolation) as foreign:
        services.stock_inbound(principal=SYSTEM, warehouse_id=wh.pk, sku_id=201, quantity=1)
    assert foreign.value.code == "sku_not_of_merchant"
    assert not StockRecord.objects.exists()
    assert not StockLedgerEntry.objects.exists()


def test_merchant_staff_cannot_receive_into_another_merchants_warehouse(wh):
    with pytest.raises(NotFound):
        services.stock_inbound(
            warehouse_id=wh.pk, sku_id=101, quantity=1, principal=shop_staff_principal(2)
        )
    services.stock_inbound(
        warehouse_id=wh.pk, sku_id=101, quantity=1, principal=shop_staff_principal(1)
    )


def test_adjust_sets_on_hand_to_the_counted_units(wh):
    record = stock(101, 40, at=wh, reserved=5)
    services.stock_adjust(
        principal=SYSTEM,
        warehouse_id=wh.pk,
        sku_id=101,
        counted=33,
        reason="monthly count",
        actor_user_id=3,
    )
    assert levels(record) == (33, 5)
    entry = StockLedgerEntry.objects.get()
    assert (entry.operation, entry.delta, entry.on_hand_before, entry.on_hand_after) == (
        "adjust",
        -7,
        40,
        33,
    )
    assert (entry.reserved_before, entry.reserved_after) == (5, 5)


def test_adjust_below_the_reserved_units_is_refused_and_writes_nothing(wh):
    record = stock(101, 40, at=wh, reserved=5)
    with pytest.raises(BusinessRuleViolation) as error:
        services.stock_adjust(principal=SYSTEM, warehouse_id=wh.pk, sku_id=101, counted=4)
    assert error.value.code == "below_reserved"
    assert error.value.details == {"counted": 4, "reserved": 5}
    assert levels(record) == (40, 5)
    assert not StockLedgerEntry.objects.exists()
    assert events(CHANGED) == []


def test_adjust_of_a_sku_new_to_the_warehouse_creates_its_record(wh):
    record = services.stock_adjust(principal=SYSTEM, warehouse_id=wh.pk, sku_id=102, counted=6)
    assert levels(record) == (6, 0)


def test_database_refuses_impossible_levels(wh):
    from django.db import IntegrityError, transaction

    record = stock(101, 5, at=wh)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockRecord.objects.filter(pk=record.pk).update(reserved=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockRecord.objects.filter(pk=record.pk).update(on_hand=-1)


def test_low_stock_alert_once_when_crossing_and_again_after_recovering(wh):
    record = stock(101, 15, at=wh, threshold=10)
    services.stock_adjust(
        principal=SYSTEM, warehouse_id=wh.pk, sku_id=101, counted=12
    )  # 12: still above
    assert events(LOW) == []
    services.stock_adjust(
        principal=SYSTEM, warehouse_id=wh.pk, sku_id=101, counted=10
    )  # crosses: at threshold
    services.stock_adjust(
        principal=SYSTEM, warehouse_id=wh.pk, sku_id=101, counted=4
    )  # still low: no new alert
    assert events(LOW) == [{"sku_id": 101, "warehouse_id": wh.pk, "available": 10, "threshold": 10}]
    services.stock_inbound(
        principal=SYSTEM, warehouse_id=wh.pk, sku_id=101, quantity=20
    )  # 24: recovered
    services.stock_adjust(
        principal=SYSTEM, warehouse_id=wh.pk, sku_id=101, counted=9
    )  # crosses again
    assert [e["available"] for e in events(LOW)] == [10, 9]
    assert len(events(CHANGED)) == 5
    record.refresh_from_db()
    assert record.is_low


def test_threshold_is_set_without_a_ledger_row(wh):
    record = stock(101, 15, at=wh)
    services.stock_threshold_set(principal=SYSTEM, stock_id=record.pk, threshold=20)
    record.refresh_from_db()
    assert record.low_stock_threshold == 20
    assert not StockLedgerEntry.objects.exists()
    with pytest.raises(NotFound):
        services.stock_threshold_set(
            stock_id=record.pk, threshold=1, principal=shop_staff_principal(2)
        )
    with pytest.raises(ValidationFailed):
        services.stock_threshold_set(principal=SYSTEM, stock_id=record.pk, threshold=-1)
