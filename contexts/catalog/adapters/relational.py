"""The embedded default document store: documents in JSON columns of the catalog's own tables
(ProductContentDocument, ReviewDocument); writes join the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum

from contexts.catalog.adapters._review_documents import reply_from_doc, reply_to_doc, review_body
from contexts.catalog.models import ProductContentDocument, ReviewDocument
from contexts.catalog.ports import DuplicateReview, RatingSummary, Review, ReviewReply


class RelationalDocumentStore:
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
                    document={**review_body(review), "reply": None},
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
            reply=reply_from_doc(doc.get("reply")),
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
            reply_doc = reply_to_doc(reply)
            reply_doc["replied_at"] = reply.replied_at.isoformat()
            row.document = {**row.document, "reply": reply_doc}
            row.save(update_fields=["document"])
            return True

    def rating_summary(self, *, spu_id: int) -> RatingSummary:
        agg = ReviewDocument.objects.filter(spu_id=spu_id).aggregate(
            count=Count("review_id"), total=Sum("rating")
        )
        return RatingSummary(count=agg["count"] or 0, total=agg["total"] or 0)
