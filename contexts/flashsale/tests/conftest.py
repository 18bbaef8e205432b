"""Flash sale fixtures: every other context real; the stock engine parametrised where a test
runs on both (Redis: the suite's Redis db; database: conditional updates)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from contexts.flashsale.adapters.database import DatabaseStockEngine
from contexts.flashsale.adapters.redis import RedisStockEngine
from shared.ports import use_adapter
from tests.support import client_for, make_user, open_shop, real_address


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def redis_engine():
    engine = RedisStockEngine()
    for key in engine.client.scan_iter("flashsale:*"):
        engine.client.delete(key)
    with use_adapter("FLASHSALE_STOCK_ENGINE", engine):
        yield engine


@pytest.fixture
def db_engine():
    engine = DatabaseStockEngine()
    with use_adapter("FLASHSALE_STOCK_ENGINE", engine):
        yield engine


@pytest.fixture(params=["redis", "database"])
def engine(request):
    return request.getfixturevalue("redis_engine" if request.param == "redis" else "db_engine")


@pytest.fixture
def admin_api(db):
    return client_for(make_user(is_staff=True))


@pytest.fixture
def shop(admin_api):
    return open_shop(admin_api, units=1000, freight="6.00")


@pytest.fixture
def buyer(db):
    return make_user()


@pytest.fixture
def buyer_api(buyer):
    return client_for(buyer)


@pytest.fixture
def address_id(buyer_api):
    return real_address(buyer_api)
