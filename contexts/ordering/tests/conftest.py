"""Fixtures for ordering's tests: the other contexts as in-memory fakes, accounts, clients."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from contexts.ordering.tests.fakes import FakeWorld
from shared.auth import InMemoryTenancy
from shared.ports import use_adapter
from tests import support
from tests.support import client_for


@pytest.fixture(autouse=True)
def _clean_cache():
    # Inventory caches availability per SKU id in this suite's Redis db: start each test clean.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(monkeypatch) -> FakeWorld:
    world = FakeWorld().install(monkeypatch)
    # Which shops a user manages: the tenancy port over the managers the test declares.
    with use_adapter("AUTH_TENANCY", InMemoryTenancy(staff_of=world.catalog.managers)):
        yield world


@pytest.fixture
def make_user(db):
    return support.make_user


@pytest.fixture
def buyer(make_user):
    return make_user()


@pytest.fixture
def buyer_api(buyer) -> APIClient:
    return client_for(buyer)


@pytest.fixture
def staff(make_user):
    return make_user(is_staff=True)


@pytest.fixture
def staff_api(staff) -> APIClient:
    return client_for(staff)


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
