"""The cart endpoints: guest token, user cart, add/change/remove/select/clear, limits, ownership."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contexts.cart.models import Cart, CartLine
from contexts.cart.tests.support import client_for, error_code, make_user

pytestmark = pytest.mark.django_db

CART = "/api/v1/cart"
ITEMS = "/api/v1/cart/items"


def item(sku_id: int) -> str:
    return f"{ITEMS}/{sku_id}"


def lines_of(body) -> dict[int, dict]:
    return {line["sku_id"]: line for group in body["groups"] for line in group["lines"]}


def guest_add(api, sku_id: int, quantity: int = 1, token: str | None = None):
    headers = {"X-Cart-Token": token} if token else {}
    return api.post(ITEMS, {"sku_id": sku_id, "quantity": quantity}, headers=headers)


# --- Guest carts ----------------------------------------------------------------------------


def test_first_guest_add_issues_a_token_in_body_and_header(api, shop):
    shop(1)
    response = guest_add(api, 1, 2)
    assert response.status_code == 200, response.json()
    token = response.json()["cart_token"]
    assert len(token) >= 43
    assert response["X-Cart-Token"] == token
    assert lines_of(response.json())[1]["quantity"] == 2
    cart = Cart.objects.get()
    assert cart.user_id is None
    assert cart.token_hash != token  # only a hash is stored
    assert cart.expires_at > timezone.now() + timedelta(days=29)


def test_the_token_brings_back_the_same_guest_cart(api, shop):
    shop(1)
    shop(2)
    token = guest_add(api, 1).json()["cart_token"]
    again = guest_add(api, 2, token=token)
    assert again.json()["cart_token"] == token
    body = api.get(CART, headers={"X-Cart-Token": token}).json()
    assert set(lines_of(body)) == {1, 2}
    assert Cart.objects.count() == 1


def test_each_guest_has_their_own_cart(api, shop):
    shop(1)
    first = guest_add(api, 1).json()["cart_token"]
    second = guest_add(api, 1, 5).json()["cart_token"]
    assert first != second
    assert lines_of(api.get(CART, headers={"X-Cart-Token": first}).json())[1]["quantity"] == 1
    assert lines_of(api.get(CART, headers={"X-Cart-Token": second}).json())[1]["quantity"] == 5


def test_without_a_live_token_the_cart_is_empty(api, shop):
    shop(1)
    empty = api.get(CART)
    assert empty.status_code == 200
    assert empty.json()["groups"] == [] and empty.json()["cart_token"] is None
    assert "X-Cart-Token" not in empty
    assert api.get(CART, headers={"X-Cart-Token": "not-a-token"}).json()["groups"] == []
    assert api.get(CART, headers={"X-Cart-Token": "x" * 500}).json()["groups"] == []


def test_an_expired_guest_cart_is_gone_and_a_new_token_is_issued(api, shop):
    shop(1)
    token = guest_add(api, 1).json()["cart_token"]
    Cart.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api.get(CART, headers={"X-Cart-Token": token}).json()["groups"] == []
    assert error_code(api.patch(item(1), {"quantity": 2}, headers={"X-Cart-Token": token})) == (
        "cart_line_not_found"
    )
    fresh = guest_add(api, 1, token=token).json()["cart_token"]
    assert fresh != token


# --- Adding ---------------------------------------------------------------------------------


def test_adding_a_sku_again_adds_the_quantities_capped_at_the_line_limit(user_api, shop, settings):
    settings.CART_MAX_QUANTITY = 10
    shop(1, stock=100)
    user_api.post(ITEMS, {"sku_id": 1, "quantity": 4})
    body = user_api.post(ITEMS, {"sku_id": 1, "quantity": 3}).json()
    assert lines_of(body)[1]["quantity"] == 7
    body = user_api.post(ITEMS, {"sku_id": 1, "quantity": 9}).json()
    assert lines_of(body)[1]["quantity"] == 10


@pytest.mark.parametrize("quantity", [0, -1, 1000, "x"])
def test_quantity_must_be_between_1_and_999(user_api, shop, quantity):
    shop(1)
    response = user_api.post(ITEMS, {"sku_id": 1, "quantity": quantity})
    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert not CartLine.objects.exists()


def test_at_most_max_lines_lines(user_api, shop, settings):
    settings.CART_MAX_LINES = 3
    for sku_id in range(1, 5):
        shop(sku_id)
    for sku_id in range(1, 4):
        assert user_api.post(ITEMS, {"sku_id": sku_id}).status_code == 200
    full = user_api.post(ITEMS, {"sku_id": 4})
    assert full.status_code == 422 and error_code(full) == "cart_full"
    assert user_api.post(ITEMS, {"sku_id": 1}).status_code == 200  # an existing line still grows
    assert CartLine.objects.count() == 3


def test_add_refuses_unknown_unpurchasable_and_out_of_stock_skus(api, shop, catalog):
    shop(2, purchasable=False)
    shop(3, stock=0)
    shop(4, stock=2)
    unknown = guest_add(api, 1)
    assert unknown.status_code == 404 and error_code(unknown) == "sku_not_found"
    off_sale = guest_add(api, 2)
    assert off_sale.status_code == 422 and error_code(off_sale) == "sku_unavailable"
    empty = guest_add(api, 3)
    assert empty.status_code == 422 and error_code(empty) == "out_of_stock"
    short = guest_add(api, 4, 3)
    assert short.status_code == 422 and error_code(short) == "insufficient_stock"
    assert short.json()["error"]["details"]["available"] == 2
    assert not Cart.objects.exists()  # nothing half-written, not even an empty guest cart


# --- Changing, removing, selecting, clearing --------------------------------------------------


def test_patch_changes_quantity_and_selection(user_api, shop, inventory):
    shop(1, stock=5)
    user_api.post(ITEMS, {"sku_id": 1, "quantity": 2})
    body = user_api.patch(item(1), {"quantity": 5, "selected": False}).json()
    assert lines_of(body)[1]["quantity"] == 5
    assert lines_of(body)[1]["selected"] is False
    too_many = user_api.patch(item(1), {"quantity": 6})
    assert too_many.status_code == 422 and error_code(too_many) == "insufficient_stock"
    inventory.stock[1] = 1
    # Lowering never fails, even below what is in stock now.
    assert user_api.patch(item(1), {"quantity": 3}).status_code == 200
    assert CartLine.objects.get().quantity == 3


def test_patch_needs_a_field_and_an_existing_line(user_api, shop):
    shop(1)
    user_api.post(ITEMS, {"sku_id": 1})
    assert error_code(user_api.patch(item(1), {})) == "validation_error"
    assert error_code(user_api.patch(item(1), {"quantity": 0})) == "validation_error"
    missing = user_api.patch(item(2), {"quantity": 1})
    assert missing.status_code == 404 and error_code(missing) == "cart_line_not_found"


def test_delete_removes_a_line(user_api, shop):
    shop(1)
    shop(2)
    user_api.post(ITEMS, {"sku_id": 1})
    user_api.post(ITEMS, {"sku_id": 2})
    body = user_api.delete(item(1)).json()
    assert set(lines_of(body)) == {2}
    assert user_api.delete(item(1)).status_code == 404


def test_select_and_unselect_all_or_some(user_api, shop):
    for sku_id in (1, 2, 3):
        shop(sku_id, price="1.00")
        user_api.post(ITEMS, {"sku_id": sku_id})
    body = user_api.post("/api/v1/cart/select", {"selected": False}).json()
    assert body["selected_lines"] == 0 and body["selected_amount"] == "0.00"
    body = user_api.post("/api/v1/cart/select", {"selected": True, "sku_ids": [1, 3, 99]}).json()
    assert {k: v["selected"] for k, v in lines_of(body).items()} == {1: True, 2: False, 3: True}
    assert body["selected_amount"] == "2.00"
    assert error_code(user_api.post("/api/v1/cart/select", {})) == "validation_error"


def test_clear_empties_the_cart(api, shop):
    shop(1)
    token = guest_add(api, 1).json()["cart_token"]
    body = api.post("/api/v1/cart/clear", headers={"X-Cart-Token": token}).json()
    assert body["groups"] == [] and body["cart_token"] == token
    assert not CartLine.objects.exists()
    assert api.post("/api/v1/cart/clear").status_code == 200  # nothing to clear is fine


# --- Users and ownership --------------------------------------------------------------------


def test_a_signed_in_buyer_uses_the_user_cart_and_absorbs_a_sent_guest_cart(
    api, user, user_api, shop
):
    shop(1)
    shop(2)
    token = guest_add(api, 1).json()["cart_token"]
    body = user_api.post(ITEMS, {"sku_id": 2}, headers={"X-Cart-Token": token}).json()
    assert body["cart_token"] is None
    assert set(lines_of(body)) == {1, 2}  # the guest cart was merged in first
    assert Cart.objects.get(user_id=user.pk).lines.count() == 2
    assert lines_of(api.get(CART, headers={"X-Cart-Token": token}).json()) == {}  # spent token


def test_a_user_never_touches_another_users_cart(user, user_api, shop):
    shop(1)
    user_api.post(ITEMS, {"sku_id": 1, "quantity": 2})
    intruder = client_for(make_user())
    assert intruder.get(CART).json()["groups"] == []
    assert intruder.patch(item(1), {"quantity": 9}).status_code == 404
    assert intruder.delete(item(1)).status_code == 404
    intruder.post("/api/v1/cart/select", {"selected": False})
    intruder.post("/api/v1/cart/clear")
    line = CartLine.objects.get(cart__user_id=user.pk)
    assert (line.quantity, line.selected) == (2, True)


def test_an_invalid_jwt_is_refused_not_treated_as_a_guest(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert api.get(CART).status_code == 401


def test_a_refused_first_add_of_a_user_writes_nothing(user, user_api, shop):
    shop(1, stock=2)
    assert error_code(user_api.post(ITEMS, {"sku_id": 1, "quantity": 3})) == "insufficient_stock"
    assert not Cart.objects.filter(user_id=user.pk).exists()
