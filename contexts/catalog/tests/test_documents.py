"""The document-store contract, run against both implementations (relational JSON and
MongoDB via TEST_MONGO_URL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contexts.catalog.documents import (
    DuplicateReview,
    MongoDocumentStore,
    RelationalDocumentStore,
    Review,
    ReviewReply,
    document_store,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def review(n: int, *, user_id: int | None = None, sku_id: int = 1, spu_id: int = 10, rating=5):
    return Review(
        review_id=f"r{n:03d}",
        spu_id=spu_id,
        sku_id=sku_id,
        user_id=user_id if user_id is not None else n,
        merchant_id=7,
        rating=rating,
        text=f"text {n}",
        images=("https://cdn/1.png",),
        spec="Colour: Red",
        created_at=T0 + timedelta(minutes=n),
    )


@pytest.fixture
def store(store_backend):
    chosen = document_store()
    expected = MongoDocumentStore if store_backend == "mongo" else RelationalDocumentStore
    assert isinstance(chosen, expected)
    return chosen


def test_content_is_put_replaced_and_read(store):
    assert store.content_get(spu_id=1) is None
    store.content_put(spu_id=1, blocks=[{"type": "text", "text": "a"}])
    store.content_put(spu_id=1, blocks=[{"type": "heading", "text": "b"}])
    assert store.content_get(spu_id=1) == [{"type": "heading", "text": "b"}]
    store.content_put_many(contents={1: [], 2: [{"type": "text", "text": "c"}]})
    assert store.content_get(spu_id=1) == []
    assert store.content_get(spu_id=2) == [{"type": "text", "text": "c"}]


def test_a_review_is_unique_per_user_and_sku(store):
    store.review_insert(review=review(1, user_id=5, sku_id=1))
    with pytest.raises(DuplicateReview):
        store.review_insert(review=review(2, user_id=5, sku_id=1))
    store.review_insert(review=review(3, user_id=5, sku_id=2))
    assert store.review_exists(user_id=5, sku_id=1)
    assert not store.review_exists(user_id=6, sku_id=1)
    got = store.review_get(review_id="r001")
    assert got == review(1, user_id=5, sku_id=1)
    assert store.review_get(review_id="nope") is None


def test_reviews_list_newest_first_and_are_counted(store):
    for n in range(1, 6):
        store.review_insert(review=review(n))
    store.review_insert(review=review(9, spu_id=11))
    page = store.reviews_of_product(spu_id=10, offset=0, limit=2)
    assert [r.review_id for r in page] == ["r005", "r004"]
    page = store.reviews_of_product(spu_id=10, offset=4, limit=2)
    assert [r.review_id for r in page] == ["r001"]
    assert store.reviews_of_product(spu_id=10, offset=5, limit=2) == []
    assert store.rating_summary(spu_id=10).count == 5


def test_reply_and_rating_summary(store):
    for n, rating in enumerate((5, 4, 4), start=1):
        store.review_insert(review=review(n, rating=rating))
    reply = ReviewReply(text="Thanks!", user_id=3, replied_at=T0)
    assert store.review_reply_set(review_id="r002", reply=reply)
    assert store.review_get(review_id="r002").reply == reply
    assert not store.review_reply_set(review_id="missing", reply=reply)
    summary = store.rating_summary(spu_id=10)
    assert (summary.count, summary.total) == (3, 13)
    empty = store.rating_summary(spu_id=99)
    assert (empty.count, empty.total) == (0, 0)
