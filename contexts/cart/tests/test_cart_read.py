"""Reading a cart: every line re-checked against catalog and stock, problems reported per line,
totals over selected purchasable lines, lines grouped by shop, a constant number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contexts.cart import services
from contexts.cart.domain import CartOwner

pytestmark = pytest.mark.django_db

CART = "/api/v1/cart"


def lines_of(body) -> dict[int, dict]:
    return {line["sku_id"]: line for group in body["groups"] for line in group["lines"]}


def fill(user, sku_ids, quantity=1):
    for sku_id in sku_ids:
        services.cart_item_add(owner=CartOwner(user_id=user.pk), sku_id=sku_id, quantity=quantity)


def test_each_line_reports_what_changed_instead_of_failing(
    user, user_api, shop, catalog, inventory
):
    for sku_id in range(1, 7):
        shop(sku_id, price="10.00", stock=10)
    fill(user, range(1, 7), quantity=3)
    catalog.remove_sku(1)  # deleted from the catalog
    catalog.update_sku(2, purchasable=False)  # unpublished
    inventory.stock[3] = 0
    inventory.stock[4] = 2
    catalog.update_sku(5, price="12.50")

    response = user_api.get(CART)

    assert response.status_code == 200
    lines = lines_of(response.json())
    assert lines[1]["issues"] == [{"code": "unavailable"}]
    assert lines[1]["unit_price"] is None and lines[1]["purchasable"] is False
    assert lines[2]["issues"] == [{"code": "unavailable"}]
    assert lines[3]["issues"] == [{"code": "out_of_stock", "available": 0}]
    assert lines[4]["issues"] == [{"code": "insufficient_stock", "available": 2}]
    assert lines[5]["issues"] == [
        {"code": "price_changed", "old_price": "10.00", "new_price": "12.50"}
    ]
    assert lines[5]["purchasable"] is True  # a new price is told, not blocking
    assert lines[6]["issues"] == []
    body = response.json()
    assert body["has_issues"] is True
    # Totals: only lines 5 (at today's price) and 6.
    assert body["selected_lines"] == 2
    assert body["selected_quantity"] == 6
    assert body["selected_amount"] == "67.50"


def test_one_catalog_and_one_stock_call_per_read(user, user_api, shop, catalog, inventory):
    for sku_id in range(1, 21):
        shop(sku_id)
    fill(user, range(1, 21))
    catalog.get_skus_calls = inventory.calls = 0
    user_api.get(CART)
    assert (catalog.get_skus_calls, inventory.calls) == (1, 1)


def test_totals_count_only_selected_lines_and_lines_are_grouped_by_shop(user, user_api, shop):
    shop(1, merchant_id=7, price="2.50")
    shop(2, merchant_id=8, price="4.00")
    shop(3, merchant_id=7, price="1.00")
    fill(user, [1, 2, 3], quantity=2)
    user_api.patch("/api/v1/cart/items/3", {"selected": False})

    body = user_api.get(CART).json()

    groups = {group["merchant_id"]: group for group in body["groups"]}
    assert {sku["sku_id"] for sku in groups[7]["lines"]} == {1, 3}
    assert [sku["sku_id"] for sku in groups[8]["lines"]] == [2]
    assert groups[7]["selected_amount"] == "5.00" and groups[7]["selected_quantity"] == 2
    assert groups[8]["selected_amount"] == "8.00"
    assert body["selected_amount"] == "13.00"
    assert body["line_count"] == 3
    line = lines_of(body)[1]
    assert line["title"] == "Product 1" and line["subtotal"] == "5.00"
    assert line["price_when_added"] == "2.50" and line["unit_price"] == "2.50"


def _queries_for_get(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(CART).status_code == 200
    return len(ctx.captured_queries)


def test_get_cart_costs_the_same_queries_for_1_and_50_lines(
    user, user_api, shop, settings, django_assert_max_num_queries
):
    for sku_id in range(1, 51):
        shop(sku_id, merchant_id=sku_id % 7)
    fill(user, [1])
    # User (JWT), cart id, lines; then the registered extras (recommendation: the precomputed
    # lists of the cart's products, and those products when there are any).
    with django_assert_max_num_queries(5):
        one = _queries_for_get(user_api)
    fill(user, range(2, 51))
    with django_assert_max_num_queries(5):
        fifty = _queries_for_get(user_api)
    assert one == fifty
