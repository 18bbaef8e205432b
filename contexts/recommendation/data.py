"""Recommendation's value objects (frozen dataclasses): what the ports take and answer, and what
the product page, the cart and the feed show."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum


class Relation(StrEnum):
    """A shopper's relation to a product in the graph (a Neo4j relationship type)."""

    PURCHASED = "PURCHASED"
    VIEWED = "VIEWED"
    CARTED = "CARTED"


@dataclass(frozen=True)
class Scored:
    """A product and its score in one list (higher first)."""

    spu_id: int
    score: float


@dataclass(frozen=True)
class ProductNode:
    """A product as the graph holds it: its leaf category (a `Category` node) and price."""

    spu_id: int
    category_id: int
    price: float


@dataclass(frozen=True)
class ProductFeatures:
    """What "similar" compares: the category path (root first), brand, attribute values and
    the lowest price."""

    spu_id: int
    category_ids: tuple[int, ...]
    brand_id: int | None
    attribute_value_ids: frozenset[int]
    price: Decimal | None


@dataclass(frozen=True)
class RecommendedProduct:
    spu_id: int
    title: str
    image_url: str
    min_price: Decimal | None
    reason: str  # bought_together, viewed_also_viewed, similar, trending


@dataclass(frozen=True)
class Sections:
    """The lists shown under a product (or a cart): each at most a page of products."""

    bought_together: tuple[RecommendedProduct, ...]
    viewed_also_viewed: tuple[RecommendedProduct, ...]
    similar: tuple[RecommendedProduct, ...]
