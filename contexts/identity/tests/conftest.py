"""Fixtures for identity's tests: API clients, accounts, a clean cache per test."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from contexts.identity.tests.factories import UserFactory
from contexts.identity.tests.support import signed_in
from shared.notifications import InMemoryNotifier
from shared.ports import use_adapter


@pytest.fixture(autouse=True)
def _clean_cache():
    # Sign-in failure counters live in the cache (this suite's Redis db): start each test clean.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def user_api(user) -> APIClient:
    return signed_in(user)[0]


@pytest.fixture(autouse=True)
def notifier():
    """Messages identity sends (reset codes), kept in memory."""
    with use_adapter("IDENTITY_NOTIFIER", InMemoryNotifier()) as fake:
        yield fake
