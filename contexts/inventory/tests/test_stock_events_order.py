"""Defect 9 (the storefront in-stock mirror can go stale): what inventory's StockChanged events
say about a SKU's total, under concurrency and when a warehouse closes."""

from __future__ import annotations

import pytest

from contexts.inventory.events import StockChanged
from contexts.inventory.services import stock as stock_services
from contexts.inventory.services import warehouses as warehouse_services
from contexts.inventory.tests.support import stock, warehouse
from shared.auth import SYSTEM
from shared.events.models import OutboxEvent
from shared.testing import run_concurrently

SKU = 4242
WAREHOUSES = 8
ROUNDS = 4


def latest_stock_changed(sku_id: int) -> dict:
    """The SKU's StockChanged with the highest aggregate version (the one a projection keeps)."""
    row = (
        OutboxEvent.objects.filter(event_type=StockChanged.event_type, aggregate_id=str(sku_id))
        .order_by("-aggregate_version")
        .first()
    )
    return {**row.payload, "aggregate_version": row.aggregate_version}


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_the_latest_version_carries_the_true_total_when_warehouses_change_at_once(catalog):
    """(a) confirmed: each change summed the SKU over warehouses whose rows it had not locked, so
    the last event could miss a concurrent change of another warehouse."""
    catalog.add_skus(1, SKU)
    sites = [warehouse(1) for _ in range(WAREHOUSES)]
    for site in sites:
        stock(SKU, 10, at=site)
    total = 10 * WAREHOUSES
    for _ in range(ROUNDS):
        results = run_concurrently(
            WAREHOUSES,
            lambda n: stock_services.stock_inbound(
                warehouse_id=sites[n].pk, sku_id=SKU, quantity=1, principal=SYSTEM
            ),
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        total += WAREHOUSES
        assert latest_stock_changed(SKU)["sku_available"] == total
    versions = OutboxEvent.objects.filter(
        event_type=StockChanged.event_type, aggregate_id=str(SKU)
    ).values_list("aggregate_version", flat=True)
    assert sorted(versions) == list(range(1, WAREHOUSES * ROUNDS + 1))


@pytest.mark.django_db
def test_closing_and_reopening_a_warehouse_publishes_the_new_sku_totals(catalog):
    """(c) confirmed: deactivating a warehouse changed every SKU's total and published nothing."""
    catalog.add_skus(1, SKU)
    open_site, closing = warehouse(1), warehouse(1)
    stock(SKU, 5, at=open_site)
    stock(SKU, 7, at=closing)

    warehouse_services.warehouse_update(
        warehouse_id=closing.pk, data={"is_active": False}, principal=SYSTEM
    )
    after_close = latest_stock_changed(SKU)
    warehouse_services.warehouse_update(
        warehouse_id=closing.pk, data={"is_active": True}, principal=SYSTEM
    )
    after_reopen = latest_stock_changed(SKU)

    assert (after_close["sku_available"], after_close["operation"]) == (5, "warehouse_closed")
    assert (after_reopen["sku_available"], after_reopen["operation"]) == (12, "warehouse_opened")
    assert after_reopen["aggregate_version"] > after_close["aggregate_version"]
