"""Inventory's commands. Each runs in one transaction and writes a ledger row per stock change;
see _recording for the locking protocol that keeps concurrent callers from overselling or
deadlocking."""

from contexts.inventory.services._recording import availability_invalidate
from contexts.inventory.services.reservations import (
    reservation_restore,
    reservation_settle,
    reservations_commit,
    reservations_release,
    reservations_release_expired,
    stock_reserve,
)
from contexts.inventory.services.stock import (
    catalog_stock_resync,
    stock_adjust,
    stock_inbound,
    stock_threshold_set,
)
from contexts.inventory.services.warehouses import (
    WAREHOUSE_FIELDS,
    warehouse_create,
    warehouse_delete,
    warehouse_update,
)

__all__ = [
    "WAREHOUSE_FIELDS",
    "availability_invalidate",
    "catalog_stock_resync",
    "reservation_restore",
    "reservation_settle",
    "reservations_commit",
    "reservations_release",
    "reservations_release_expired",
    "stock_adjust",
    "stock_inbound",
    "stock_reserve",
    "stock_threshold_set",
    "warehouse_create",
    "warehouse_delete",
    "warehouse_update",
]
