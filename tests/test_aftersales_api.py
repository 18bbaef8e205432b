"""The after-sales REST API with every context real: the buyer's and the shop's endpoints,
who may see and do what, unknown fields refused, list query counts bounded."""

from __future__ import annotations

import pytest

from contexts.ordering import api as ordering_api
from contexts.ordering.tests.support import client_for, created, error_code
from tests.aftersales_support import (
    deliver_and_confirm,
    paid_order,
    sandbox_payments,
    ship,
    shop_world,
)
from tests.support import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(settings, tmp_path):
    sandbox_payments(settings, tmp_path)
    return shop_world()


def apply_body(order_no: str, **extra) -> dict:
    line = ordering_api.order_line_refundable(order_no=order_no).lines[0]
    return {
        "order_no": order_no,
        "line_id": line.line_id,
        "kind": "return_refund",
        "quantity": 1,
        "reason_code": "damaged",
        "description": "The lid is cracked.",
        "evidence": ["aftersales/2026/12/" + "a" * 32 + ".jpg"],
        **extra,
    }


def test_a_return_and_refund_through_the_api(world):
    buyer_api, merchant_api = world["buyer_api"], world["merchant_api"]
    order_no = paid_order(world, quantity=2)["order_no"]
    ship(world, order_no)
    deliver_and_confirm(world, order_no)

    by_sku = {k: v for k, v in apply_body(order_no).items() if k != "line_id"}
    by_sku["sku_id"] = world["sku_id"]
    req = created(buyer_api.post("/api/v1/aftersales/requests", by_sku, format="json"))
    no = req["request_no"]
    assert (req["status"], req["amount"]) == ("requested", "60.00")
    staff_url = f"/api/v1/admin/aftersales/requests/{no}"
    created(merchant_api.post(f"{staff_url}/approve", {"note": "ok"}, format="json"))
    created(
        buyer_api.post(
            f"/api/v1/aftersales/requests/{no}/return-shipment",
            {"carrier_code": "sf", "tracking_number": "SF123"},
            format="json",
        )
    )
    created(
        buyer_api.post(
            f"/api/v1/aftersales/requests/{no}/messages", {"body": "Sent!"}, format="json"
        )
    )
    created(merchant_api.post(f"{staff_url}/messages", {"body": "Got it."}, format="json"))
    done = created(merchant_api.post(f"{staff_url}/inspect", {"passed": True}, format="json"))
    assert done["status"] == "refunded"

    detail = created(buyer_api.get(f"/api/v1/aftersales/requests/{no}"))
    assert [t["to_status"] for t in detail["timeline"]][-2:] == ["refunding", "refunded"]
    assert [(m["role"], m["body"]) for m in detail["messages"]] == [
        ("buyer", "Sent!"),
        ("merchant", "Got it."),
    ]
    assert "buyer_id" not in detail


def test_others_see_nothing_and_buyers_have_no_queue(world):
    order_no = paid_order(world, quantity=1)["order_no"]
    no = created(
        world["buyer_api"].post(
            "/api/v1/aftersales/requests", apply_body(order_no, kind="refund_only"), format="json"
        )
    )["request_no"]
    stranger = client_for(make_user())
    other_shop = shop_world()["merchant_api"]

    assert stranger.get(f"/api/v1/aftersales/requests/{no}").status_code == 404
    assert stranger.post(f"/api/v1/aftersales/requests/{no}/withdraw").status_code == 404
    assert stranger.get("/api/v1/admin/aftersales/requests").status_code == 403
    assert other_shop.post(f"/api/v1/admin/aftersales/requests/{no}/approve").status_code == 404
    assert other_shop.get("/api/v1/admin/aftersales/requests").json()["count"] == 0
    refused = world["merchant_api"].post(
        f"/api/v1/admin/aftersales/requests/{no}/arbitrate",
        {"decision": "buyer", "reason": "x"},
        format="json",
    )
    assert refused.status_code in (403, 404)


def test_unknown_fields_and_bad_evidence_are_refused(world):
    order_no = paid_order(world, quantity=1)["order_no"]
    api = world["buyer_api"]
    unknown = api.post(
        "/api/v1/aftersales/requests", apply_body(order_no, remarks="x"), format="json"
    )
    assert unknown.status_code == 400 and error_code(unknown) == "validation_error"
    bad = api.post(
        "/api/v1/aftersales/requests",
        apply_body(order_no, kind="refund_only", evidence=["../../etc/passwd"]),
        format="json",
    )
    assert bad.status_code == 400


def test_the_lists_cost_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    order_no = paid_order(world, quantity=3)["order_no"]
    for _ in range(3):
        created(
            world["buyer_api"].post(
                "/api/v1/aftersales/requests",
                apply_body(order_no, kind="refund_only"),
                format="json",
            )
        )
    with django_assert_max_num_queries(6):
        mine = created(world["buyer_api"].get("/api/v1/aftersales/requests"))
    with django_assert_max_num_queries(8):
        queue = created(
            world["merchant_api"].get("/api/v1/admin/aftersales/requests?status=requested")
        )
    assert mine["count"] == queue["count"] == 3


def test_the_admin_finds_requests_and_acts_through_the_services(world, client):
    from django.contrib.messages import get_messages

    from contexts.aftersales.models import AftersalesRequest

    order_no = paid_order(world, quantity=1)["order_no"]
    no = created(
        world["buyer_api"].post(
            "/api/v1/aftersales/requests", apply_body(order_no, kind="refund_only"), format="json"
        )
    )["request_no"]
    superuser = make_user(is_staff=True)
    superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    pk = AftersalesRequest.objects.get(request_no=no).pk

    listing = client.get(f"/admin/aftersales/aftersalesrequest/?q={order_no}")
    assert listing.status_code == 200 and no in listing.content.decode()
    assert client.get(f"/admin/aftersales/aftersalesrequest/{pk}/change/").status_code == 200

    done = client.post(
        "/admin/aftersales/aftersalesrequest/",
        {"action": "approve", "_selected_action": [pk]},
        follow=True,
    )
    assert AftersalesRequest.objects.get(pk=pk).status == "refunded"
    assert any("approved" in str(m) for m in get_messages(done.wsgi_request))

    again = client.post(
        "/admin/aftersales/aftersalesrequest/",
        {"action": "approve", "_selected_action": [pk]},
        follow=True,
    )
    shown = [(m.level_tag, str(m)) for m in get_messages(again.wsgi_request)]
    assert shown and all(level == "error" for level, _ in shown), shown


def test_evidence_is_uploaded_as_an_image_and_named_by_its_key(world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    api = world["buyer_api"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    stored = api.post(
        "/api/v1/aftersales/evidence",
        {"file": SimpleUploadedFile("photo.txt", png, content_type="text/plain")},
        format="multipart",
    )
    assert stored.status_code == 201, stored.json()
    key = stored.json()["key"]
    assert key.startswith("aftersales/") and key.endswith(".png")
    assert (tmp_path / key).read_bytes() == png

    text = api.post(
        "/api/v1/aftersales/evidence",
        {"file": SimpleUploadedFile("x.png", b"not an image", content_type="image/png")},
        format="multipart",
    )
    assert text.status_code == 400 and error_code(text) == "unsupported_media"

    order_no = paid_order(world, quantity=1)["order_no"]
    req = created(
        api.post(
            "/api/v1/aftersales/requests",
            apply_body(order_no, kind="refund_only", evidence=[key]),
            format="json",
        )
    )
    assert req["evidence"] == [key]
