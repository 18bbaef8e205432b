"""Fixtures for the catalog's tests: a fake of inventory's api (to prove the catalog does not call
it), recorded completed purchases, a small catalog, API clients."""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import pytest
from django.core.cache import cache

from contexts.catalog.tests.support import build_catalog, client_for
from contexts.inventory import api as inventory_api


@dataclass(frozen=True)
class FakeAvailability:
    sku_id: int
    on_hand: int
    reserved: int
    available: int


class FakeInventory:
    """Stands in for inventory_api.availability: stock per SKU id (default 0), and the calls."""

    def __init__(self) -> None:
        self.stock: dict[int, int] = {}
        self.calls: list[list[int]] = []

    def availability(self, *, sku_ids):
        ids = list(sku_ids)
        self.calls.append(ids)
        return {s: FakeAvailability(s, self.stock.get(s, 0), 0, self.stock.get(s, 0)) for s in ids}


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def inventory(monkeypatch) -> FakeInventory:
    fake = FakeInventory()
    monkeypatch.setattr(inventory_api, "availability", fake.availability)
    return fake


class RecordedPurchases:
    """Completed purchases, recorded as ordering's completed event would record them."""

    def add(self, pair: tuple[int, int]) -> None:
        from contexts.catalog.services import reviews

        user_id, sku_id = pair
        reviews.purchases_record(user_id=user_id, sku_ids=[sku_id], order_no="T-TEST")

    def update(self, pairs) -> None:
        for pair in pairs:
            self.add(pair)


@pytest.fixture
def purchases(db) -> RecordedPurchases:
    """(user_id, sku_id) pairs with a completed purchase: `purchases.add((user_id, sku_id))`."""
    return RecordedPurchases()


@pytest.fixture
def cat(db):
    return build_catalog()


@pytest.fixture
def staff_api(cat):
    return client_for(cat.staff_user)


@pytest.fixture
def owner_api(cat):
    return client_for(cat.owner)


@pytest.fixture
def other_owner_api(cat):
    return client_for(cat.other_owner)


@pytest.fixture
def anon_api():
    return client_for()


def mongo_test_url() -> str | None:
    """TEST_MONGO_URL with a fresh database name in its path (one database per test)."""
    url = os.environ.get("TEST_MONGO_URL")
    if not url:
        return None
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/catalog_test_{uuid4().hex[:12]}"))


STORE_ADAPTERS = {
    "relational": "contexts.catalog.adapters.relational.RelationalDocumentStore",
    "mongo": "contexts.catalog.adapters.mongo.MongoDocumentStore",
    "memory": "contexts.catalog.adapters.memory.InMemoryDocumentStore",
}


@pytest.fixture(params=list(STORE_ADAPTERS))
def store_backend(request, settings):
    """Run a test once per document-store adapter: relational JSON, MongoDB (the real
    MongoDB-compatible server of TEST_MONGO_URL; skipped without it) and the in-memory fake.
    Selects it through settings.CATALOG_DOCUMENT_STORE, as production does."""
    if request.param != "mongo":
        settings.CATALOG_DOCUMENT_STORE = STORE_ADAPTERS[request.param]
        yield request.param
        return
    url = mongo_test_url()
    if url is None:
        pytest.skip("TEST_MONGO_URL is not set")
    settings.MONGO_URL = url
    settings.CATALOG_DOCUMENT_STORE = STORE_ADAPTERS["mongo"]
    yield "mongo"
    from pymongo import MongoClient

    client = MongoClient(url)
    client.drop_database(client.get_default_database())
    client.close()
