"""The MongoDB document store (settings.MONGO_URL)."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC
from typing import Any

from django.conf import settings

from contexts.catalog.adapters._review_documents import reply_from_doc, reply_to_doc, review_body
from contexts.catalog.ports import DuplicateReview, RatingSummary, Review, ReviewReply


class MongoDocumentStore:
    """Documents in MongoDB: `catalog_product_content` (_id = spu id) and `catalog_reviews`
    (_id = review id, unique index on (user_id, sku_id)). The database is the one named in the
    URL's path, "ecommerce" when it names none."""

    CONTENT = "catalog_product_content"
    REVIEWS = "catalog_reviews"

    def __init__(self, *, url: str | None = None) -> None:
        self.url = url or settings.MONGO_URL
        self._client_pid: int | None = None
        self._client = None
        self._indexes_ready = False
        self._lock = threading.Lock()

    @property
    def db(self):
        # pymongo clients are not fork-safe: a forked worker (gunicorn, celery prefork) that
        # inherited a built adapter opens its own client.
        if self._client_pid != os.getpid():
            with self._lock:
                if self._client_pid != os.getpid():
                    from pymongo import MongoClient

                    self._client = MongoClient(
                        self.url, tz_aware=True, serverSelectionTimeoutMS=5000
                    )
                    self._client_pid = os.getpid()
                    self._indexes_ready = False
        return self._client.get_default_database(default="ecommerce")

    def _reviews(self):
        db = self.db
        if not self._indexes_ready:
            with self._lock:
                if not self._indexes_ready:
                    from pymongo import ASCENDING, DESCENDING

                    reviews = db[self.REVIEWS]
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
        return db[self.REVIEWS]

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
                    **review_body(review),
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
            reply=reply_from_doc(doc.get("reply")),
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
            {"_id": review_id}, {"$set": {"reply": reply_to_doc(reply)}}
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
