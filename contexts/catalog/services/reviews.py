"""Reviews: only a buyer with a completed purchase of the SKU may review it, once.

The review itself lives in the document store; its ReviewCreated event is written to the outbox
in the same transaction as a relational review (and rolled back with a refused Mongo insert),
and the catalog's own handler recomputes the product's rating summary from the store.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from contexts.catalog import domain
from contexts.catalog.events import ReviewCreated
from contexts.catalog.models import CompletedPurchase, Sku, Spu
from contexts.catalog.ports import DuplicateReview, Review, ReviewReply, document_store
from contexts.catalog.services._common import storefront_changed
from shared.auth import Principal
from shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shared.events import publish


def purchases_record(*, user_id: int, sku_ids: Sequence[int], order_no: str) -> None:
    """Record that the buyer completed an order with these SKUs (they may now review them).
    Idempotent: a pair already recorded is left as it is."""
    CompletedPurchase.objects.bulk_create(
        [
            CompletedPurchase(user_id=user_id, sku_id=sku_id, order_no=order_no)
            for sku_id in sorted(set(sku_ids))
        ],
        ignore_conflicts=True,
    )


def review_create(
    *,
    user_id: int,
    spu_id: int,
    sku_id: int,
    rating: int,
    text: str = "",
    images: Sequence[str] = (),
) -> Review:
    """Review one SKU of a product.

    Rules: the SKU is a live SKU of this live product (404); rating 1-5 and at most
    MAX_REVIEW_IMAGES images (400); the user has a completed order line for the SKU (403
    purchase_required, from the purchases recorded by `purchases_record` on ordering's completed
    event); one review per user and SKU (409
    already_reviewed, backed by the store's unique index).
    """
    if not domain.RATING_MIN <= rating <= domain.RATING_MAX:
        raise ValidationFailed("The rating must be from 1 to 5.", code="invalid_rating")
    if len(images) > domain.MAX_REVIEW_IMAGES:
        raise ValidationFailed(
            f"At most {domain.MAX_REVIEW_IMAGES} images.", code="too_many_images"
        )
    sku = (
        Sku.objects.live()
        .filter(pk=sku_id, spu_id=spu_id, spu__deleted_at__isnull=True)
        .select_related("spu")
        .first()
    )
    if sku is None:
        raise NotFound("SKU not found.", code="sku_not_found")
    if not CompletedPurchase.objects.filter(user_id=user_id, sku_id=sku_id).exists():
        raise PermissionDenied(
            "Only a buyer with a completed order for this SKU may review it.",
            code="purchase_required",
        )
    store = document_store()
    if store.review_exists(user_id=user_id, sku_id=sku_id):
        raise Conflict("You have already reviewed this SKU.", code="already_reviewed")
    review = Review(
        review_id=uuid.uuid4().hex,
        spu_id=spu_id,
        sku_id=sku_id,
        user_id=user_id,
        merchant_id=sku.spu.merchant_id,
        rating=rating,
        text=text,
        images=tuple(images),
        spec=sku.spec,
        created_at=timezone.now(),
    )
    with transaction.atomic():
        publish(
            ReviewCreated(
                review_id=review.review_id,
                spu_id=spu_id,
                sku_id=sku_id,
                user_id=user_id,
                rating=rating,
            )
        )
        # Last, so that a refused insert rolls the event back with it.
        try:
            store.review_insert(review=review)
        except DuplicateReview as exc:
            raise Conflict("You have already reviewed this SKU.", code="already_reviewed") from exc
    return review


def review_reply(*, principal: Principal, review_id: str, text: str) -> Review:
    """The merchant's answer to a review of one of its products (staff or that shop's staff;
    anyone else's review is not found). A second reply replaces the first."""
    store = document_store()
    review = store.review_get(review_id=review_id)
    not_found = NotFound("Review not found.", code="review_not_found")
    if review is None:
        raise not_found
    principal.require("catalog.review.reply", merchant_id=review.merchant_id, not_found=not_found)
    reply = ReviewReply(text=text, user_id=principal.user_id, replied_at=timezone.now())
    if not store.review_reply_set(review_id=review_id, reply=reply):
        raise NotFound("Review not found.", code="review_not_found")
    return store.review_get(review_id=review_id)


def spu_rating_summary_refresh(*, spu_id: int) -> tuple[int, Decimal]:
    """Recompute the product's rating summary (count, average) from its reviews. Recomputing
    rather than incrementing makes a repeated or late event harmless."""
    summary = document_store().rating_summary(spu_id=spu_id)
    average = domain.rating_average(count=summary.count, total=summary.total)
    Spu.objects.filter(pk=spu_id).update(rating_count=summary.count, rating_avg=average)
    storefront_changed([spu_id])
    return summary.count, average
