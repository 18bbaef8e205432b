"""Flash sale under a crowd, every context real, real threads against MariaDB and Redis.

1,200 purchase attempts (400 buyers, 3 each, limit 2) race for 100 units through the purchase
endpoint on the Redis engine; 300 attempts (150 buyers, 2 each, limit 1) for 50 units on the
database engine. Each success queues its order (the task runs eagerly in the thread, as the
embedded default does). Exactly the units sell, exactly that many orders exist once the queue
drains, no buyer holds more than the limit, and the Redis counter never goes below zero (a
watcher samples it throughout).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from contexts.flashsale import services as flashsale
from contexts.flashsale.adapters.database import DatabaseStockEngine
from contexts.flashsale.adapters.redis import RedisStockEngine
from contexts.flashsale.domain import item_keys
from contexts.flashsale.models import FlashPurchase
from contexts.identity import services as identity
from contexts.ordering.models import Order
from shared.auth import SYSTEM
from shared.ports import use_adapter
from shared.testing import run_concurrently
from tests.support import client_for, open_shop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

THREADS = 200


@pytest.fixture
def enough_connections():
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@GLOBAL.max_connections")
        (current,) = cursor.fetchone()
        if current < THREADS + 100:
            cursor.execute(f"SET GLOBAL max_connections = {THREADS + 300}")


def _user(*, is_staff: bool = False):
    return get_user_model().objects.create_user(
        email=f"crowd-{uuid.uuid4().hex[:12]}@example.com",
        password="Str0ng-Passw0rd!",
        is_staff=is_staff,
    )


def _buyers(count: int) -> list[tuple[object, int]]:
    buyers = []
    for _ in range(count):
        user = _user()
        address = identity.address_create(
            user_id=user.pk,
            receiver_name="Li Lei",
            receiver_phone="13800138000",
            province_code="310000",
            city_code="310100",
            district_code="310104",
            detail="No. 1 Road",
        )
        buyers.append((user, address.pk))
    return buyers


def _sale(*, units: int, limit: int):
    admin = client_for(_user(is_staff=True))
    shop = open_shop(
        admin, name=uuid.uuid4().hex[:5], owner_id=_user().pk, prices=["99.00"], units=5000
    )
    now = timezone.now()
    session = flashsale.session_create(
        name="Crowd",
        starts_at=now - timedelta(seconds=30),
        ends_at=now + timedelta(hours=1),
        principal=SYSTEM,
    )
    item = flashsale.item_add(
        session_id=session.pk,
        sku_id=shop["sku_ids"][0],
        flash_price=Decimal("9.90"),
        flash_stock=units,
        per_user_limit=limit,
        principal=SYSTEM,
    )
    flashsale.session_schedule(session_id=session.pk, principal=SYSTEM)
    flashsale.items_load_due()
    return item


def _crowd(item, buyers, attempts_each: int) -> list[tuple[int, int, str]]:
    """Every buyer's attempts (each with its own token), spread over THREADS threads released
    together; returns (user id, status, error code) per attempt."""
    plan = []
    for user, address_id in buyers:
        for _ in range(attempts_each):
            token = flashsale.purchase_token_issue(item_id=item.pk, user_id=user.pk).token
            plan.append((user, address_id, token))
    slices = [plan[n::THREADS] for n in range(THREADS)]

    def work(n: int) -> list[tuple[int, int, str]]:
        outcomes = []
        for user, address_id, token in slices[n]:
            response = client_for(user).post(
                f"/api/v1/flash-items/{item.pk}/purchase",
                {"token": token, "address_id": address_id},
                format="json",
            )
            code = "" if response.status_code == 202 else response.json()["error"]["code"]
            outcomes.append((user.pk, response.status_code, code))
        return outcomes

    results = run_concurrently(THREADS, work)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    return [outcome for batch in results for outcome in batch]


def _check(item, outcomes, *, units: int, limit: int, attempts: int) -> None:
    assert len(outcomes) == attempts
    statuses = Counter((status, code) for _, status, code in outcomes)
    assert statuses[(202, "")] == units, statuses
    assert set(statuses) <= {(202, ""), (409, "sold_out"), (409, "limit_reached")}, statuses
    per_user = Counter(user for user, status, _ in outcomes if status == 202)
    assert max(per_user.values()) <= limit
    purchases = FlashPurchase.objects.filter(item=item)
    assert purchases.count() == units
    assert set(purchases.values_list("status", flat=True)) == {"ordered"}
    orders = Order.objects.filter(source="flashsale", source_ref__in=purchases.values("ticket_no"))
    assert orders.count() == units
    assert all(o.pay_amount == Decimal("9.90") for o in orders)  # freight 0.00 in this shop
    by_buyer = Counter(orders.values_list("buyer_id", flat=True))
    assert max(by_buyer.values()) <= limit


def test_redis_engine_sells_exactly_the_units_to_a_crowd(enough_connections, settings_override):
    engine = RedisStockEngine()
    client = engine.client
    for key in client.scan_iter("flashsale:*"):
        client.delete(key)
    with use_adapter("FLASHSALE_STOCK_ENGINE", engine):
        item = _sale(units=100, limit=2)
        stock_key = item_keys(item.pk)["stock"]
        lowest, done = [int(client.get(stock_key))], threading.Event()

        def watch() -> None:
            while not done.is_set():
                lowest.append(int(client.get(stock_key)))

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            outcomes = _crowd(item, _buyers(400), attempts_each=3)
        finally:
            done.set()
            watcher.join()

        _check(item, outcomes, units=100, limit=2, attempts=1200)
        assert min(lowest) >= 0 and len(lowest) > 10
        assert int(client.get(stock_key)) == 0
        assert client.hlen(item_keys(item.pk)["tickets"]) == 100
        # Every queued ticket got its purchase row (the order task) and left the queue.
        assert client.hlen(item_keys(item.pk)["queued"]) == 0
        held = {int(k): int(v) for k, v in client.hgetall(item_keys(item.pk)["users"]).items()}
        assert sum(held.values()) == 100 and max(held.values()) <= 2


def test_database_engine_sells_exactly_the_units_to_a_crowd(enough_connections, settings_override):
    with use_adapter("FLASHSALE_STOCK_ENGINE", DatabaseStockEngine()):
        item = _sale(units=50, limit=1)
        outcomes = _crowd(item, _buyers(150), attempts_each=2)

        _check(item, outcomes, units=50, limit=1, attempts=300)
        item.refresh_from_db()
        assert item.remaining == 0


@pytest.fixture
def settings_override(settings):
    # Only flash sale and ordering work in the threads; events are relayed afterwards.
    settings.EVENTS_RELAY_ON_COMMIT = False
    # The tokens are all issued before the crowd is released; a slow machine must not expire them.
    settings.FLASHSALE_TOKEN_TTL_SECONDS = 3600
    return settings
