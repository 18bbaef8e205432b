"""A small real shop (through the REST endpoints of catalog, inventory and logistics) for the
HTTP robustness tests, and clients for a buyer and staff."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from contexts.ordering.tests.support import client_for, open_shop, real_address


def _user(*, staff: bool = False):
    return get_user_model().objects.create_user(
        email=f"http-{uuid.uuid4().hex[:12]}@example.com",
        password="Str0ng-Passw0rd!",
        is_staff=staff,
    )


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(db):
    return _user(staff=True)


@pytest.fixture
def staff_api(staff):
    return client_for(staff)


@pytest.fixture
def buyer(db):
    return _user()


@pytest.fixture
def buyer_api(buyer):
    return client_for(buyer)


@pytest.fixture
def shop(staff_api, buyer) -> dict:
    owner = _user()
    return open_shop(
        staff_api, name=uuid.uuid4().hex[:6], owner_id=owner.pk, prices=["9.90"], units=5
    )


@pytest.fixture
def address_id(buyer_api) -> int:
    return real_address(buyer_api)


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]
