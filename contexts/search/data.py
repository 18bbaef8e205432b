"""Plain, frozen data of the search port: the documents written to an index and what a search
answers. Adapters take and return only these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

SORTS = ("relevance", "price_asc", "price_desc", "sales", "newest")


@dataclass(frozen=True)
class AttributeValue:
    attribute_id: int
    attribute_name: str
    value_id: int
    value: str


@dataclass(frozen=True)
class ProductDocument:
    """One listed product as the index holds it (denormalised from the catalog)."""

    spu_id: int
    merchant_id: int
    title: str
    subtitle: str
    brand_id: int | None
    brand_name: str
    category_id: int
    category_ids: tuple[int, ...]  # its category and the ancestors, root first
    category_names: tuple[str, ...]  # same order; the last one is its own category's
    attributes: tuple[AttributeValue, ...]
    min_price: Decimal | None
    max_price: Decimal | None
    sales_count: int
    rating_avg: Decimal
    in_stock: bool
    published_at: datetime | None
    image_url: str = ""

    @property
    def category_name(self) -> str:
        return self.category_names[-1] if self.category_names else ""


@dataclass(frozen=True)
class ProductQuery:
    """A storefront search. `attribute_groups`: value ids grouped by attribute: values of one
    group are alternatives (red OR blue), every group must match (red AND size M)."""

    text: str = ""
    category_id: int | None = None  # includes its descendants
    brand_id: int | None = None
    merchant_id: int | None = None
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    attribute_groups: tuple[tuple[int, ...], ...] = ()
    in_stock: bool = False
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    price_interval: Decimal = Decimal(100)  # width of the price histogram's buckets
    facets: bool = True  # False: the page's facets are empty (the storefront listing's query)


@dataclass(frozen=True)
class ProductHit:
    spu_id: int
    title: str
    subtitle: str
    merchant_id: int
    brand_id: int | None
    brand_name: str
    category_id: int
    min_price: Decimal | None
    max_price: Decimal | None
    sales_count: int
    rating_avg: Decimal
    in_stock: bool
    published_at: datetime | None
    image_url: str
    highlight: str  # the title, HTML-escaped, the matched words in <em></em>


@dataclass(frozen=True)
class FacetBucket:
    key: int
    label: str
    count: int


@dataclass(frozen=True)
class PriceBucket:
    low: Decimal  # inclusive
    high: Decimal  # exclusive
    count: int


@dataclass(frozen=True)
class AttributeFacet:
    attribute_id: int
    name: str
    values: tuple[FacetBucket, ...]


@dataclass(frozen=True)
class Facets:
    """Counts over every product that matches the query and filters (not only the page):
    most frequent first, ties by key; price buckets ascending, empty ones left out."""

    brands: tuple[FacetBucket, ...] = ()
    categories: tuple[FacetBucket, ...] = ()
    prices: tuple[PriceBucket, ...] = ()
    attributes: tuple[AttributeFacet, ...] = ()


@dataclass(frozen=True)
class ProductPage:
    total: int
    page: int
    page_size: int
    hits: tuple[ProductHit, ...]
    facets: Facets


@dataclass(frozen=True)
class Suggestion:
    text: str  # a product title
    spu_id: int


@dataclass(frozen=True)
class OrderDocument:
    order_no: str
    trade_no: str
    buyer_id: int
    merchant_id: int
    status: str
    receiver_name: str
    receiver_phone: str
    pay_amount: Decimal
    placed_at: datetime


@dataclass(frozen=True)
class OrderQuery:
    """Staff order search; every given criterion must hold. `order_no`: the number or its
    beginning; `receiver`: part of the name; `phone`: the number or its last digits."""

    order_no: str = ""
    buyer_id: int | None = None
    merchant_id: int | None = None
    receiver: str = ""
    phone: str = ""
    statuses: tuple[str, ...] = ()
    placed_from: datetime | None = None
    placed_to: datetime | None = None  # exclusive
    page: int = 1
    page_size: int = 20


@dataclass(frozen=True)
class OrderPage:
    total: int
    page: int
    page_size: int
    hits: tuple[OrderDocument, ...]
