"""Fixtures for coupons' tests: shops the catalog knows (faked through catalog.api), an
in-memory tenancy port, accounts and signed-in clients."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from contexts.catalog import api as catalog_api
from shared.auth import InMemoryTenancy
from shared.ports import use_adapter
from tests.support import bearer_client, make_user


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shops(monkeypatch) -> set[int]:
    """The shops catalog knows: 1 to 9."""
    known = set(range(1, 10))

    def info(merchant_id: int) -> catalog_api.MerchantInfo:
        return catalog_api.MerchantInfo(
            merchant_id=merchant_id,
            name=f"Shop {merchant_id}",
            is_active=True,
            owner_user_id=0,
            commission_rate=Decimal("0"),
        )

    monkeypatch.setattr(
        catalog_api,
        "get_merchant",
        lambda *, merchant_id: info(merchant_id) if merchant_id in known else None,
    )
    monkeypatch.setattr(
        catalog_api,
        "get_merchants",
        lambda *, merchant_ids: {m: info(m) for m in merchant_ids if m in known},
    )
    return known


@pytest.fixture
def merchants() -> InMemoryTenancy:
    fake = InMemoryTenancy()
    with use_adapter("AUTH_TENANCY", fake):
        yield fake


@pytest.fixture
def buyer_user(db):
    return make_user()


@pytest.fixture
def buyer_api(buyer_user) -> APIClient:
    return bearer_client(buyer_user)


@pytest.fixture
def staff_api(db, merchants) -> APIClient:
    return bearer_client(make_user(is_staff=True))


@pytest.fixture
def merchant_api(db, merchants, shops) -> APIClient:
    """A client for a user who owns shop 1 only."""
    user = make_user()
    merchants.owner_of[user.pk] = (1,)
    return bearer_client(user)
