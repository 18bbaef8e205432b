"""The catalog's ports: what it needs from systems outside the database it owns.

DocumentStore: products' rich content and reviews are documents. Adapters in
`contexts/catalog/adapters/` (relational JSON columns, the embedded default; MongoDB; an in-memory
fake for tests), chosen by `settings.CATALOG_DOCUMENT_STORE` (MongoDB when `MONGO_URL` is set).
Every adapter honours the same contract, which tests/test_documents.py runs against each: a review
is unique per (user_id, sku_id) (DuplicateReview otherwise), reviews of a product list newest
first, and the rating summary is computed by the store from the reviews themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from shared.ports import adapter


class DuplicateReview(Exception):
    """The user has already reviewed this SKU."""


@dataclass(frozen=True)
class ReviewReply:
    text: str
    user_id: int
    replied_at: datetime


@dataclass(frozen=True)
class Review:
    review_id: str
    spu_id: int
    sku_id: int
    user_id: int
    merchant_id: int
    rating: int
    text: str
    images: tuple[str, ...]
    spec: str
    created_at: datetime
    reply: ReviewReply | None = None


@dataclass(frozen=True)
class RatingSummary:
    count: int
    total: int


class DocumentStore(Protocol):
    """Where products' rich content and reviews live."""

    def content_get(self, *, spu_id: int) -> list[dict[str, Any]] | None:
        """The product's content blocks, or None when it has none."""

    def content_put(self, *, spu_id: int, blocks: Sequence[Mapping[str, Any]]) -> None:
        """Replace the product's content blocks."""

    def content_put_many(self, *, contents: Mapping[int, Sequence[Mapping[str, Any]]]) -> None:
        """Replace the content of many products at once (bulk loads)."""

    def review_insert(self, *, review: Review) -> None:
        """Store a new review; DuplicateReview when (user_id, sku_id) already has one."""

    def review_get(self, *, review_id: str) -> Review | None: ...

    def review_exists(self, *, user_id: int, sku_id: int) -> bool: ...

    def reviews_of_product(self, *, spu_id: int, offset: int, limit: int) -> list[Review]:
        """One page of the product's reviews, newest first (`rating_summary` counts them)."""

    def review_reply_set(self, *, review_id: str, reply: ReviewReply) -> bool:
        """Set (or replace) the merchant's reply. False when the review does not exist."""

    def rating_summary(self, *, spu_id: int) -> RatingSummary:
        """How many reviews the product has and the sum of their ratings."""


def document_store() -> DocumentStore:
    """The adapter named by settings.CATALOG_DOCUMENT_STORE (built once per process)."""
    return adapter("CATALOG_DOCUMENT_STORE")
