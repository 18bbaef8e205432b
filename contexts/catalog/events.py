"""Events the catalog publishes (PUBLIC: other contexts subscribe to these classes).

A breaking change to a payload is a new class with a new version, never an edit of these.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from shared.events import DomainEvent


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProductPublished(DomainEvent):
    """A product became visible in the storefront."""

    event_type = "catalog.product.published.v1"
    aggregate = "spu_id"

    spu_id: int
    merchant_id: int
    category_id: int
    brand_id: int | None
    title: str
    min_price: Decimal | None
    max_price: Decimal | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProductUpdated(DomainEvent):
    """A product or one of its SKUs changed (whatever its status); `changed` names what."""

    event_type = "catalog.product.updated.v1"
    aggregate = "spu_id"

    spu_id: int
    merchant_id: int
    status: str
    changed: tuple[str, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProductUnpublished(DomainEvent):
    """A product left the storefront (its SKUs are no longer purchasable)."""

    event_type = "catalog.product.unpublished.v1"
    aggregate = "spu_id"

    spu_id: int
    merchant_id: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class PriceChanged(DomainEvent):
    """The selling price of one SKU changed."""

    event_type = "catalog.price.changed.v1"
    aggregate = "sku_id"

    sku_id: int
    spu_id: int
    old_price: Decimal
    new_price: Decimal


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReviewCreated(DomainEvent):
    """A buyer reviewed a SKU; the catalog recomputes the product's rating summary from it."""

    event_type = "catalog.review.created.v1"
    aggregate = "spu_id"

    review_id: str
    spu_id: int
    sku_id: int
    user_id: int
    rating: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class MerchantUpdated(DomainEvent):
    """A shop was opened or changed: a suspended shop's products leave the storefront and its
    SKUs stop being purchasable; settlement reads the commission rate."""

    event_type = "catalog.merchant.updated.v1"
    aggregate = "merchant_id"

    merchant_id: int
    name: str
    status: str
    owner_user_id: int
    commission_rate: Decimal
