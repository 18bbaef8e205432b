"""Stock commands of warehouse staff: inbound (receive goods), adjust (stocktake), thresholds."""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction

from contexts.catalog import api as catalog_api
from contexts.inventory import domain, selectors
from contexts.inventory.models import StockLedgerEntry, StockRecord, Warehouse
from contexts.inventory.services._recording import StockChanges, atomic_with_retry
from contexts.inventory.services._scope import warehouse_scoped
from shared.auth import Principal
from shared.errors import BusinessRuleViolation, NotFound, ValidationFailed


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        f"The request is invalid: {message}", details={"fields": {field: [message]}}
    )


def _sku_check(*, sku_id: int, merchant_id: int) -> None:
    """The SKU exists in the catalog and is sold by the warehouse's merchant."""
    sku = catalog_api.get_skus(sku_ids=[sku_id]).get(sku_id)
    if sku is None:
        raise NotFound("SKU not found.", code="sku_not_found")
    if sku.merchant_id != merchant_id:
        raise BusinessRuleViolation(
            "This SKU is sold by another merchant than the warehouse's.",
            code="sku_not_of_merchant",
            details={"sku_id": sku_id, "warehouse_merchant_id": merchant_id},
        )


def _stock_lock_or_create(warehouse: Warehouse, sku_id: int) -> StockRecord:
    """The (warehouse, SKU) record, locked; created empty when the SKU is new there."""
    found = StockRecord.objects.select_for_update().filter(warehouse=warehouse, sku_id=sku_id)
    stock = found.first()
    if stock is not None:
        return stock
    # The first record of a SKU in a warehouse: creators queue on the warehouse row and look
    # again. Racing on the unique key instead would deadlock: a duplicate-key error takes a
    # shared lock that two creators then both try to upgrade for their locking read.
    Warehouse.objects.select_for_update().filter(pk=warehouse.pk).first()
    stock = found.first()
    if stock is not None:
        return stock
    return StockRecord.objects.create(warehouse=warehouse, sku_id=sku_id)


WRITE = "inventory.stock.write"


def _target(*, warehouse_id: int, sku_id: int, principal: Principal) -> Warehouse:
    warehouse = warehouse_scoped(warehouse_id, principal, WRITE)
    _sku_check(sku_id=sku_id, merchant_id=warehouse.merchant_id)
    return warehouse


@atomic_with_retry
def stock_inbound(
    *,
    warehouse_id: int,
    sku_id: int,
    quantity: int,
    reason: str = "",
    ref: str = "",
    actor_user_id: int | None = None,
    principal: Principal,
) -> StockRecord:
    """Goods received: on_hand += quantity (> 0), with a ledger row naming who and why.

    The SKU must be the warehouse merchant's (catalog); merchant staff only act on their
    shops' warehouses (404 otherwise).
    """
    if quantity <= 0:
        raise _invalid("quantity", "Must be greater than zero.")
    warehouse = _target(warehouse_id=warehouse_id, sku_id=sku_id, principal=principal)
    stock = _stock_lock_or_create(warehouse, sku_id)
    if stock.on_hand + quantity > domain.MAX_ON_HAND:
        raise BusinessRuleViolation(
            f"A stock record holds at most {domain.MAX_ON_HAND} units.", code="stock_limit"
        )
    changes = StockChanges(
        operation=StockLedgerEntry.Operation.INBOUND,
        actor_user_id=actor_user_id,
        reason=reason or "inbound",
    )
    changes.apply(
        stock, on_hand=stock.on_hand + quantity, reserved=stock.reserved, delta=quantity, ref=ref
    )
    changes.save()
    return stock


@atomic_with_retry
def stock_adjust(
    *,
    warehouse_id: int,
    sku_id: int,
    counted: int,
    reason: str = "",
    ref: str = "",
    actor_user_id: int | None = None,
    principal: Principal,
) -> StockRecord:
    """Stocktake: on_hand becomes the counted units. Refused below what is reserved for orders
    (422 below_reserved): those units are promised; release the orders first. A count equal to
    on hand still writes a ledger row (delta 0), the record that the stock was counted."""
    if not 0 <= counted <= domain.MAX_ON_HAND:
        raise _invalid("counted", f"Must be between 0 and {domain.MAX_ON_HAND}.")
    warehouse = _target(warehouse_id=warehouse_id, sku_id=sku_id, principal=principal)
    stock = _stock_lock_or_create(warehouse, sku_id)
    if counted < stock.reserved:
        raise BusinessRuleViolation(
            "The counted stock is below the units reserved for orders.",
            code="below_reserved",
            details={"counted": counted, "reserved": stock.reserved},
        )
    changes = StockChanges(
        operation=StockLedgerEntry.Operation.ADJUST,
        actor_user_id=actor_user_id,
        reason=reason or "stocktake",
    )
    changes.apply(
        stock, on_hand=counted, reserved=stock.reserved, delta=counted - stock.on_hand, ref=ref
    )
    changes.save()
    return stock


@transaction.atomic
def stock_threshold_set(*, stock_id: int, threshold: int, principal: Principal) -> StockRecord:
    """Set a record's low-stock threshold (>= 0). Not a stock movement: no ledger row, and no
    alert now; the next change that takes available from above to at/below it raises one."""
    if threshold < 0:
        raise _invalid("low_stock_threshold", "Must be zero or more.")
    # No select_related: on MariaDB FOR UPDATE would lock the joined warehouse row as well.
    stock = StockRecord.objects.select_for_update().filter(pk=stock_id).first()
    not_found = NotFound("Stock record not found.", code="stock_not_found")
    if stock is None:
        raise not_found
    principal.require(WRITE, merchant_id=stock.warehouse.merchant_id, not_found=not_found)
    stock.low_stock_threshold = threshold
    stock.save(update_fields=["low_stock_threshold", "updated_at"])
    return stock


def catalog_stock_resync(*, sku_ids: Collection[int] | None = None, progress: bool = False) -> int:
    """Push inventory's availability into the catalog's stock mirror (all live SKUs when None):
    the nightly reconciliation, and after a bulk stock load. The catalog is upstream and never
    calls inventory, so inventory hands it the figures. Returns how many SKUs were synced."""

    def available_of(batch: list[int]) -> dict[int, int]:
        levels = selectors.sku_levels(sku_ids=batch)
        return {
            sku_id: max(on_hand - reserved, 0) for sku_id, (on_hand, reserved) in levels.items()
        }

    return catalog_api.sku_stock_resync(
        availability_of=available_of, sku_ids=sku_ids, progress=progress
    )
