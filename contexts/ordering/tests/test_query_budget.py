"""Query budget: placing a 5-line order from 2 merchants costs at most 45 queries, with the
other contexts faked and with every real context."""

from __future__ import annotations

import pytest

from contexts.ordering.models import Order, OrderLine
from contexts.ordering.tests.support import place
from tests.support import client_for, open_shop, real_address

pytestmark = pytest.mark.django_db

# 40 before aggregate versions; an order's first event finds no version row (UPDATE) and
# creates it (INSERT): two orders, two more queries. The selected cart lines are taken inside
# the placement transaction (lock the cart, delete its lines): two more.
# The promotions step reads the running activities (one query; none running: nothing more).
# Loyalty's "member_shipping" step asks the buyer's level once per quote: one more. The
# coupons step reads the buyer's available coupons (none here): one more. Subscription's
# "membership" step reads the buyer's membership once per quote: one more.
BUDGET = 48
LINES = [(11, 1), (12, 2), (13, 1), (21, 3), (22, 1)]  # merchant 1: 11-13, merchant 2: 21-22


def test_place_within_budget_with_fakes(world, buyer, django_assert_max_num_queries):
    for sku_id, _ in LINES:
        world.sku(sku_id, merchant_id=sku_id // 10, price="9.90", stock=10)
    body = {
        "address_id": world.identity.add_address(buyer.pk),
        "items": [{"sku_id": s, "quantity": q} for s, q in LINES],
    }

    with django_assert_max_num_queries(BUDGET):
        response = place(client_for(buyer), body)

    assert response.status_code == 201
    assert Order.objects.count() == 2
    assert OrderLine.objects.count() == 5


def test_place_within_budget_with_every_real_context(
    buyer, staff, make_user, django_assert_max_num_queries
):
    admin = client_for(staff)
    first = open_shop(
        admin, name="A", owner_id=make_user().pk, prices=["9.90"] * 3, units=10, freight="6.00"
    )
    second = open_shop(admin, name="B", owner_id=make_user().pk, prices=["9.90"] * 2, units=10)
    buyer_api = client_for(buyer)
    skus = first["sku_ids"] + second["sku_ids"]
    body = {
        "address_id": real_address(buyer_api),
        "items": [{"sku_id": s, "quantity": q} for s, (_, q) in zip(skus, LINES, strict=True)],
    }

    with django_assert_max_num_queries(BUDGET):
        response = place(buyer_api, body)

    assert response.status_code == 201, response.json()
    assert OrderLine.objects.count() == 5
