"""Plain, frozen data that `api.py` hands to and takes from other contexts."""

from __future__ import annotations

from dataclasses import dataclass
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
