"""Plain, frozen data exchanged through the public api (never models or querysets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SkuAvailability:
    sku_id: int
    on_hand: int  # summed over the SKU's active warehouses
    reserved: int
    available: int  # on_hand - reserved, never negative


@dataclass(frozen=True)
class ReservationLine:
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class ReservationRequest:
    order_ref: str  # the order number
    lines: tuple[ReservationLine, ...]


@dataclass(frozen=True)
class ReservedLine:
    sku_id: int
    warehouse_id: int
    quantity: int


@dataclass(frozen=True)
class Reservation:
    order_ref: str
    lines: tuple[ReservedLine, ...]
    expires_at: datetime


@dataclass(frozen=True)
class CommitResult:
    """What a commit left deducted for the order: every committed line (this call's and earlier
    ones'), and the SKUs with units whose hold was released before the payment (expired or
    cancelled) and so were not deducted."""

    order_ref: str
    committed: tuple[ReservedLine, ...]
    missing_sku_ids: tuple[int, ...]
