"""The document-store port's contract, run against every adapter (relational JSON, MongoDB via
TEST_MONGO_URL, the in-memory fake), each chosen by settings.CATALOG_DOCUMENT_STORE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contexts.catalog.adapters.memory import InMemoryDocumentStore
from contexts.catalog.adapters.mongo import MongoDocumentStore
from contexts.catalog.adapters.relational import RelationalDocumentStore
from contexts.catalog.ports import DuplicateReview, Review, ReviewReply, document_store

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
    expected = {
        "relational": RelationalDocumentStore,
        "mongo": MongoDocumentStore,
        "memory": InMemoryDocumentStore,
    }[store_backend]
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


@pytest.mark.parametrize(
    ("mongo_url", "expected"),
    [
        ("", "contexts.catalog.adapters.relational.RelationalDocumentStore"),
        ("mongodb://db:27017/shop", "contexts.catalog.adapters.mongo.MongoDocumentStore"),
    ],
)
def test_the_default_adapter_follows_mongo_url(monkeypatch, mongo_url, expected):
    import importlib

    import settings.base

    monkeypatch.setenv("MONGO_URL", mongo_url)
    monkeypatch.delenv("CATALOG_DOCUMENT_STORE", raising=False)
    try:
        assert expected == importlib.reload(settings.base).CATALOG_DOCUMENT_STORE
    finally:
        monkeypatch.undo()
        importlib.reload(settings.base)


def test_a_fake_served_with_use_adapter_is_what_the_catalog_reads(anon_api, cat):
    from contexts.catalog.tests.support import make_product
    from shared.ports import use_adapter

    spu = make_product(cat)
    fake = InMemoryDocumentStore()
    fake.content_put(spu_id=spu.pk, blocks=[{"type": "text", "text": "from the fake"}])
    with use_adapter("CATALOG_DOCUMENT_STORE", fake):
        response = anon_api.get(f"/api/v1/products/{spu.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["description"] == [{"type": "text", "text": "from the fake"}]
