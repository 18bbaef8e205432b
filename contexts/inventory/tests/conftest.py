"""Fixtures for inventory's tests: a fake catalog, a clean cache, data helpers, API clients.

Catalog is another context: its api functions are monkeypatched with a small in-memory fake
(`catalog` fixture), so these tests do not depend on catalog's data or progress.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from contexts.catalog import api as catalog_api
from shared.auth import InMemoryTenancy
from shared.ports import use_adapter

MAX_CONNECTIONS = 500


class FakeCatalog:
    """Which merchant sells each SKU, and which shops each user manages."""

    def __init__(self) -> None:
        self.sku_merchant: dict[int, int] = {}
        self.managed: dict[int, set[int]] = {}
        self.merchants: set[int] = set(range(1, 10))  # the shops these tests name

    def get_merchant(self, *, merchant_id):
        if merchant_id not in self.merchants:
            return None
        return catalog_api.MerchantInfo(
            merchant_id=merchant_id,
            name=f"Shop {merchant_id}",
            is_active=True,
            owner_user_id=0,
            commission_rate=Decimal("0"),
        )

    def add_skus(self, merchant_id: int, *sku_ids: int) -> None:
        for sku_id in sku_ids:
            self.sku_merchant[sku_id] = merchant_id

    def get_skus(self, *, sku_ids):
        return {
            sku_id: catalog_api.SkuInfo(
                sku_id=sku_id,
                spu_id=sku_id,
                merchant_id=self.sku_merchant[sku_id],
                category_id=1,
                brand_id=None,
                title=f"Product {sku_id}",
                spec="",
                image_url="",
                price=Decimal("9.90"),
                weight_grams=100,
                purchasable=True,
            )
            for sku_id in sku_ids
            if sku_id in self.sku_merchant
        }


@pytest.fixture(autouse=True)
def catalog(monkeypatch) -> FakeCatalog:
    fake = FakeCatalog()
    monkeypatch.setattr(catalog_api, "get_skus", fake.get_skus)
    monkeypatch.setattr(catalog_api, "get_merchant", fake.get_merchant)
    # Which shops a user manages: the tenancy port over the memberships the test declares.
    with use_adapter("AUTH_TENANCY", InMemoryTenancy(staff_of=fake.managed)):
        yield fake


@pytest.fixture(autouse=True)
def _clean_cache():
    # Availability is cached in this suite's Redis db: every test starts and ends clean.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session")
def mariadb_max_connections(django_db_setup, django_db_blocker):
    """200 threads each hold a connection; MariaDB's default limit is 151, so raise it (we are
    root on the test server). Left raised: other suites may be using the server concurrently."""
    if connection.vendor != "mysql":
        pytest.skip("the concurrency tests need MariaDB")
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SHOW VARIABLES LIKE 'max_connections'")
        current = int(cursor.fetchone()[1])
        if current < MAX_CONNECTIONS:
            cursor.execute(f"SET GLOBAL max_connections = {MAX_CONNECTIONS}")
    yield


def _user(email: str, *, is_staff: bool = False):
    return get_user_model().objects.create_user(
        email=email, password="Str0ng-Passw0rd!", is_staff=is_staff
    )


@pytest.fixture
def staff(db):
    return _user("staff@example.com", is_staff=True)


@pytest.fixture
def staff_api(staff) -> APIClient:
    client = APIClient()
    client.force_authenticate(staff)
    return client


@pytest.fixture
def merchant_user(db, catalog):
    """Staff of merchant 1 only."""
    user = _user("shopkeeper@example.com")
    catalog.managed[user.pk] = {1}
    return user


@pytest.fixture
def merchant_api(merchant_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(merchant_user)
    return client


@pytest.fixture
def buyer_api(db) -> APIClient:
    client = APIClient()
    client.force_authenticate(_user("buyer@example.com"))
    return client
