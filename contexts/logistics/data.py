"""Plain, frozen data that `api.py` hands to and takes from other contexts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class FreightItem:
    sku_id: int
    quantity: int
    weight_grams: int  # per unit
    amount: Decimal  # line subtotal after item-level discounts (for free-shipping threshold)


@dataclass(frozen=True)
class FreightQuote:
    merchant_id: int
    amount: Decimal
    deliverable: bool
    template_id: int | None
    reason: str  # "" or "not_deliverable", "free_shipping_threshold", "no_template"


@dataclass(frozen=True)
class ShipmentLineInfo:
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class ShipmentAddress:
    """The receiver, as the order holds it (for an e-waybill; kept in logistics)."""

    name: str
    phone: str
    province_code: str
    city_code: str
    district_code: str
    detail: str


@dataclass(frozen=True)
class TrackingInfo:
    occurred_at: datetime
    code: str
    kind: str
    description: str
    location: str


@dataclass(frozen=True)
class ShipmentInfo:
    id: int
    order_no: str
    merchant_id: int
    buyer_id: int
    carrier_code: str
    tracking_number: str
    status: str
    lines: tuple[ShipmentLineInfo, ...]
    label: dict[str, str]
    created_at: datetime
    delivered_at: datetime | None
    tracking: tuple[TrackingInfo, ...] = ()
