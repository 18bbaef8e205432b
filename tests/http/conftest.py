"""A small real shop (through the REST endpoints of catalog, inventory and logistics) for the
HTTP robustness tests, and clients for a buyer and staff."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.support import client_for, make_user, open_shop, real_address


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(db):
    return make_user(is_staff=True)


@pytest.fixture
def staff_api(staff):
    return client_for(staff)


@pytest.fixture
def buyer(db):
    return make_user()


@pytest.fixture
def buyer_api(buyer):
    return client_for(buyer)


@pytest.fixture
def shop(staff_api, buyer) -> dict:
    return open_shop(staff_api, prices=["9.90"], units=5)


@pytest.fixture
def address_id(buyer_api) -> int:
    return real_address(buyer_api)


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]
