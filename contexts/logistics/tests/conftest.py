"""Fixtures for logistics' tests: a fake of catalog's `merchant_ids_managed_by` (which shops a
user manages), accounts, signed-in clients and a template factory."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from contexts.catalog import api as catalog_api
from contexts.logistics import services

_emails = itertools.count()


class FakeMerchantStaff:
    """catalog_api.merchant_ids_managed_by over memberships the test declares."""

    def __init__(self) -> None:
        self.managed: dict[int, tuple[int, ...]] = {}

    def merchant_ids_managed_by(self, *, user_id: int) -> tuple[int, ...]:
        return self.managed.get(user_id, ())


@pytest.fixture
def merchants(monkeypatch) -> FakeMerchantStaff:
    fake = FakeMerchantStaff()
    monkeypatch.setattr(catalog_api, "merchant_ids_managed_by", fake.merchant_ids_managed_by)
    return fake


def make_user(**extra):
    return get_user_model().objects.create_user(
        email=f"person{next(_emails)}@example.com", password="Str0ng-Passw0rd!", **extra
    )


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def staff_api(db) -> APIClient:
    return client_for(make_user(is_staff=True))


@pytest.fixture
def merchant_api(db, merchants):
    """A client for a user managing merchant 1 only."""
    user = make_user()
    merchants.managed[user.pk] = (1,)
    return client_for(user)


def make_template(merchant_id: int = 1, **overrides):
    values = {
        "merchant_ids": None,
        "merchant_id": merchant_id,
        "name": "Standard",
        "charge_by": "piece",
        "first_unit": 1,
        "first_fee": Decimal("10.00"),
        "additional_unit": 1,
        "additional_fee": Decimal("5.00"),
        **overrides,
    }
    return services.freight_template_create(**values)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
