"""Plain, frozen data that `api.py` hands to other contexts (never models or querysets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


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
class SearchSkuSource:
    sku_id: int
    price: Decimal
    sellable: bool  # live and active
    available: int  # the mirrored availability
    stock_version: int  # the inventory aggregate version `available` was taken from


@dataclass(frozen=True)
class SearchAttributeSource:
    attribute_id: int
    attribute_name: str
    value_id: int
    value: str


@dataclass(frozen=True)
class ProductSearchSource:
    """What a search index needs of one product (read by the search context)."""

    spu_id: int
    merchant_id: int
    title: str
    subtitle: str
    listed: bool  # published, not deleted, shop active: shown by the storefront
    category_id: int
    category_ids: tuple[int, ...]  # the category and its ancestors, root first
    category_names: tuple[str, ...]  # same order
    brand_id: int | None
    brand_name: str
    image_url: str
    min_price: Decimal | None
    max_price: Decimal | None
    sales_count: int
    rating_avg: Decimal
    rating_count: int
    published_at: datetime | None
    skus: tuple[SearchSkuSource, ...]
    attributes: tuple[SearchAttributeSource, ...]  # descriptive and SKU sales values, distinct


@dataclass(frozen=True)
class StoredImage:
    """An image kept in the media storage: its key (`name`), URL, sniffed type and size."""

    name: str
    url: str
    content_type: str
    size: int


# --- Storefront listing served by another context (registered from its AppConfig.ready) ------

LISTING_SORTS = ("newest", "price_asc", "price_desc", "sales")


@dataclass(frozen=True)
class ListingQuery:
    """A storefront listing the catalog asks a registered listing provider to answer: products
    of the category (and its descendants), brand and shop; `attribute_groups`: value ids grouped
    by attribute (alternatives within a group, every group must match; at most one group of
    sales values, never with `in_stock`: the catalog keeps the conditions that must hold on ONE
    SKU for its own SQL); one of LISTING_SORTS (ties by id, descending except price_asc)."""

    category_id: int | None = None
    brand_id: int | None = None
    merchant_id: int | None = None
    attribute_groups: tuple[tuple[int, ...], ...] = ()
    in_stock: bool = False
    sort: str = "newest"
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True)
class ListingPage:
    """The provider's answer: how many products match and the ids of the page, in order."""

    total: int
    spu_ids: tuple[int, ...]


class ListingProvider(Protocol):
    def __call__(self, query: ListingQuery) -> ListingPage | None:
        """The page, or None to leave this query to the catalog's SQL listing."""
        ...
