"""Plain, frozen data that `api.py` hands to other contexts (never models or querysets)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class CartItem:
    sku_id: int
    quantity: int
    selected: bool
    price_when_added: Decimal
