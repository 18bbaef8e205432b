"""The in-memory document store: the fake for tests that need no database behind the port
(tests/test_documents.py holds it to the same contract as the real adapters)."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from contexts.catalog.ports import DuplicateReview, RatingSummary, Review, ReviewReply


class InMemoryDocumentStore:
    """Documents in dictionaries of this process, guarded by one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._content: dict[int, list[dict[str, Any]]] = {}
        self._reviews: dict[str, Review] = {}

    def content_get(self, *, spu_id: int) -> list[dict[str, Any]] | None:
        blocks = self._content.get(spu_id)
        return [dict(b) for b in blocks] if blocks is not None else None

    def content_put(self, *, spu_id: int, blocks: Sequence[Mapping[str, Any]]) -> None:
        self._content[spu_id] = [dict(b) for b in blocks]

    def content_put_many(self, *, contents: Mapping[int, Sequence[Mapping[str, Any]]]) -> None:
        for spu_id, blocks in contents.items():
            self.content_put(spu_id=spu_id, blocks=blocks)

    def review_insert(self, *, review: Review) -> None:
        with self._lock:
            if self.review_exists(user_id=review.user_id, sku_id=review.sku_id):
                raise DuplicateReview()
            self._reviews[review.review_id] = replace(review, reply=None)

    def review_get(self, *, review_id: str) -> Review | None:
        return self._reviews.get(review_id)

    def review_exists(self, *, user_id: int, sku_id: int) -> bool:
        return any(r.user_id == user_id and r.sku_id == sku_id for r in self._reviews.values())

    def reviews_of_product(self, *, spu_id: int, offset: int, limit: int) -> list[Review]:
        rows = [r for r in self._reviews.values() if r.spu_id == spu_id]
        rows.sort(key=lambda r: (r.created_at, r.review_id), reverse=True)
        return rows[offset : offset + limit]

    def review_reply_set(self, *, review_id: str, reply: ReviewReply) -> bool:
        with self._lock:
            found = self._reviews.get(review_id)
            if found is None:
                return False
            self._reviews[review_id] = replace(found, reply=reply)
            return True

    def rating_summary(self, *, spu_id: int) -> RatingSummary:
        ratings = [r.rating for r in self._reviews.values() if r.spu_id == spu_id]
        return RatingSummary(count=len(ratings), total=sum(ratings))
