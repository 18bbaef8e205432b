"""Placing needs an Idempotency-Key: repeats replay, a different body is a 409, keys expire;
any failure while placing writes nothing at all (not even the key)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from contexts.inventory import api as inventory_api
from contexts.ordering.models import IdempotencyKey, OrderLine, OrderLog, Trade
from contexts.ordering.services import checkout as checkout_services
from contexts.ordering.services import idempotency
from contexts.ordering.tests.support import NO_ROWS, place, row_counts
from shared.errors import Conflict
from tests.support import client_for, error_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(world, buyer):
    world.sku(11, merchant_id=1, price="19.99")
    world.sku(21, merchant_id=2, price="100.00")
    world.address_id = world.identity.add_address(buyer.pk)
    return world


def order_body(shop, quantity=1):
    return {
        "address_id": shop.address_id,
        "items": [{"sku_id": 11, "quantity": quantity}, {"sku_id": 21, "quantity": 1}],
    }


def test_missing_or_overlong_key_is_400(shop, buyer_api):
    missing = buyer_api.post("/api/v1/orders", order_body(shop), format="json")
    blank = buyer_api.post(
        "/api/v1/orders", order_body(shop), format="json", HTTP_IDEMPOTENCY_KEY="  "
    )
    too_long = place(buyer_api, order_body(shop), key="k" * (idempotency.KEY_MAX_LENGTH + 1))

    for response in (missing, blank, too_long):
        assert response.status_code == 400
        assert error_code(response) == "idempotency_key_required"
    assert row_counts()["orders"] == 0


def test_the_longest_key_is_the_key_columns_width(shop, buyer_api):
    assert IdempotencyKey._meta.get_field("key").max_length == idempotency.KEY_MAX_LENGTH
    longest = place(buyer_api, order_body(shop), key="k" * idempotency.KEY_MAX_LENGTH)
    assert longest.status_code == 201


def test_same_key_same_body_replays_the_first_response_and_creates_nothing(shop, buyer_api):
    first = place(buyer_api, order_body(shop), key="abc-1")
    before = row_counts()
    again = place(buyer_api, order_body(shop), key="abc-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert row_counts() == before
    assert len(shop.inventory.reserve_calls) == 1


def test_key_order_in_the_body_does_not_matter(shop, buyer_api):
    first = place(buyer_api, order_body(shop), key="abc-2")
    reordered = dict(reversed(list(order_body(shop).items())))
    again = place(buyer_api, reordered, key="abc-2")

    assert again.json() == first.json()


def test_the_fingerprint_is_of_the_validated_request(shop, buyer_api):
    # The same request spelled differently (key order) is not a different request.
    first = place(buyer_api, order_body(shop), key="abc-7")
    again = place(buyer_api, dict(reversed(order_body(shop).items())), key="abc-7")

    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_same_key_different_body_is_409(shop, buyer_api):
    place(buyer_api, order_body(shop), key="abc-3")

    response = place(buyer_api, order_body(shop, quantity=2), key="abc-3")

    assert response.status_code == 409
    assert error_code(response) == "idempotency_key_reused"
    assert Trade.objects.count() == 1


def test_keys_are_per_user(shop, buyer_api, make_user):
    other = make_user()
    shop.address_other = shop.identity.add_address(other.pk)
    place(buyer_api, order_body(shop), key="shared")

    response = place(
        client_for(other),
        {**order_body(shop), "address_id": shop.address_other},
        key="shared",
    )

    assert response.status_code == 201
    assert Trade.objects.count() == 2


def test_an_expired_key_can_be_used_again(shop, buyer, buyer_api):
    place(buyer_api, order_body(shop), key="abc-4")
    record = IdempotencyKey.objects.get(user_id=buyer.pk, key="abc-4")
    assert record.expires_at - record.created_at == timedelta(
        seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS
    )
    IdempotencyKey.objects.filter(pk=record.pk).update(expires_at=timezone.now())

    response = place(buyer_api, order_body(shop, quantity=3), key="abc-4")

    assert response.status_code == 201
    assert Trade.objects.count() == 2
    assert IdempotencyKey.objects.filter(user_id=buyer.pk, key="abc-4").count() == 1


def test_the_stored_response_is_the_one_returned(shop, buyer, buyer_api):
    response = place(buyer_api, order_body(shop), key="abc-5")

    record = IdempotencyKey.objects.get(user_id=buyer.pk, key="abc-5")
    assert record.response_status == 201
    assert record.response_body == response.json()
    assert record.request_hash == idempotency.request_fingerprint(order_body(shop))


def test_a_failed_attempt_keeps_no_key_so_a_retry_can_succeed(shop, buyer_api):
    shop.inventory.stock(21, 0)
    failed = place(buyer_api, order_body(shop), key="abc-6")
    shop.inventory.stock(21, 5)

    retried = place(buyer_api, order_body(shop), key="abc-6")

    assert failed.status_code == 422
    assert retried.status_code == 201


# --- Nothing half-written -------------------------------------------------------------------


class Boom(Exception):
    pass


def _raise(*args, **kwargs):
    raise Boom("injected failure")


def _fail_after_orders(monkeypatch):
    # The lines are written right after the orders: failing there leaves orders to roll back.
    monkeypatch.setattr(OrderLine.objects, "bulk_create", _raise)


def _fail_writing_logs(monkeypatch):
    monkeypatch.setattr(OrderLog.objects, "bulk_create", _raise)


def _fail_reserving(monkeypatch):
    monkeypatch.setattr(inventory_api, "reserve", _raise)


def _fail_publishing(monkeypatch):
    calls = []

    def publish_then_fail(event):
        calls.append(event)
        if len(calls) == 2:  # the first event is already in the outbox
            raise Boom("publish failed")
        original(event)

    original = checkout_services.publish
    monkeypatch.setattr(checkout_services, "publish", publish_then_fail)


def _fail_storing_response(monkeypatch):
    monkeypatch.setattr(idempotency, "_json_safe", _raise)


@pytest.mark.parametrize(
    "inject",
    [
        _fail_after_orders,
        _fail_writing_logs,
        _fail_reserving,
        _fail_publishing,
        _fail_storing_response,
    ],
)
def test_a_failure_at_any_step_writes_nothing(shop, buyer, buyer_api, monkeypatch, inject):
    shop.cart.add(buyer.pk, 11, 1)
    shop.cart.add(buyer.pk, 21, 1)
    inject(monkeypatch)

    response = place(buyer_api, {"address_id": shop.address_id}, key="doomed")

    assert response.status_code == 500
    assert error_code(response) == "internal_error"
    assert row_counts() == NO_ROWS


def test_idempotent_response_retries_a_deadlock_victim(db, monkeypatch):
    from django.db import OperationalError

    attempts = []

    def produce():
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError(1213, "Deadlock found when trying to get lock")
        return 201, {"ok": Decimal("1.50")}

    result = idempotency.idempotent_response(user_id=1, key="dl", request_hash="h", produce=produce)

    assert len(attempts) == 2
    assert (result.status, result.body, result.replayed) == (201, {"ok": "1.50"}, False)


def test_idempotent_response_retries_a_lock_wait_timeout(db, monkeypatch):
    from django.db import OperationalError

    attempts = []

    def produce():
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError(1205, "Lock wait timeout exceeded; try restarting transaction")
        return 201, {"ok": True}

    result = idempotency.idempotent_response(user_id=1, key="lw", request_hash="h", produce=produce)

    assert len(attempts) == 2
    assert (result.status, result.replayed) == (201, False)


@pytest.mark.parametrize(
    ("args", "retried"),
    [
        ((1213, "Deadlock found when trying to get lock"), True),
        ((1205, "Lock wait timeout exceeded; try restarting transaction"), True),
        ((2006, "MySQL server has gone away"), False),
        ((1062, "Duplicate entry"), False),
        ((), False),
    ],
)
def test_lock_conflicts_are_deadlocks_and_lock_wait_timeouts(args, retried):
    from django.db import OperationalError

    assert idempotency._is_lock_conflict(OperationalError(*args)) is retried


def test_idempotent_response_does_not_retry_other_database_errors(db):
    from django.db import OperationalError

    def produce():
        raise OperationalError(2006, "gone away")

    with pytest.raises(OperationalError):
        idempotency.idempotent_response(user_id=1, key="x", request_hash="h", produce=produce)
    assert IdempotencyKey.objects.count() == 0


def test_an_integrity_error_of_the_work_itself_is_not_taken_for_a_used_key(db):
    from django.db import IntegrityError

    def produce():
        raise IntegrityError(1062, "Duplicate entry for some other table")

    with pytest.raises(IntegrityError):
        idempotency.idempotent_response(user_id=1, key="y", request_hash="h", produce=produce)
    assert IdempotencyKey.objects.count() == 0


def test_endless_deadlocks_end_in_a_retryable_409(db, monkeypatch):
    from django.db import OperationalError

    monkeypatch.setattr(idempotency, "_PAUSE_SECONDS", 0)

    def produce():
        raise OperationalError(1213, "Deadlock found when trying to get lock")

    with pytest.raises(Conflict) as caught:
        idempotency.idempotent_response(user_id=1, key="z", request_hash="h", produce=produce)
    assert caught.value.code == "idempotency_key_busy"


def test_expired_keys_are_purged_and_live_ones_kept(shop, buyer_api):
    from contexts.ordering.tasks import purge_expired_idempotency_keys

    place(buyer_api, order_body(shop), key="old-1")
    place(buyer_api, order_body(shop), key="new-1")
    IdempotencyKey.objects.filter(key="old-1").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert purge_expired_idempotency_keys() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new-1"]
