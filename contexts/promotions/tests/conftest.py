"""Fixtures for promotions' tests: the catalog as an in-memory fake (shops, SKUs, categories),
an in-memory tenancy port, accounts, clients and an activity factory."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from contexts.catalog import api as catalog_api
from contexts.promotions import services
from shared.auth import SYSTEM, InMemoryTenancy
from shared.ports import use_adapter
from tests.support import bearer_client, make_user


class FakeCatalog:
    """Shops 1-3; categories 1 (root) > 2 > 3 and 4 (root); SKUs added by tests."""

    def __init__(self) -> None:
        self.merchants = {m: f"Shop {m}" for m in (1, 2, 3)}
        self.parents = {1: None, 2: 1, 3: 2, 4: None}
        self.skus: dict[int, catalog_api.SkuInfo] = {}

    def sku(self, sku_id, price, *, merchant_id=1, spu_id=None, category_id=3):
        self.skus[sku_id] = catalog_api.SkuInfo(
            sku_id=sku_id,
            spu_id=spu_id or sku_id * 10,
            merchant_id=merchant_id,
            category_id=category_id,
            brand_id=None,
            title=f"Tea {sku_id}",
            spec="",
            image_url="",
            price=Decimal(price),
            weight_grams=100,
            purchasable=True,
        )
        return sku_id

    def _merchant(self, merchant_id):
        return catalog_api.MerchantInfo(
            merchant_id=merchant_id,
            name=self.merchants[merchant_id],
            is_active=True,
            owner_user_id=0,
            commission_rate=Decimal("0"),
        )

    def install(self, monkeypatch) -> FakeCatalog:
        def ancestors(category_id):
            chain = []
            while category_id is not None:
                chain.insert(0, category_id)
                category_id = self.parents[category_id]
            return tuple(chain)

        patches = {
            "get_merchant": lambda *, merchant_id: (
                self._merchant(merchant_id) if merchant_id in self.merchants else None
            ),
            "get_merchants": lambda *, merchant_ids: {
                m: self._merchant(m) for m in merchant_ids if m in self.merchants
            },
            "merchant_names": lambda *, merchant_ids: {
                m: self.merchants[m] for m in merchant_ids if m in self.merchants
            },
            "get_skus": lambda *, sku_ids: {s: self.skus[s] for s in sku_ids if s in self.skus},
            "spu_merchants": lambda *, spu_ids: {
                sku.spu_id: sku.merchant_id for sku in self.skus.values() if sku.spu_id in spu_ids
            },
            "categories_ancestor_ids": lambda *, category_ids: {
                c: ancestors(c) for c in category_ids if c in self.parents
            },
        }
        for name, fake in patches.items():
            monkeypatch.setattr(catalog_api, name, fake)
        return self


@pytest.fixture
def catalog(monkeypatch) -> FakeCatalog:
    return FakeCatalog().install(monkeypatch)


@pytest.fixture
def merchants() -> InMemoryTenancy:
    """Which shops a user manages: `merchants.staff_of[user_id] = (merchant_id, ...)`."""
    fake = InMemoryTenancy()
    with use_adapter("AUTH_TENANCY", fake):
        yield fake


@pytest.fixture
def staff_api(db, merchants) -> APIClient:
    return bearer_client(make_user(is_staff=True))


@pytest.fixture
def merchant_api(db, merchants) -> APIClient:
    """A client for a user managing shop 1 only."""
    user = make_user()
    merchants.staff_of[user.pk] = (1,)
    return bearer_client(user)


@pytest.fixture
def buyer_api(db, merchants) -> APIClient:
    return bearer_client(make_user())


def make_activity(merchant_id=1, *, schedule=True, starts_in=timedelta(0), **overrides):
    now = timezone.now()
    values = {
        "name": "Spend 200 save 20",
        "rule_kind": "spend_off",
        "rule_params": {"tiers": [{"threshold": "200.00", "amount": "20.00"}]},
        "starts_at": now + starts_in - timedelta(seconds=1),
        "ends_at": now + starts_in + timedelta(days=1),
        **overrides,
    }
    return services.activity_create(
        principal=SYSTEM, merchant_id=merchant_id, schedule=schedule, **values
    )


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
