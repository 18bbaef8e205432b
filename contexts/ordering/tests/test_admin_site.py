"""Django admin pages for orders (lines, logs, notes inline), trades and idempotency keys."""

from __future__ import annotations

import pytest
from django.test import Client

from contexts.ordering import services
from contexts.ordering.models import IdempotencyKey
from contexts.ordering.services import CheckoutItem
from shared.auth import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for(staff):
    staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    return client


def test_admin_pages_render(world, buyer, admin_client_for):
    world.sku(11, merchant_id=1)
    placed = services.order_place(
        buyer_id=buyer.pk,
        address_id=world.identity.add_address(buyer.pk),
        items=[CheckoutItem(sku_id=11, quantity=1)],
    )
    services.order_note_add(
        principal=SYSTEM, order_no=placed.orders[0].order_no, author_id=1, body="hello"
    )
    key = IdempotencyKey.objects.create(
        user_id=buyer.pk, key="k", request_hash="h", expires_at=placed.trade.payment_deadline
    )
    order = placed.orders[0]

    pages = [
        "/admin/ordering/order/",
        f"/admin/ordering/order/?q={order.order_no}",
        "/admin/ordering/order/?q=not-a-number",
        f"/admin/ordering/order/{order.pk}/change/",
        "/admin/ordering/trade/",
        f"/admin/ordering/trade/{placed.trade.pk}/change/",
        "/admin/ordering/idempotencykey/",
        f"/admin/ordering/idempotencykey/{key.pk}/change/",
    ]
    for page in pages:
        response = admin_client_for.get(page)
        assert response.status_code == 200, page
    detail = admin_client_for.get(f"/admin/ordering/order/{order.pk}/change/").content.decode()
    assert "Product 11" in detail  # line inline
    assert "pending_payment" in detail  # log inline
    assert "hello" in detail  # note inline


def test_orders_cannot_be_added_or_edited_in_the_admin(admin_client_for):
    assert admin_client_for.get("/admin/ordering/order/add/").status_code == 403
