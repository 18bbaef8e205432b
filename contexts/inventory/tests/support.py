"""Helpers shared by inventory's tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contexts.inventory import api as inventory_api
from contexts.inventory.models import StockRecord, Warehouse
from shared.events.models import OutboxEvent
from shared.testing import run_concurrently


def warehouse(
    merchant_id: int = 1,
    *,
    code: str | None = None,
    province_code: str = "110000",
    priority: int = 100,
    is_active: bool = True,
) -> Warehouse:
    return Warehouse.objects.create(
        merchant_id=merchant_id,
        code=code or f"WH-{Warehouse.objects.count() + 1}",
        name="Test warehouse",
        province_code=province_code,
        city_code=province_code[:4] + "00",
        priority=priority,
        is_active=is_active,
    )


def stock(
    sku_id: int,
    on_hand: int,
    *,
    at: Warehouse | None = None,
    reserved: int = 0,
    threshold: int = 0,
) -> StockRecord:
    """A stock record set up directly (no ledger row: this is the test's starting state)."""
    return StockRecord.objects.create(
        warehouse=at or warehouse(),
        sku_id=sku_id,
        on_hand=on_hand,
        reserved=reserved,
        low_stock_threshold=threshold,
    )


def request(order_ref: str, *lines: tuple[int, int]) -> inventory_api.ReservationRequest:
    return inventory_api.ReservationRequest(
        order_ref=order_ref,
        lines=tuple(inventory_api.ReservationLine(sku_id=s, quantity=q) for s, q in lines),
    )


def levels(record: StockRecord) -> tuple[int, int]:
    record.refresh_from_db()
    return record.on_hand, record.reserved


def events(event_type: str) -> list[dict]:
    return list(
        OutboxEvent.objects.filter(event_type=event_type)
        .order_by("id")
        .values_list("payload", flat=True)
    )


def run_together(count: int, work: Callable[[int], Any], timeout: float = 120) -> list[tuple]:
    """shared.testing.run_concurrently with results as ("ok", value) or ("error", exception)."""
    return [
        ("error", r) if isinstance(r, Exception) else ("ok", r)
        for r in run_concurrently(count, work, timeout=timeout)
    ]
