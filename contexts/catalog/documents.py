"""The document-store port: products' rich content and reviews are documents, kept either in
relational JSON columns (the embedded default) or in MongoDB (when settings.MONGO_URL is set).

Both implementations honour the same contract (tests/test_documents.py runs it against each):
a review is unique per (user_id, sku_id) (DuplicateReview otherwise), reviews of a product list
newest first, and the rating summary is computed by the store from the reviews themselves.
"""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum

from contexts.catalog.models import ProductContentDocument, ReviewDocument


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


def _body(review: Review) -> dict[str, Any]:
    """The part of a review that is not an indexed key."""
    return {"text": review.text, "images": list(review.images), "spec": review.spec}


def _reply_to_doc(reply: ReviewReply) -> dict[str, Any]:
    return {"text": reply.text, "user_id": reply.user_id, "replied_at": reply.replied_at}


def _reply_from_doc(doc: Mapping[str, Any] | None) -> ReviewReply | None:
    if not doc:
        return None
    replied_at = doc["replied_at"]
    if isinstance(replied_at, str):
        replied_at = datetime.fromisoformat(replied_at)
    return ReviewReply(text=doc["text"], user_id=int(doc["user_id"]), replied_at=replied_at)


class DocumentStore(ABC):
    """Where products' rich content and reviews live."""

    @abstractmethod
    def content_get(self, *, spu_id: int) -> list[dict[str, Any]] | None:
        """The product's content blocks, or None when it has none."""

    @abstractmethod
    def content_put(self, *, spu_id: int, blocks: Sequence[Mapping[str, Any]]) -> None:
        """Replace the product's content blocks."""

    @abstractmethod
    def content_put_many(self, *, contents: Mapping[int, Sequence[Mapping[str, Any]]]) -> None:
        """Replace the content of many products at once (bulk loads)."""

    @abstractmethod
    def review_insert(self, *, review: Review) -> None:
        """Store a new review; DuplicateReview when (user_id, sku_id) already has one."""

    @abstractmethod
    def review_get(self, *, review_id: str) -> Review | None: ...

    @abstractmethod
    def review_exists(self, *, user_id: int, sku_id: int) -> bool: ...

    @abstractmethod
    def reviews_of_product(self, *, spu_id: int, offset: int, limit: int) -> list[Review]:
        """One page of the product's reviews, newest first (`rating_summary` counts them)."""

    @abstractmethod
    def review_reply_set(self, *, review_id: str, reply: ReviewReply) -> bool:
        """Set (or replace) the merchant's reply. False when the review does not exist."""

    @abstractmethod
    def rating_summary(self, *, spu_id: int) -> RatingSummary:
        """How many reviews the product has and the sum of their ratings."""


# --- Relational JSON (default) --------------------------------------------------------------


class RelationalDocumentStore(DocumentStore):
    """Documents in JSON columns of the catalog's own tables; writes join the caller's
    transaction."""

    def content_get(self, *, spu_id: int) -> list[dict[str, Any]] | None:
        row = ProductContentDocument.objects.filter(spu_id=spu_id).first()
        return list(row.document.get("blocks", [])) if row else None

    def content_put(self, *, spu_id: int, blocks: Sequence[Mapping[str, Any]]) -> None:
        ProductContentDocument.objects.update_or_create(
            spu_id=spu_id, defaults={"document": {"blocks": [dict(b) for b in blocks]}}
        )

    def content_put_many(self, *, contents: Mapping[int, Sequence[Mapping[str, Any]]]) -> None:
        # MySQL/MariaDB upsert on any unique key and refuse a conflict target; others need it.
        target = ["spu_id"] if connection.features.supports_update_conflicts_with_target else None
        ProductContentDocument.objects.bulk_create(
            [
                ProductContentDocument(spu_id=spu_id, document={"blocks": [dict(b) for b in bl]})
                for spu_id, bl in contents.items()
            ],
            update_conflicts=True,
            update_fields=["document", "updated_at"],
            unique_fields=target,
            batch_size=5000,
        )

    def review_insert(self, *, review: Review) -> None:
        try:
            with transaction.atomic():
                ReviewDocument.objects.create(
                    review_id=review.review_id,
                    spu_id=review.spu_id,
                    sku_id=review.sku_id,
                    user_id=review.user_id,
                    merchant_id=review.merchant_id,
                    rating=review.rating,
                    document={**_body(review), "reply": None},
                    created_at=review.created_at,
                )
        except IntegrityError as exc:
            raise DuplicateReview() from exc

    @staticmethod
    def _review(row: ReviewDocument) -> Review:
        doc = row.document
        return Review(
            review_id=row.review_id,
            spu_id=row.spu_id,
            sku_id=row.sku_id,
            user_id=row.user_id,
            merchant_id=row.merchant_id,
            rating=row.rating,
            text=doc.get("text", ""),
            images=tuple(doc.get("images", ())),
            spec=doc.get("spec", ""),
            created_at=row.created_at,
            reply=_reply_from_doc(doc.get("reply")),
        )

    def review_get(self, *, review_id: str) -> Review | None:
        row = ReviewDocument.objects.filter(review_id=review_id).first()
        return self._review(row) if row else None

    def review_exists(self, *, user_id: int, sku_id: int) -> bool:
        return ReviewDocument.objects.filter(user_id=user_id, sku_id=sku_id).exists()

    def reviews_of_product(self, *, spu_id: int, offset: int, limit: int) -> list[Review]:
        rows = ReviewDocument.objects.filter(spu_id=spu_id).order_by("-created_at", "-review_id")
        return [self._review(r) for r in rows[offset : offset + limit]]

    def review_reply_set(self, *, review_id: str, reply: ReviewReply) -> bool:
        with transaction.atomic():
            row = ReviewDocument.objects.select_for_update().filter(review_id=review_id).first()
            if row is None:
                return False
            reply_doc = _reply_to_doc(reply)
            reply_doc["replied_at"] = reply.replied_at.isoformat()
            row.document = {**row.document, "reply": reply_doc}
            row.save(update_fields=["document"])
            return True

    def rating_summary(self, *, spu_id: int) -> RatingSummary:
        agg = ReviewDocument.objects.filter(spu_id=spu_id).aggregate(
            count=Count("review_id"), total=Sum("rating")
        )
        return RatingSummary(count=agg["count"] or 0, total=agg["total"] or 0)


# --- MongoDB ---------------------------------------------------------------------------------


class MongoDocumentStore(DocumentStore):
    """Documents in MongoDB: `catalog_product_content` (_id = spu id) and `catalog_reviews`
    (_id = review id, unique index on (user_id, sku_id)). The database is the one named in the
    URL's path, "ecommerce" when it names none."""

    CONTENT = "catalog_product_content"
    REVIEWS = "catalog_reviews"

    def __init__(self, *, url: str) -> None:
        from pymongo import MongoClient

        self.url = url
        self.client = MongoClient(url, tz_aware=True, serverSelectionTimeoutMS=5000)
        self.db = self.client.get_default_database(default="ecommerce")
        self._indexes_ready = False
        self._lock = threading.Lock()

    def _reviews(self):
        if not self._indexes_ready:
            with self._lock:
                if not self._indexes_ready:
                    from pymongo import ASCENDING, DESCENDING

                    reviews = self.db[self.REVIEWS]
                    reviews.create_index(
                        [("user_id", ASCENDING), ("sku_id", ASCENDING)],
                        unique=True,
                        name="review_one_per_user_sku",
                    )
                    reviews.create_index(
                        [("spu_id", ASCENDING), ("created_at", DESCENDING)],
                        name="review_spu_newest",
                    )
                    self._indexes_ready = True
        return self.db[self.REVIEWS]

    def content_get(self, *, spu_id: int) -> list[dict[str, Any]] | None:
        doc = self.db[self.CONTENT].find_one({"_id": spu_id})
        return list(doc.get("blocks", [])) if doc else None

    def content_put(self, *, spu_id: int, blocks: Sequence[Mapping[str, Any]]) -> None:
        self.db[self.CONTENT].replace_one(
            {"_id": spu_id}, {"_id": spu_id, "blocks": [dict(b) for b in blocks]}, upsert=True
        )

    def content_put_many(self, *, contents: Mapping[int, Sequence[Mapping[str, Any]]]) -> None:
        from pymongo import ReplaceOne

        ops = [
            ReplaceOne({"_id": spu_id}, {"_id": spu_id, "blocks": [dict(b) for b in bl]}, True)
            for spu_id, bl in contents.items()
        ]
        for start in range(0, len(ops), 5000):
            self.db[self.CONTENT].bulk_write(ops[start : start + 5000], ordered=False)

    def review_insert(self, *, review: Review) -> None:
        from pymongo.errors import DuplicateKeyError

        try:
            self._reviews().insert_one(
                {
                    "_id": review.review_id,
                    "spu_id": review.spu_id,
                    "sku_id": review.sku_id,
                    "user_id": review.user_id,
                    "merchant_id": review.merchant_id,
                    "rating": review.rating,
                    "created_at": review.created_at,
                    "reply": None,
                    **_body(review),
                }
            )
        except DuplicateKeyError as exc:
            raise DuplicateReview() from exc

    @staticmethod
    def _review(doc: Mapping[str, Any]) -> Review:
        created_at = doc["created_at"]
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=UTC)
        return Review(
            review_id=doc["_id"],
            spu_id=doc["spu_id"],
            sku_id=doc["sku_id"],
            user_id=doc["user_id"],
            merchant_id=doc["merchant_id"],
            rating=doc["rating"],
            text=doc.get("text", ""),
            images=tuple(doc.get("images", ())),
            spec=doc.get("spec", ""),
            created_at=created_at,
            reply=_reply_from_doc(doc.get("reply")),
        )

    def review_get(self, *, review_id: str) -> Review | None:
        doc = self._reviews().find_one({"_id": review_id})
        return self._review(doc) if doc else None

    def review_exists(self, *, user_id: int, sku_id: int) -> bool:
        return self._reviews().count_documents({"user_id": user_id, "sku_id": sku_id}) > 0

    def reviews_of_product(self, *, spu_id: int, offset: int, limit: int) -> list[Review]:
        cursor = (
            self._reviews()
            .find({"spu_id": spu_id})
            .sort([("created_at", -1), ("_id", -1)])
            .skip(offset)
            .limit(limit)
        )
        return [self._review(d) for d in cursor]

    def review_reply_set(self, *, review_id: str, reply: ReviewReply) -> bool:
        result = self._reviews().update_one(
            {"_id": review_id}, {"$set": {"reply": _reply_to_doc(reply)}}
        )
        return result.matched_count == 1

    def rating_summary(self, *, spu_id: int) -> RatingSummary:
        rows = list(
            self._reviews().aggregate(
                [
                    {"$match": {"spu_id": spu_id}},
                    {"$group": {"_id": None, "count": {"$sum": 1}, "total": {"$sum": "$rating"}}},
                ]
            )
        )
        if not rows:
            return RatingSummary(count=0, total=0)
        return RatingSummary(count=int(rows[0]["count"]), total=int(rows[0]["total"]))


# --- Choosing the implementation ------------------------------------------------------------

_mongo_stores: dict[tuple[int, str], MongoDocumentStore] = {}
_mongo_lock = threading.Lock()


def document_store() -> DocumentStore:
    """MongoDB when settings.MONGO_URL is set, the relational JSON store otherwise.

    One Mongo client per process and URL (pymongo clients are not fork-safe, hence the pid).
    """
    url = settings.MONGO_URL
    if not url:
        return RelationalDocumentStore()
    key = (os.getpid(), url)
    store = _mongo_stores.get(key)
    if store is None:
        with _mongo_lock:
            store = _mongo_stores.get(key)
            if store is None:
                store = _mongo_stores[key] = MongoDocumentStore(url=url)
    return store
