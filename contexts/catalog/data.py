"""Plain, frozen data that `api.py` hands to other contexts (never models or querysets)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class SkuInfo:
    sku_id: int
    spu_id: int
    merchant_id: int
    category_id: int
    brand_id: int | None
    title: str  # the SPU title
    spec: str  # human-readable sales attributes, e.g. "Colour: Red / Size: M"
    image_url: str  # SKU image, falling back to the SPU main image
    price: Decimal
    weight_grams: int
    purchasable: bool  # SPU published, SKU active, merchant active, price > 0


@dataclass(frozen=True)
class MerchantInfo:
    merchant_id: int
    name: str
    is_active: bool
    owner_user_id: int
    commission_rate: Decimal  # e.g. Decimal("0.0500")


@dataclass(frozen=True)
class StoredImage:
    """An image kept in the media storage: its key (`name`), URL, sniffed type and size."""

    name: str
    url: str
    content_type: str
    size: int
