"""Availability reads are cached (Redis in this suite) and dropped after every committed change."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from contexts.inventory import api as inventory_api
from contexts.inventory import domain, services
from contexts.inventory.models import StockRecord
from contexts.inventory.tests.support import request, stock, warehouse
from shared.auth import SYSTEM

pytestmark = pytest.mark.django_db(transaction=True)

KEY = domain.availability_cache_key(5)


def available(sku_id: int = 5) -> int:
    return inventory_api.availability(sku_ids=[sku_id])[sku_id].available


@pytest.fixture
def record(catalog):
    catalog.add_skus(1, 5)
    return stock(5, 10, at=warehouse(1))


def test_the_suite_runs_against_redis():
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


def test_a_read_is_cached_and_every_change_drops_it(record):
    assert available() == 10
    assert cache.get(KEY) == (10, 0)
    # Written behind the services' back: not seen, so the value really comes from the cache.
    StockRecord.objects.filter(pk=record.pk).update(on_hand=11)
    assert available() == 10

    services.stock_inbound(principal=SYSTEM, warehouse_id=record.warehouse_id, sku_id=5, quantity=5)
    assert cache.get(KEY) is None
    assert available() == 16

    inventory_api.reserve(requests=[request("SO-1", (5, 6))])
    assert available() == 10
    inventory_api.release(order_refs=["SO-1"])
    assert available() == 16
    inventory_api.reserve(requests=[request("SO-2", (5, 6))])
    assert available() == 10
    inventory_api.commit(order_refs=["SO-2"])
    assert inventory_api.availability(sku_ids=[5])[5].on_hand == 10
    inventory_api.restore(order_ref="SO-2", reference="RF-1")
    assert available() == 16
    services.stock_adjust(principal=SYSTEM, warehouse_id=record.warehouse_id, sku_id=5, counted=2)
    assert available() == 2


def test_deactivating_a_warehouse_drops_its_skus(record):
    assert available() == 10
    services.warehouse_update(
        principal=SYSTEM, warehouse_id=record.warehouse_id, data={"is_active": False}
    )
    assert available() == 0


def test_an_unknown_sku_is_cached_as_zero_until_stock_arrives(record, catalog):
    catalog.add_skus(1, 6)
    assert available(6) == 0
    services.stock_inbound(principal=SYSTEM, warehouse_id=record.warehouse_id, sku_id=6, quantity=3)
    assert available(6) == 3


def test_a_value_read_inside_a_transaction_is_cached_only_after_commit(record):
    with transaction.atomic():
        assert available() == 10
        assert cache.get(KEY) is None
    assert cache.get(KEY) == (10, 0)


def test_a_refused_reservation_keeps_the_cache(record):
    assert available() == 10
    with pytest.raises(Exception):
        inventory_api.reserve(requests=[request("SO-1", (5, 11))])
    assert cache.get(KEY) == (10, 0)
