"""Recommendation's signals from the real cart and ordering: a cart add (cart.item.added) and
a paid order (ordering.order.paid) reach the graph through the event bus, once each; one signal
key taken by concurrent threads counts once."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache

from contexts.catalog import api as catalog_api
from contexts.ordering.tests.support import created, open_shop, place
from contexts.recommendation import services
from contexts.recommendation.data import Relation
from contexts.recommendation.models import GraphLink, Signal
from contexts.recommendation.ports import recommendation_graph
from shared.testing import run_concurrently
from tests.aftersales_support import pay, sandbox_payments, shop_world
from tests.support import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(settings, tmp_path):
    cache.clear()
    sandbox_payments(settings, tmp_path)
    base = shop_world()
    owner = make_user()
    shop = open_shop(
        base["admin"],
        name=uuid.uuid4().hex[:6],
        owner_id=owner.pk,
        prices=["10.00", "20.00", "30.00"],
        units=50,
    )
    base["sku_ids"] = shop["sku_ids"]
    return base


def spu_of(sku_id: int) -> int:
    return catalog_api.get_skus(sku_ids=[sku_id])[sku_id].spu_id


def test_a_paid_order_makes_its_products_bought_together(world):
    a, b, _ = world["sku_ids"]
    body = {
        "address_id": world["address_id"],
        "items": [{"sku_id": a, "quantity": 1}, {"sku_id": b, "quantity": 2}],
    }
    placed = created(place(world["buyer_api"], body))
    pay(world["buyer_api"], placed["trade_no"])
    buyer = f"u:{world['buyer'].pk}"
    purchases = Signal.objects.filter(kind="purchase", user_key=buyer)
    assert purchases.count() == 1
    assert sorted(purchases.get().spu_ids) == sorted([spu_of(a), spu_of(b)])
    graph = recommendation_graph()
    together = graph.co_occurring(spu_ids=[spu_of(a)], relation=Relation.PURCHASED, limit=10)
    assert [s.spu_id for s in together] == [spu_of(b)]
    page = world["buyer_api"].get(f"/api/v1/products/{spu_of(a)}/recommendations").json()
    assert [p["spu_id"] for p in page["bought_together"]] == [spu_of(b)]


def test_a_cart_add_is_a_carted_link_and_the_cart_shows_what_goes_with_it(world):
    a, _, c = world["sku_ids"]
    other = make_user()
    services.signal_take(
        key="seed",
        kind=Signal.Kind.PURCHASE,
        user_key=f"u:{other.pk}",
        spu_ids=[spu_of(a), spu_of(c)],
        at=services.TRENDING_EPOCH,
    )
    response = world["buyer_api"].post(
        "/api/v1/cart/items", {"sku_id": a, "quantity": 1}, format="json"
    )
    assert response.status_code == 200
    links = GraphLink.objects.filter(user_key=f"u:{world['buyer'].pk}", relation="CARTED")
    assert list(links.values_list("spu_id", flat=True)) == [spu_of(a)]
    extras = response.json()["extras"]["recommendations"]
    assert [p["spu_id"] for p in extras["bought_together"]] == [spu_of(c)]
    mine = world["buyer_api"].get("/api/v1/cart/recommendations").json()
    assert [p["spu_id"] for p in mine["bought_together"]] == [spu_of(c)]


@pytest.mark.concurrency
def test_one_signal_key_taken_by_concurrent_threads_counts_once(world):
    a = world["sku_ids"][0]
    spu = spu_of(a)

    def take(_):
        return services.signal_take(
            key="same-event",
            kind=Signal.Kind.PURCHASE,
            user_key="u:424242",
            spu_ids=[spu],
            at=services.TRENDING_EPOCH,
        )

    results = run_concurrently(4, take)
    assert sorted(results) == [False, False, False, True]
    assert GraphLink.objects.get(user_key="u:424242").times == 1
