"""Demo stock: a warehouse per merchant and opening stock for every demo SKU, fast enough for
100k SKUs (bulk inserts in batches), idempotent (what exists is kept)."""

from __future__ import annotations

import random
from collections.abc import Iterator

from django.db import transaction
from tqdm import tqdm

from contexts.inventory.models import StockLedgerEntry, StockRecord, Warehouse
from contexts.inventory.services import availability_invalidate

BATCH_SIZE = 5000
# (province, city, name) of the demo warehouses: the main one, and the first merchant's second.
MAIN_SITE = ("110000", "110100", "Beijing")
SECOND_SITE = ("310000", "310100", "Shanghai")


def _warehouse(merchant_id: int, code: str, site: tuple[str, str, str], priority: int) -> Warehouse:
    province, city, place = site
    warehouse, _ = Warehouse.objects.get_or_create(
        merchant_id=merchant_id,
        code=code,
        defaults={
            "name": f"{place} warehouse",
            "province_code": province,
            "city_code": city,
            "priority": priority,
        },
    )
    return warehouse


def _batches(items: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(items), BATCH_SIZE):
        yield items[start : start + BATCH_SIZE]


def demo_stock_create(
    *,
    sku_ids_by_merchant: dict[int, list[int]],
    quantity_range: tuple[int, int] = (20, 200),
    progress: bool = False,
) -> int:
    """One warehouse per merchant (code DEMO-<merchant>, Beijing) plus a second one in Shanghai
    for the first merchant, and a stock record with a random on-hand quantity in
    `quantity_range` for each SKU in each of its merchant's warehouses, with an inbound ledger
    row ("demo opening stock"). Records that exist are skipped. Returns the records created.

    Deliberately no StockChanged events (100k outbox rows for seed data): consumers that need
    the stock state, like catalog's in-stock flag, build it from availability() instead.
    """
    rng = random.Random(7)  # noqa: S311 - demo quantities, not secrets
    low, high = quantity_range
    plan: list[tuple[Warehouse, list[int]]] = []
    for index, (merchant_id, sku_ids) in enumerate(sorted(sku_ids_by_merchant.items())):
        plan.append((_warehouse(merchant_id, f"DEMO-{merchant_id}", MAIN_SITE, 10), sku_ids))
        if index == 0:
            second = _warehouse(merchant_id, f"DEMO-{merchant_id}-2", SECOND_SITE, 20)
            plan.append((second, sku_ids))
    total = sum(len(sku_ids) for _, sku_ids in plan)
    created = 0
    with tqdm(total=total, disable=not progress, desc="stock", unit="sku") as bar:
        for warehouse, sku_ids in plan:
            have = set(
                StockRecord.objects.filter(warehouse=warehouse).values_list("sku_id", flat=True)
            )
            missing = sorted({sku_id for sku_id in sku_ids if sku_id not in have})
            bar.update(len(sku_ids) - len(missing))
            for batch in _batches(missing):
                created += _create_batch(warehouse, batch, rng, low, high)
                bar.update(len(batch))
    return created


@transaction.atomic
def _create_batch(
    warehouse: Warehouse, sku_ids: list[int], rng: random.Random, low: int, high: int
) -> int:
    StockRecord.objects.bulk_create(
        [
            StockRecord(warehouse=warehouse, sku_id=sku_id, on_hand=rng.randint(low, high))
            for sku_id in sku_ids
        ],
        batch_size=BATCH_SIZE,
    )
    # Ids read back by natural key: not every backend returns them from a bulk insert.
    rows = StockRecord.objects.filter(warehouse=warehouse, sku_id__in=sku_ids).values_list(
        "id", "sku_id", "on_hand"
    )
    StockLedgerEntry.objects.bulk_create(
        [
            StockLedgerEntry(
                stock_id=stock_id,
                sku_id=sku_id,
                warehouse_id=warehouse.pk,
                operation=StockLedgerEntry.Operation.INBOUND,
                reason="demo opening stock",
                delta=on_hand,
                on_hand_before=0,
                on_hand_after=on_hand,
                reserved_before=0,
                reserved_after=0,
            )
            for stock_id, sku_id, on_hand in rows
        ],
        batch_size=BATCH_SIZE,
    )
    availability_invalidate(sku_ids)
    return len(sku_ids)
