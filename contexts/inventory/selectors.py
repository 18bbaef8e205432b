"""Inventory's reads. Lists are scoped like the commands: only warehouses of the shops over
which the principal holds inventory.stock.read are visible (the system: every one)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, QuerySet, Sum

from contexts.inventory import domain
from contexts.inventory.models import StockLedgerEntry, StockRecord, StockRestore, Warehouse
from shared.auth import Principal
from shared.cache import cache_or_default
from shared.errors import NotFound

AVAILABILITY_QUERY_CHUNK = 1000
READ = "inventory.stock.read"


def warehouse_list(
    *,
    principal: Principal,
    merchant_id: int | None = None,
    is_active: bool | None = None,
) -> QuerySet[Warehouse]:
    warehouses = principal.filter(Warehouse.objects.all(), READ)
    if merchant_id is not None:
        warehouses = warehouses.filter(merchant_id=merchant_id)
    if is_active is not None:
        warehouses = warehouses.filter(is_active=is_active)
    return warehouses.order_by("merchant_id", "priority", "id")


def warehouse_get(*, warehouse_id: int, principal: Principal) -> Warehouse:
    """404 when missing or another merchant's (its existence is not revealed)."""
    warehouse = warehouse_list(principal=principal).filter(pk=warehouse_id).first()
    if warehouse is None:
        raise NotFound("Warehouse not found.", code="warehouse_not_found")
    return warehouse


def stock_list(
    *,
    principal: Principal,
    sku_id: int | None = None,
    warehouse_id: int | None = None,
    low: bool | None = None,
) -> QuerySet[StockRecord]:
    """Stock records with their warehouse (one query per page). `low` True: available at or
    below the record's threshold; False: above it."""
    records = principal.filter(
        StockRecord.objects.select_related("warehouse"), READ, field="warehouse__merchant_id"
    )
    if sku_id is not None:
        records = records.filter(sku_id=sku_id)
    if warehouse_id is not None:
        records = records.filter(warehouse_id=warehouse_id)
    if low is not None:
        is_low = {"on_hand__lte": F("reserved") + F("low_stock_threshold")}
        records = records.filter(**is_low) if low else records.exclude(**is_low)
    return records.order_by("sku_id", "warehouse_id")


def ledger_list(
    *,
    principal: Principal,
    sku_id: int | None = None,
    warehouse_id: int | None = None,
    ref: str | None = None,
) -> QuerySet[StockLedgerEntry]:
    """Ledger rows, newest first."""
    entries = StockLedgerEntry.objects.all()
    scope = principal.merchant_scope(READ)
    if scope is not None:
        entries = entries.filter(
            warehouse_id__in=Warehouse.objects.filter(merchant_id__in=scope).values("id")
        )
    if sku_id is not None:
        entries = entries.filter(sku_id=sku_id)
    if warehouse_id is not None:
        entries = entries.filter(warehouse_id=warehouse_id)
    if ref:
        entries = entries.filter(ref=ref)
    return entries.order_by("-id")


def sku_levels(*, sku_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """(on_hand, reserved) per SKU summed over its active warehouses; every id is in the result
    ((0, 0) for a SKU without stock).

    Read through the cache (Redis when configured): the services drop a SKU's entry after each
    committed change, and entries also expire after INVENTORY_AVAILABILITY_CACHE_SECONDS, which
    bounds how stale a value cached by a reader racing a commit can be. With the cache
    unreachable every read goes to the database. A value read inside a
    transaction is cached only once it commits (it may include the transaction's own writes).
    """
    ids = sorted({int(sku_id) for sku_id in sku_ids})
    keys = {sku_id: domain.availability_cache_key(sku_id) for sku_id in ids}
    cached = cache_or_default(
        "availability cache", lambda: cache.get_many(list(keys.values())), default={}
    )
    levels = {sku_id: tuple(cached[key]) for sku_id, key in keys.items() if key in cached}
    missing = [sku_id for sku_id in ids if sku_id not in levels]
    if not missing:
        return levels
    fresh = dict.fromkeys(missing, (0, 0))
    for start in range(0, len(missing), AVAILABILITY_QUERY_CHUNK):
        rows = (
            StockRecord.objects.filter(
                sku_id__in=missing[start : start + AVAILABILITY_QUERY_CHUNK],
                warehouse__is_active=True,
            )
            .values("sku_id")
            .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
            .order_by()
        )
        for row in rows:
            fresh[row["sku_id"]] = (row["on_hand"], row["reserved"])
    to_cache = {keys[sku_id]: value for sku_id, value in fresh.items()}
    timeout = settings.INVENTORY_AVAILABILITY_CACHE_SECONDS
    transaction.on_commit(
        lambda: cache_or_default(
            "availability cache",
            lambda: cache.set_many(to_cache, timeout=timeout),
            default=None,
        ),
        robust=True,
    )
    levels.update(fresh)
    return levels


def restored_units(*, order_ref: str, reference: str) -> int:
    """How many units the restore `reference` put back from `order_ref`'s committed units (0
    when it was never applied)."""
    units = (
        StockRestore.objects.filter(order_ref=order_ref, reference=reference)
        .values_list("units", flat=True)
        .first()
    )
    return units or 0
