"""The SF Express adapter against a local SF stand-in that recomputes every digest: e-waybill,
route query, verified route pushes (stored once however often delivered), timeouts and the
circuit breaker (a clean 503, nothing written)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from contexts.logistics import services
from contexts.logistics.adapters.sf import SfExpressCarrier, java_url_encode, msg_digest
from contexts.logistics.models import Shipment, TrackingEvent
from contexts.logistics.ports import CarrierUnavailable, Receiver, WaybillRequest
from contexts.logistics.tests.sf_server import SfServer, java_urlencoder, sf_digest
from shared.events.models import OutboxEvent
from shared.ports import use_adapter
from tests.support import bearer_client, make_user

PUSH_URL = "/api/v1/logistics/carriers/sf/route-push"
RECEIVER = Receiver("张三", "13800000000", "110000", "110100", "110101", "朝阳路 1 号 ~A*B")


@pytest.fixture
def sf_server():
    with SfServer() as server:
        yield server


def carrier_for(server: SfServer, **extra) -> SfExpressCarrier:
    return SfExpressCarrier(
        {
            "partner_id": server.partner_id,
            "check_word": server.check_word,
            "base_url": server.url,
            "timeout": 2,
            **extra,
        }
    )


@pytest.fixture
def sf(sf_server):
    carrier = carrier_for(sf_server)
    with use_adapter("LOGISTICS_CARRIER_SF", carrier):
        yield carrier


def test_the_digest_is_javas_urlencoder_then_md5_then_base64():
    text = '{"a":"顺丰 ~*._-+/"}1700000000000check'
    assert java_url_encode(text) == java_urlencoder(text)
    assert msg_digest('{"a":"顺丰 ~*._-+/"}', "1700000000000", "check") == sf_digest(
        '{"a":"顺丰 ~*._-+/"}', "1700000000000", "check"
    )


def test_an_e_waybill_is_made_with_a_request_sf_accepts(sf_server, sf):
    waybill = sf.waybill_create(WaybillRequest(reference="O1-1", receiver=RECEIVER, pieces=2))

    assert waybill.tracking_number == "SF1234567890123"
    assert waybill.label["dest_route_label"] == "010W-A1"
    (form,) = sf_server.requests
    assert form["serviceCode"] == "EXP_RECE_CREATE_ORDER"
    assert form["partnerID"] == "PARTNER1"
    assert "cw-secret-1" not in json.dumps(form)  # the check word never travels
    msg = json.loads(form["msgData"])
    assert msg["orderId"] == "O1-1"
    assert msg["contactInfoList"][1]["contact"] == "张三"
    assert sf_server.content_types[0].startswith("application/x-www-form-urlencoded")


def test_a_wrong_check_word_is_refused_by_sf_as_a_503(sf_server):
    carrier = carrier_for(sf_server, check_word="wrong")
    with pytest.raises(CarrierUnavailable):
        carrier.route_query(["SF1"])


@pytest.mark.django_db
def test_routes_are_queried_and_stored_once(sf_server, sf):
    shipment = services.shipment_create(
        order_no="O1",
        merchant_id=1,
        buyer_id=7,
        ordered={11: 1},
        lines=None,
        carrier_code="sf",
        waybill=True,
        receiver=RECEIVER,
    )
    sf_server.routes[shipment.tracking_number] = [
        {"acceptTime": "2026-01-02 10:00:00", "opCode": "50", "remark": "已收取快件"},
        {"acceptTime": "2026-01-03 09:30:00", "opCode": "80", "remark": "已签收"},
    ]
    staff = _staff_client()

    first = staff.post(f"/api/v1/admin/shipments/{shipment.pk}/poll")
    again = staff.post(f"/api/v1/admin/shipments/{shipment.pk}/poll")

    assert first.status_code == 200, first.json()
    data = again.json()
    assert data["status"] == "delivered"
    assert [e["kind"] for e in data["tracking"]] == ["picked_up", "delivered"]
    assert data["tracking"][0]["occurred_at"] == "2026-01-02T02:00:00Z"  # Beijing time
    assert data["label"]["waybill_no"] == shipment.tracking_number
    assert TrackingEvent.objects.count() == 2
    assert OutboxEvent.objects.filter(event_type="logistics.shipment.delivered.v1").count() == 1
    assert OutboxEvent.objects.filter(event_type="logistics.tracking.updated.v1").count() == 1


def _staff_client():
    return bearer_client(make_user(is_staff=True))


def _sf_shipment(number="SF900") -> Shipment:
    return services.shipment_create(
        order_no="O9",
        merchant_id=1,
        buyer_id=7,
        ordered={11: 2},
        lines={11: 2},
        carrier_code="sf",
        tracking_number=number,
    )


@pytest.mark.django_db
def test_a_valid_push_is_stored_once_even_when_delivered_twice(sf_server, sf):
    shipment = _sf_shipment()
    body = sf_server.push_body(
        [
            {
                "mailno": "SF900",
                "acceptTime": "2026-01-02 10:00:00",
                "opCode": "50",
                "remark": "收",
            },
            {
                "mailno": "SF900",
                "acceptTime": "2026-01-02 18:00:00",
                "opCode": "44",
                "remark": "派",
            },
            {"mailno": "UNKNOWN", "acceptTime": "2026-01-02 18:00:00", "opCode": "44"},
        ]
    )
    client = APIClient()

    answers = [
        client.post(PUSH_URL, body, content_type="application/x-www-form-urlencoded")
        for _ in range(2)
    ]

    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == {"return_code": "0000", "return_msg": "success"}
    assert list(shipment.tracking.values_list("kind", flat=True)) == [
        "picked_up",
        "out_for_delivery",
    ]
    shipment.refresh_from_db()
    assert shipment.status == "in_transit"
    assert OutboxEvent.objects.filter(event_type="logistics.tracking.updated.v1").count() == 1


@pytest.mark.django_db
def test_a_push_with_a_bad_digest_is_refused_and_stores_nothing(sf_server, sf):
    shipment = _sf_shipment()
    body = sf_server.push_body(
        [{"mailno": "SF900", "acceptTime": "2026-01-02 10:00:00", "opCode": "80"}],
        check_word="forged",
    )

    response = APIClient().post(PUSH_URL, body, content_type="application/x-www-form-urlencoded")
    garbage = APIClient().post(PUSH_URL, b"msgData=x", content_type="text/plain")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "push_rejected"
    assert garbage.status_code == 400
    assert not shipment.tracking.exists()
    shipment.refresh_from_db()
    assert shipment.status == "created"


@pytest.mark.django_db
def test_an_unknown_or_non_pushing_carrier_has_no_push_endpoint():
    client = APIClient()
    assert client.post("/api/v1/logistics/carriers/nope/route-push", b"").status_code == 404
    assert client.post("/api/v1/logistics/carriers/sandbox/route-push", b"").status_code == 404


@pytest.mark.django_db
def test_a_hanging_carrier_is_a_clean_503_then_the_breaker_opens(sf_server):
    carrier = carrier_for(sf_server, timeout=0.2, breaker_fail_max=2, breaker_reset_seconds=60)
    sf_server.delay = 0.5
    with use_adapter("LOGISTICS_CARRIER_SF", carrier):
        for _ in range(3):
            with pytest.raises(CarrierUnavailable):
                services.shipment_create(
                    order_no="O2",
                    merchant_id=1,
                    buyer_id=7,
                    ordered={11: 1},
                    lines=None,
                    carrier_code="sf",
                    waybill=True,
                    receiver=RECEIVER,
                )
    assert len(sf_server.requests) == 2  # the third call never left: the breaker was open
    assert not Shipment.objects.exists()
    assert not OutboxEvent.objects.filter(event_type__startswith="logistics.").exists()


def test_route_times_are_beijing_time(sf_server, sf):
    sf_server.routes["SF1"] = [{"acceptTime": "2026-03-01 08:00:00", "opCode": "80"}]
    (event,) = sf.route_query(["SF1"])
    assert event.occurred_at == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert event.kind == "delivered"


@override_settings(LOGISTICS_CARRIERS=["sandbox"])
@pytest.mark.django_db
def test_a_disabled_carrier_is_refused():
    with pytest.raises(Exception) as refused:
        _sf_shipment()
    assert getattr(refused.value, "code", "") == "unknown_carrier"


def test_the_check_word_is_never_logged(sf_server, caplog):
    carrier = carrier_for(sf_server, timeout=0.1)
    sf_server.delay = 0.3
    with caplog.at_level("DEBUG"), pytest.raises(CarrierUnavailable):
        carrier.route_query(["SF1"])

    assert caplog.records  # the failure was logged ...
    assert sf_server.check_word not in caplog.text  # ... without the secret
    assert sf_server.check_word not in repr(carrier)
