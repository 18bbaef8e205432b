"""Reconciliation (Redis engine, the one that can drift from the database): each kind of drift is
fixed in the safe direction and a second pass finds nothing to do."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from contexts.flashsale import services, tasks
from contexts.flashsale.adapters.redis import RedisStockEngine
from contexts.flashsale.domain import item_keys
from contexts.flashsale.models import FlashPurchase
from contexts.flashsale.tests.support import buy, selling_session
from shared.ports import use_adapter
from tests.support import client_for, error_code, make_user, real_address

pytestmark = pytest.mark.django_db


def old_ticket(seconds_ago: int = 600) -> str:
    return f"F{int((time.time() - seconds_ago) * 1000):013d}{uuid.uuid4().hex[:16]}"


def left(engine, item) -> int:
    return engine.remaining(item_ids=[item.pk])[item.pk]


def test_an_orphan_ticket_older_than_the_grace_period_is_given_back(redis_engine, shop):
    _, item = selling_session(shop["sku_id"], units=5)
    ticket = old_ticket()
    taken = redis_engine.take(
        item_id=item.pk, user_id=1, quantity=1, ticket_no=ticket, now=timezone.now()
    )
    assert taken.outcome == "taken"
    # Neither queued nor written (a record from before tickets were queued with the take).
    redis_engine.dequeue(item_id=item.pk, ticket_no=ticket)
    young_ticket = old_ticket(0)
    young = redis_engine.take(
        item_id=item.pk, user_id=2, quantity=1, ticket_no=young_ticket, now=timezone.now()
    )
    assert young.remaining == 3
    redis_engine.dequeue(item_id=item.pk, ticket_no=young_ticket)

    report = services.purchases_reconcile()

    assert report.orphans_returned == 1  # the young one may still be in its request
    assert left(redis_engine, item) == 4
    assert services.purchases_reconcile().orphans_returned == 0


def test_a_return_the_engine_missed_is_replayed_once(redis_engine, shop, buyer_api, address_id):
    _, item = selling_session(shop["sku_id"], units=5)
    ticket_no = buy(buyer_api, item.pk, address_id).json()["ticket_no"]
    services.purchase_order_create(ticket_no=ticket_no)
    # The purchase was returned but the process died before the engine got the unit back.
    FlashPurchase.objects.filter(ticket_no=ticket_no).update(status="returned")
    assert left(redis_engine, item) == 4

    assert services.purchases_reconcile().returns_replayed == 1
    assert left(redis_engine, item) == 5
    assert services.purchases_reconcile().returns_replayed == 0
    assert left(redis_engine, item) == 5


def test_units_above_the_allotment_are_lowered_and_fewer_are_left_alone(redis_engine, shop):
    _, item = selling_session(shop["sku_id"], units=5)
    stock_key = item_keys(item.pk)["stock"]
    redis_engine.client.incrby(stock_key, 3)

    assert services.purchases_reconcile().lowered_units == 3
    assert left(redis_engine, item) == 5

    redis_engine.client.decrby(stock_key, 2)  # fewer than expected: unsold, safe
    assert services.purchases_reconcile().lowered_units == 0
    assert left(redis_engine, item) == 3


def test_an_engine_that_lost_the_item_is_reloaded_from_the_purchases(
    redis_engine, shop, buyer_api, address_id
):
    _, item = selling_session(shop["sku_id"], units=5, limit=1)
    bought = buy(buyer_api, item.pk, address_id)
    assert bought.status_code == 202
    services.purchase_order_create(ticket_no=bought.json()["ticket_no"])  # the row is written
    redis_engine.unload(item_id=item.pk)  # Redis restarted without its data

    assert services.purchases_reconcile().reloaded == 1

    assert left(redis_engine, item) == 4
    again = buy(buyer_api, item.pk, address_id)
    assert error_code(again) == "limit_reached"  # the buyer's count came back too
    other = client_for(make_user())
    assert buy(other, item.pk, real_address(other)).status_code == 202


def test_a_purchase_stuck_pending_gets_its_order_again(
    redis_engine, shop, buyer, address_id, monkeypatch, django_capture_on_commit_callbacks
):
    _, item = selling_session(shop["sku_id"], units=5)
    ticket = old_ticket()
    redis_engine.take(
        item_id=item.pk, user_id=buyer.pk, quantity=1, ticket_no=ticket, now=timezone.now()
    )
    FlashPurchase.objects.create(
        ticket_no=ticket, item=item, user_id=buyer.pk, address_id=address_id, quantity=1
    )

    result = tasks.reconcile()

    assert result["requeued"] == 1
    purchase = FlashPurchase.objects.get(ticket_no=ticket)
    assert purchase.status == "ordered" and purchase.order_no
    assert tasks.reconcile()["requeued"] == 0


def test_the_storefront_survives_an_unreachable_redis(shop, settings, client):
    _, item = selling_session(shop["sku_id"], units=5, schedule=False)
    settings.FLASHSALE_REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    settings.FLASHSALE_REDIS_TIMEOUT_SECONDS = 0.2
    with use_adapter("FLASHSALE_STOCK_ENGINE", RedisStockEngine()):
        assert RedisStockEngine().remaining(item_ids=[item.pk]) == {item.pk: None}
        assert client.get("/api/v1/flash-sessions").status_code == 200


def test_queued_tickets_hold_their_units_and_old_ones_get_their_order(
    redis_engine, shop, buyer, address_id
):
    """A ticket the take queued has no purchase row until its order task runs: reconciliation
    never gives its unit back (it would be sold twice), and queues the order of one older than
    the grace period (its task was lost)."""
    _, item = selling_session(shop["sku_id"], units=5, limit=2)
    old, young = old_ticket(), old_ticket(0)
    for ticket in (old, young):
        taken = redis_engine.take(
            item_id=item.pk,
            user_id=buyer.pk,
            quantity=1,
            ticket_no=f"{ticket}I{item.pk}",
            now=timezone.now(),
            address_id=address_id,
        )
        assert taken.outcome == "taken"
    redis_engine.client.incrby(item_keys(item.pk)["stock"], 1)  # drift: one unit too many

    report = services.purchases_reconcile()

    assert (report.orphans_returned, report.lowered_units) == (0, 1)
    assert report.stuck_tickets == (f"{old}I{item.pk}",)
    assert left(redis_engine, item) == 3  # 5 minus the two queued tickets
    assert not FlashPurchase.objects.exists()

    assert tasks.reconcile()["requeued"] == 1
    purchase = FlashPurchase.objects.get(ticket_no=f"{old}I{item.pk}")
    assert purchase.status == "ordered" and purchase.order_no
    assert left(redis_engine, item) == 3


def test_settlement_waits_for_queued_tickets(redis_engine, shop, buyer, address_id):
    _, item = selling_session(shop["sku_id"], units=5)
    ticket = f"{old_ticket(0)}I{item.pk}"
    redis_engine.take(
        item_id=item.pk,
        user_id=buyer.pk,
        quantity=1,
        ticket_no=ticket,
        now=timezone.now(),
        address_id=address_id,
    )
    services.sessions_end_due(now=timezone.now() + timedelta(hours=2))
    assert services.item_settle(item_id=item.pk) is False
    redis_engine.dequeue(item_id=item.pk, ticket_no=ticket)
    assert services.item_settle(item_id=item.pk) is True
