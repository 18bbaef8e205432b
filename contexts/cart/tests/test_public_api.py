"""The cart's public api (ordering's checkout) and its reaction to ordering.order.placed.v1."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from contexts.cart import api as cart_api
from contexts.cart import handlers, services
from contexts.cart.domain import CartOwner
from contexts.cart.models import Cart, CartLine
from contexts.cart.tasks import purge_expired_guest_carts
from contexts.ordering.events import OrderPlaced, PlacedLine
from shared.events import publish


def fill(user_id: int, sku_ids, quantity=1):
    for sku_id in sku_ids:
        services.cart_item_add(owner=CartOwner(user_id=user_id), sku_id=sku_id, quantity=quantity)


def placed(buyer_id: int, sku_ids, *, from_cart: bool = True) -> OrderPlaced:
    return OrderPlaced(
        order_no="O1",
        trade_no="T1",
        buyer_id=buyer_id,
        merchant_id=1,
        pay_amount=Decimal("10.00"),
        lines=tuple(PlacedLine(sku_id=s, quantity=1, unit_price=Decimal("1.00")) for s in sku_ids),
        from_cart=from_cart,
    )


@pytest.mark.django_db
def test_selected_items_are_the_selected_lines_as_plain_data(user, shop):
    shop(1, price="3.00")
    shop(2)
    fill(user.pk, [1, 2], quantity=2)
    services.cart_item_update(owner=CartOwner(user_id=user.pk), sku_id=2, selected=False)

    items = cart_api.selected_items(user_id=user.pk)

    assert items == (
        cart_api.CartItem(sku_id=1, quantity=2, selected=True, price_when_added=Decimal("3.00")),
    )
    assert cart_api.selected_items(user_id=user.pk + 1000) == ()


@pytest.mark.django_db
def test_selected_items_leave_out_blocked_lines_as_the_cart_totals_do(
    user, user_api, shop, catalog, inventory
):
    for sku_id in (1, 2, 3, 4):
        shop(sku_id, price="2.00", stock=5)
    fill(user.pk, [1, 2, 3, 4], quantity=3)
    catalog.update_sku(2, purchasable=False)  # off the shelf
    inventory.stock[3] = 0  # sold out
    inventory.stock[4] = 2  # fewer than the 3 in the cart

    items = cart_api.selected_items(user_id=user.pk)

    assert [item.sku_id for item in items] == [1]
    assert user_api.get("/api/v1/cart").json()["selected_amount"] == "6.00"


@pytest.mark.django_db
def test_remove_items_drops_lines_and_is_idempotent(user, shop):
    for sku_id in (1, 2, 3):
        shop(sku_id)
    fill(user.pk, [1, 2, 3])
    cart_api.remove_items(user_id=user.pk, sku_ids=(1, 3, 99))
    cart_api.remove_items(user_id=user.pk, sku_ids=(1, 3))
    cart_api.remove_items(user_id=user.pk + 1000, sku_ids=(2,))
    assert list(CartLine.objects.values_list("sku_id", flat=True)) == [2]


@pytest.mark.django_db
def test_the_order_placed_handler_removes_the_purchased_lines(user, shop):
    for sku_id in (1, 2, 3):
        shop(sku_id)
    fill(user.pk, [1, 2, 3])
    handlers.order_placed_remove_purchased_lines(placed(user.pk, [1, 2]))
    handlers.order_placed_remove_purchased_lines(placed(user.pk, [1, 2]))  # redelivery
    assert list(CartLine.objects.values_list("sku_id", flat=True)) == [3]


@pytest.mark.django_db
def test_a_buy_now_order_leaves_the_cart_alone(user, shop):
    shop(1)
    fill(user.pk, [1])
    handlers.order_placed_remove_purchased_lines(placed(user.pk, [1], from_cart=False))
    assert list(CartLine.objects.values_list("sku_id", flat=True)) == [1]


@pytest.mark.django_db(transaction=True)
def test_a_published_order_placed_event_reaches_the_cart(user, shop):
    shop(1)
    shop(2)
    fill(user.pk, [1, 2])
    with transaction.atomic():
        publish(placed(user.pk, [2]))
    assert list(CartLine.objects.values_list("sku_id", flat=True)) == [1]


@pytest.mark.django_db
def test_expired_guest_carts_are_purged(api, shop, user):
    shop(1)
    fill(user.pk, [1])
    services.cart_item_add(owner=CartOwner(), sku_id=1, quantity=1)
    live = services.cart_item_add(owner=CartOwner(), sku_id=1, quantity=1)
    Cart.objects.exclude(pk=live.cart_id).filter(user_id__isnull=True).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert purge_expired_guest_carts() == 1
    assert set(Cart.objects.values_list("pk", flat=True)) == {
        live.cart_id,
        Cart.objects.get(user_id=user.pk).pk,
    }


@pytest.mark.django_db
def test_admin_lists_and_shows_carts(client, shop, user):
    shop(1)
    fill(user.pk, [1])
    admin = type(user).objects.create_superuser(email="root@example.com", password="pw-12345678")
    client.force_login(admin)
    assert client.get("/admin/cart/cart/").status_code == 200
    cart = Cart.objects.get()
    assert client.get(f"/admin/cart/cart/{cart.pk}/change/").status_code == 200


@pytest.mark.django_db
def test_admin_deletes_a_cart_through_the_service_and_audits_it(client, shop, user):
    from shared.audit.models import AuditRecord

    shop(1)
    fill(user.pk, [1])
    admin = type(user).objects.create_superuser(email="root@example.com", password="pw-12345678")
    client.force_login(admin)
    cart = Cart.objects.get()
    assert client.get(f"/admin/cart/cart/{cart.pk}/change/").status_code == 200
    response = client.post(f"/admin/cart/cart/{cart.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Cart.objects.exists()
    record = AuditRecord.objects.get()
    assert (record.action, record.object_id, record.after) == ("delete", str(cart.pk), None)
    assert record.before["token_hash"] == "[redacted]"
