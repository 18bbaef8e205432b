"""Merging a guest cart into the user cart on sign-in."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.cart.models import Cart, CartLine

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/cart/items"
MERGE = "/api/v1/cart/merge"


def guest_cart(api, items: dict[int, int]) -> str:
    token = None
    for sku_id, quantity in items.items():
        headers = {"X-Cart-Token": token} if token else {}
        response = api.post(ITEMS, {"sku_id": sku_id, "quantity": quantity}, headers=headers)
        assert response.status_code == 200, response.json()
        token = response.json()["cart_token"]
    return token


def user_quantities(user) -> dict[int, int]:
    return dict(CartLine.objects.filter(cart__user_id=user.pk).values_list("sku_id", "quantity"))


def test_merge_adds_quantities_and_deletes_the_guest_cart(api, user, user_api, shop):
    shop(1)
    shop(2)
    shop(3, price="7.00")
    user_api.post(ITEMS, {"sku_id": 1, "quantity": 2})
    user_api.post(ITEMS, {"sku_id": 2, "quantity": 1})
    token = guest_cart(api, {1: 3, 3: 4})

    response = user_api.post(MERGE, headers={"X-Cart-Token": token})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert sorted(body["merged_sku_ids"]) == [1, 3]
    assert body["skipped"] == []
    assert body["cart"]["line_count"] == 3
    assert user_quantities(user) == {1: 5, 2: 1, 3: 4}
    assert CartLine.objects.get(cart__user_id=user.pk, sku_id=3).price_when_added == Decimal("7.00")
    assert not Cart.objects.filter(user_id__isnull=True).exists()
    # The old token is spent: it no longer opens a cart.
    assert api.get("/api/v1/cart", headers={"X-Cart-Token": token}).json()["groups"] == []


def test_merging_twice_is_harmless(api, user, user_api, shop):
    shop(1)
    token = guest_cart(api, {1: 2})
    first = user_api.post(MERGE, headers={"X-Cart-Token": token})
    second = user_api.post(MERGE, headers={"X-Cart-Token": token})
    assert first.status_code == second.status_code == 200
    assert second.json()["merged_sku_ids"] == []
    assert user_quantities(user) == {1: 2}


def test_merge_caps_by_line_limit_stock_and_line_count(
    api, user, user_api, shop, inventory, settings
):
    settings.CART_MAX_QUANTITY = 10
    for sku_id in range(1, 7):
        shop(sku_id, stock=50)
    user_api.post(ITEMS, {"sku_id": 1, "quantity": 8})
    user_api.post(ITEMS, {"sku_id": 2, "quantity": 2})
    token = guest_cart(api, {1: 5, 2: 9, 4: 1, 5: 1, 6: 1})
    settings.CART_MAX_LINES = 3
    inventory.stock[2] = 6  # stock fell since the guest added 9
    inventory.stock[4] = 0

    body = user_api.post(MERGE, headers={"X-Cart-Token": token}).json()

    # SKU 1 capped at the per-line limit, SKU 2 at stock, SKU 4 out of stock, then one line of
    # room: SKU 5 comes in, SKU 6 does not.
    assert user_quantities(user) == {1: 10, 2: 6, 5: 1}
    assert {row["sku_id"]: row["reason"] for row in body["skipped"]} == {
        4: "out_of_stock",
        6: "cart_full",
    }
    assert not Cart.objects.filter(user_id__isnull=True).exists()


def test_merge_skips_unavailable_skus_and_never_lowers_the_users_quantity(
    api, user, user_api, shop, catalog, inventory
):
    shop(1, stock=20)
    shop(2, stock=20)
    user_api.post(ITEMS, {"sku_id": 1, "quantity": 5})
    token = guest_cart(api, {1: 1, 2: 1})
    inventory.stock[1] = 3  # below what the user already has
    catalog.update_sku(2, purchasable=False)

    body = user_api.post(MERGE, headers={"X-Cart-Token": token}).json()

    assert user_quantities(user) == {1: 5}
    assert {row["sku_id"]: row["reason"] for row in body["skipped"]} == {
        1: "insufficient_stock",
        2: "unavailable",
    }


def test_merge_keeps_the_guest_lines_selection(api, user, user_api, shop):
    shop(1)
    token = guest_cart(api, {1: 1})
    api.patch(f"{ITEMS}/1", {"selected": False}, headers={"X-Cart-Token": token})
    user_api.post(MERGE, headers={"X-Cart-Token": token})
    assert CartLine.objects.get(cart__user_id=user.pk).selected is False


def test_merge_needs_a_signed_in_buyer_and_a_token(api, user_api, shop):
    shop(1)
    token = guest_cart(api, {1: 1})
    assert api.post(MERGE, headers={"X-Cart-Token": token}).status_code == 401
    missing = user_api.post(MERGE)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "cart_token_missing"
    unknown = user_api.post(MERGE, headers={"X-Cart-Token": "no-such-token"})
    assert unknown.status_code == 200 and unknown.json()["merged_sku_ids"] == []


# --- Merge on sign-in: any cart call of a signed-in buyer that still sends the guest token ----


def test_the_first_signed_in_cart_call_with_the_guest_token_merges_it(api, user, user_api, shop):
    shop(1)
    shop(2)
    shop(3)
    user_api.post(ITEMS, {"sku_id": 1, "quantity": 1})
    token = guest_cart(api, {1: 2, 2: 1})

    first = user_api.get("/api/v1/cart", headers={"X-Cart-Token": token})

    assert first.status_code == 200, first.json()
    assert first["X-Cart-Merged"] == "2"
    assert first.json()["line_count"] == 2
    assert "X-Cart-Token" not in first  # the buyer's cart has no token
    assert user_quantities(user) == {1: 3, 2: 1}
    assert not Cart.objects.filter(user_id__isnull=True).exists()
    # The client keeps sending the spent token: nothing more happens.
    again = user_api.post(ITEMS, {"sku_id": 3, "quantity": 1}, headers={"X-Cart-Token": token})
    assert again.status_code == 200
    assert "X-Cart-Merged" not in again
    assert user_quantities(user) == {1: 3, 2: 1, 3: 1}


def test_a_write_after_sign_in_applies_to_the_merged_cart(api, user, user_api, shop):
    shop(1)
    token = guest_cart(api, {1: 2})

    response = user_api.patch(f"{ITEMS}/1", {"quantity": 5}, headers={"X-Cart-Token": token})

    assert response.status_code == 200, response.json()
    assert response["X-Cart-Merged"] == "1"
    assert user_quantities(user) == {1: 5}


def test_the_merged_header_counts_merged_lines_not_skipped_ones(
    api, user, user_api, shop, inventory
):
    shop(1)
    shop(2)
    token = guest_cart(api, {1: 1, 2: 1})
    inventory.stock[2] = 0

    response = user_api.get("/api/v1/cart", headers={"X-Cart-Token": token})

    assert response["X-Cart-Merged"] == "1"
    assert user_quantities(user) == {1: 1}
    assert not Cart.objects.filter(user_id__isnull=True).exists()


def test_guests_and_unknown_tokens_do_not_merge(api, user, user_api, shop):
    shop(1)
    token = guest_cart(api, {1: 1})

    as_guest = api.get("/api/v1/cart", headers={"X-Cart-Token": token})
    unknown = user_api.get("/api/v1/cart", headers={"X-Cart-Token": "no-such-token"})

    assert "X-Cart-Merged" not in as_guest and "X-Cart-Merged" not in unknown
    assert as_guest.json()["line_count"] == 1
    assert unknown.json()["line_count"] == 0
    assert Cart.objects.filter(user_id__isnull=True).count() == 1
