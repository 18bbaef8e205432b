"""Fixtures for logistics' tests: an in-memory tenancy port (which shops a user manages),
accounts, signed-in clients and a template factory."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from contexts.catalog import api as catalog_api
from contexts.logistics import services
from shared.auth import SYSTEM, InMemoryTenancy
from shared.ports import use_adapter
from tests.support import bearer_client, make_user


@pytest.fixture(autouse=True)
def shops(monkeypatch) -> set[int]:
    """The shops catalog knows (catalog_api.get_merchant over these ids): 1 to 9."""
    known = set(range(1, 10))

    def get_merchant(*, merchant_id: int):
        if merchant_id not in known:
            return None
        return catalog_api.MerchantInfo(
            merchant_id=merchant_id,
            name=f"Shop {merchant_id}",
            is_active=True,
            owner_user_id=0,
            commission_rate=Decimal("0"),
        )

    monkeypatch.setattr(catalog_api, "get_merchant", get_merchant)
    return known


@pytest.fixture
def merchants() -> InMemoryTenancy:
    """Which shops a user manages: `merchants.staff_of[user_id] = (merchant_id, ...)`."""
    fake = InMemoryTenancy()
    with use_adapter("AUTH_TENANCY", fake):
        yield fake


@pytest.fixture
def staff_api(db) -> APIClient:
    return bearer_client(make_user(is_staff=True))


@pytest.fixture
def merchant_api(db, merchants):
    """A client for a user managing merchant 1 only."""
    user = make_user()
    merchants.staff_of[user.pk] = (1,)
    return bearer_client(user)


def make_template(merchant_id: int = 1, **overrides):
    values = {
        "merchant_id": merchant_id,
        "name": "Standard",
        "charge_by": "piece",
        "first_unit": 1,
        "first_fee": Decimal("10.00"),
        "additional_unit": 1,
        "additional_fee": Decimal("5.00"),
        **overrides,
    }
    return services.freight_template_create(principal=SYSTEM, **values)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
