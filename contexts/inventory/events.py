"""Events inventory publishes (PUBLIC). A breaking payload change is a new versioned class."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shared.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class StockChanged(DomainEvent):
    """Any change of one stock record (one event per ledger row)."""

    event_type: ClassVar[str] = "inventory.stock.changed.v1"  # the seed's inventory.changed
    aggregate: ClassVar[str] = "sku_id"
    sku_id: int
    warehouse_id: int
    on_hand: int  # this warehouse's record after the change
    reserved: int
    available: int
    sku_available: int  # summed over all active warehouses after the change (catalog uses this)
    # inbound|adjust|reserve|release|commit|restore|warehouse_closed|warehouse_opened
    operation: str
    ref: str = ""


@dataclass(frozen=True, kw_only=True)
class StockLow(DomainEvent):
    """A record's available stock went from above its low-stock threshold to at or below it.

    Published once per crossing, not again while it stays low; rising above the threshold and
    falling again is a new crossing.
    """

    event_type: ClassVar[str] = "inventory.stock.low.v1"
    aggregate: ClassVar[str] = "sku_id"
    sku_id: int
    warehouse_id: int
    available: int
    threshold: int
