"""Ordering and the REAL cart context: a checkout from the cart takes its selected lines out of
the cart in the placing transaction, event delivery or not, and a buy-now order leaves the cart
alone (catalog, inventory, identity and logistics stay faked)."""

from __future__ import annotations

import pytest

from contexts.ordering.models import Order
from contexts.ordering.tests.fakes import FakeWorld
from contexts.ordering.tests.support import place
from shared.testing import run_concurrently
from tests.support import client_for, created, error_code

# Committed transactions: the relay delivers OrderPlaced to the cart right after each commit.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(monkeypatch, buyer):
    world = FakeWorld().install(monkeypatch, real=("cart",))
    world.sku(11, merchant_id=1, price="19.99")
    world.sku(12, merchant_id=1, price="5.00")
    world.sku(21, merchant_id=2, price="100.00")
    world.address_id = world.identity.add_address(buyer.pk)
    return world


def cart_lines(client) -> dict[int, int]:
    groups = client.get("/api/v1/cart").json()["groups"]
    return {line["sku_id"]: line["quantity"] for g in groups for line in g["lines"]}


@pytest.fixture
def filled_cart(shop, buyer_api):
    for sku_id, quantity in ((11, 2), (21, 1), (12, 1)):
        created(
            buyer_api.post(
                "/api/v1/cart/items", {"sku_id": sku_id, "quantity": quantity}, format="json"
            )
        )
    created(buyer_api.patch("/api/v1/cart/items/12", {"selected": False}, format="json"))
    return buyer_api


def test_buy_now_leaves_the_cart_alone(shop, filled_cart):
    body = {"address_id": shop.address_id, "items": [{"sku_id": 11, "quantity": 1}]}

    created(place(filled_cart, body))

    assert Order.objects.count() == 1
    assert cart_lines(filled_cart) == {11: 2, 21: 1, 12: 1}


def test_checkout_from_the_cart_drops_the_ordered_lines_after_commit(shop, filled_cart):
    created(place(filled_cart, {"address_id": shop.address_id}))

    assert sorted(Order.objects.values_list("lines__sku_id", "lines__quantity")) == [
        (11, 2),
        (21, 1),
    ]
    assert cart_lines(filled_cart) == {12: 1}  # the unselected line stays


@pytest.mark.concurrency
def test_concurrent_checkouts_of_one_cart_place_one_order_set_without_event_delivery(
    shop, filled_cart, buyer, settings
):
    settings.EVENTS_RELAY_ON_COMMIT = False  # the worker is down: no handler runs
    body = {"address_id": shop.address_id}

    responses = run_concurrently(8, lambda n: place(client_for(buyer), body))

    assert all(not isinstance(r, Exception) for r in responses), responses
    statuses = sorted(
        (r.status_code, error_code(r) if r.status_code != 201 else "") for r in responses
    )
    assert statuses == [(201, "")] + [(422, "empty_checkout")] * 7
    assert Order.objects.count() == 2  # one trade: one order per merchant
    assert cart_lines(filled_cart) == {12: 1}  # the unselected line stays

    again = place(filled_cart, body)
    assert (again.status_code, error_code(again)) == (422, "empty_checkout")
