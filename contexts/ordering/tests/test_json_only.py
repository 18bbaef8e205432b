"""Ordering's write endpoints take JSON only: a form or a file upload is a 415 in the error
envelope (never a 500), and nothing is written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contexts.ordering import services
from contexts.ordering.models import Order, OrderNote
from contexts.ordering.services import CheckoutItem
from contexts.ordering.tests.support import NO_ROWS, row_counts
from tests.support import error_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(world, buyer):
    world.sku(11, merchant_id=1, price="19.99")
    world.address_id = world.identity.add_address(buyer.pk)
    return world


def upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("order.txt", b"not an order", content_type="text/plain")


def test_placing_an_order_with_a_file_upload_is_415(shop, buyer_api):
    response = buyer_api.post(
        "/api/v1/orders",
        {"address_id": shop.address_id, "attachment": upload()},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="multipart-1",
    )

    assert response.status_code == 415
    assert error_code(response) == "unsupported_media_type"
    assert row_counts() == NO_ROWS


def test_placing_an_order_from_a_form_is_415(shop, buyer_api):
    response = buyer_api.post(
        "/api/v1/orders",
        f"address_id={shop.address_id}",
        content_type="application/x-www-form-urlencoded",
        HTTP_IDEMPOTENCY_KEY="form-1",
    )

    assert response.status_code == 415
    assert error_code(response) == "unsupported_media_type"
    assert row_counts()["keys"] == 0


def test_preview_with_a_file_upload_is_415(shop, buyer_api):
    response = buyer_api.post(
        "/api/v1/checkout/preview",
        {"address_id": shop.address_id, "attachment": upload()},
        format="multipart",
    )

    assert response.status_code == 415
    assert error_code(response) == "unsupported_media_type"


def test_other_write_endpoints_with_a_file_upload_are_415(shop, buyer, buyer_api, staff_api):
    placed = services.order_place(
        buyer_id=buyer.pk, address_id=shop.address_id, items=[CheckoutItem(sku_id=11, quantity=1)]
    )
    order_no = placed.orders[0].order_no
    calls = [
        (buyer_api, f"/api/v1/orders/{order_no}/cancel", {"reason": "x"}),
        (staff_api, f"/api/v1/admin/orders/{order_no}/shipments", {"carrier_code": "SF"}),
        (staff_api, f"/api/v1/admin/orders/{order_no}/notes", {"body": "x"}),
    ]

    for client, url, fields in calls:
        response = client.post(url, {**fields, "attachment": upload()}, format="multipart")
        assert response.status_code == 415, url
        assert error_code(response) == "unsupported_media_type"
    assert Order.objects.get(order_no=order_no).status == "pending_payment"
    assert not OrderNote.objects.exists()
