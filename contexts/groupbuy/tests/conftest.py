"""Group buy fixtures: every other context real (payments through the sandbox provider), the
notifier an in-memory fake."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from shared.notifications import InMemoryNotifier
from shared.ports import use_adapter
from tests.support import client_for, make_user, open_shop, real_address


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def sandbox(settings):
    """The sandbox provider, its callback delivered in-process (its test key pair is made on
    first use, settings/test.py)."""
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    settings.PAYMENTS_NOTIFY_BASE_URL = ""


@pytest.fixture(autouse=True)
def notifier():
    with use_adapter("GROUPBUY_NOTIFIER", InMemoryNotifier()) as fake:
        yield fake


@pytest.fixture
def admin_api(db):
    return client_for(make_user(is_staff=True))


@pytest.fixture
def shop(admin_api):
    return open_shop(admin_api, freight="6.00")


@pytest.fixture
def buyers(db):
    """Three buyers, each {"user", "api", "address_id"}."""
    out = []
    for _ in range(3):
        user = make_user()
        api = client_for(user)
        out.append({"user": user, "api": api, "address_id": real_address(api)})
    return out
