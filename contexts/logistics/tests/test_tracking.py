"""Tracking without push: the sandbox carrier's progress over (advanced) time, the polling beat
task, de-duplication, the admin shipment API's scope and the re-poll endpoint."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from contexts.logistics import services, tasks
from contexts.logistics.adapters.memory import InMemoryCarrier
from contexts.logistics.adapters.sandbox import SandboxCarrier
from contexts.logistics.models import Shipment
from contexts.logistics.ports import Receiver, WaybillRequest
from shared.events.models import OutboxEvent
from shared.ports import use_adapter

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
RECEIVER = Receiver("Li", "13900000000", "310000", "310100", "310101", "Road 2")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock(T0)


@pytest.fixture
def sandbox(clock):
    carrier = SandboxCarrier(clock=clock)
    with (
        use_adapter("LOGISTICS_CARRIER_SANDBOX", carrier),
        override_settings(LOGISTICS_SANDBOX_STEP_SECONDS=60),
    ):
        yield carrier


@pytest.fixture
def fake():
    carrier = InMemoryCarrier("fake")
    with (
        override_settings(LOGISTICS_CARRIERS=["sandbox", "sf", "fake"]),
        use_adapter("LOGISTICS_CARRIER_FAKE", carrier),
    ):
        yield carrier


def ship(carrier_code="sandbox", *, order_no="O1", merchant_id=1, **kwargs) -> Shipment:
    values = {"waybill": True} if "tracking_number" not in kwargs else {}
    return services.shipment_create(
        order_no=order_no,
        merchant_id=merchant_id,
        buyer_id=7,
        ordered={11: 2, 12: 1},
        lines=kwargs.pop("lines", None),
        carrier_code=carrier_code,
        receiver=RECEIVER,
        **values,
        **kwargs,
    )


def test_the_sandbox_moves_a_step_at_a_time(sandbox, clock):
    number = sandbox.waybill_create(WaybillRequest("O1-1", RECEIVER, 1)).tracking_number

    seen = []
    for minutes in (0, 1, 2, 3, 4, 10):
        clock.now = T0 + timedelta(minutes=minutes, seconds=1)
        seen.append([event.kind for event in sandbox.route_query([number])])

    assert seen == [
        [],
        ["picked_up"],
        ["picked_up", "in_transit"],
        ["picked_up", "in_transit", "out_for_delivery"],
        ["picked_up", "in_transit", "out_for_delivery", "delivered"],
        ["picked_up", "in_transit", "out_for_delivery", "delivered"],
    ]
    assert sandbox.route_query(["SF-NOT-OURS"]) == []


def test_polling_follows_the_sandbox_until_delivered(sandbox, clock):
    shipment = ship()
    assert shipment.tracking_number.startswith("SBX")
    assert shipment.label["waybill_no"] == shipment.tracking_number

    with override_settings(LOGISTICS_POLL_INTERVAL_SECONDS=0):
        clock.now = T0 + timedelta(minutes=2, seconds=1)
        first = tasks.poll_tracking()
        second = tasks.poll_tracking()  # the same two events again: nothing new
        shipment.refresh_from_db()
        status_midway = shipment.status
        clock.now = T0 + timedelta(minutes=5)
        third = tasks.poll_tracking()

    shipment.refresh_from_db()
    assert (first, second, third) == (2, 0, 2)
    assert status_midway == "in_transit"
    assert shipment.status == "delivered"
    assert shipment.delivered_at == T0 + timedelta(minutes=4)
    assert shipment.tracking.count() == 4
    delivered = OutboxEvent.objects.filter(event_type="logistics.shipment.delivered.v1")
    assert [e.payload["order_no"] for e in delivered] == ["O1"]
    # Delivered parcels are not polled any more.
    with override_settings(LOGISTICS_POLL_INTERVAL_SECONDS=0):
        assert tasks.poll_tracking() == 0


def test_polling_respects_the_interval_and_skips_push_carriers_with_fresh_news(fake):
    ship("fake", tracking_number="P1")
    ship("fake", order_no="O2", tracking_number="Q1")
    fake.add_route("Q1", "picked_up", T0)

    assert tasks.poll_tracking() == 1
    assert tasks.poll_tracking() == 0  # polled just now: not again within the interval
    assert fake.queries == [("P1", "Q1")]

    fake.supports_push = True  # a push carrier: polled only once its news is stale
    Shipment.objects.update(last_polled_at=None)
    tasks.poll_tracking()
    assert fake.queries == [("P1", "Q1")]
    Shipment.objects.update(created_at=T0 - timedelta(days=2), last_event_at=None)
    tasks.poll_tracking()
    assert fake.queries[-1] == ("P1", "Q1")


def test_events_are_stored_in_time_order_and_deduplicated(fake):
    shipment = ship("fake", tracking_number="F1")
    late = fake.add_route("F1", "out_for_delivery", T0 + timedelta(hours=5))
    early = fake.add_route("F1", "picked_up", T0)

    added = services.tracking_record(shipment_id=shipment.pk, events=[late, early, late])
    again = services.tracking_record(shipment_id=shipment.pk, events=[early])

    assert (added, again) == (2, 0)
    assert list(shipment.tracking.values_list("kind", flat=True)) == [
        "picked_up",
        "out_for_delivery",
    ]


def test_an_exception_then_delivery(fake):
    shipment = ship("fake", tracking_number="F2")
    services.tracking_record(
        shipment_id=shipment.pk, events=[fake.add_route("F2", "exception", T0)]
    )
    shipment.refresh_from_db()
    assert shipment.status == "exception"
    services.tracking_record(
        shipment_id=shipment.pk, events=[fake.add_route("F2", "delivered", T0 + timedelta(1))]
    )
    shipment.refresh_from_db()
    assert shipment.status == "delivered"


def test_over_shipping_and_foreign_lines_are_refused(fake):
    ship("fake", tracking_number="F3", lines={11: 1})

    with pytest.raises(Exception) as over:
        ship("fake", tracking_number="F4", lines={11: 2})
    with pytest.raises(Exception) as foreign:
        ship("fake", tracking_number="F5", lines={99: 1})
    rest = ship("fake", tracking_number="F6")  # everything left: 1 x 11, 1 x 12
    with pytest.raises(Exception) as nothing:
        ship("fake", tracking_number="F7")
    with pytest.raises(Exception) as taken:
        ship("fake", order_no="O3", tracking_number="F6")

    assert over.value.code == "over_shipped" and over.value.status_code == 422
    assert foreign.value.code == "over_shipped"
    assert sorted(rest.lines.values_list("sku_id", "quantity")) == [(11, 1), (12, 1)]
    assert nothing.value.code == "nothing_to_ship"
    assert taken.value.code == "tracking_number_taken" and taken.value.status_code == 409
    assert Shipment.objects.count() == 2
    created = OutboxEvent.objects.filter(event_type="logistics.shipment.created.v1")
    assert created.count() == 2
    assert set(created[0].payload) == {
        "shipment_id",
        "order_no",
        "merchant_id",
        "buyer_id",
        "carrier_code",
        "tracking_number",
        "lines",
    }


def test_merchants_see_and_poll_only_their_shops_shipments(fake, merchant_api, staff_api):
    own = ship("fake", tracking_number="M1", merchant_id=1)
    other = ship("fake", order_no="O5", tracking_number="M2", merchant_id=2)
    fake.add_route("M1", "delivered", T0)

    listed = merchant_api.get("/api/v1/admin/shipments").json()
    by_number = staff_api.get("/api/v1/admin/shipments?tracking_number=M2").json()
    foreign = merchant_api.get(f"/api/v1/admin/shipments/{other.pk}")
    foreign_poll = merchant_api.post(f"/api/v1/admin/shipments/{other.pk}/poll")
    polled = merchant_api.post(f"/api/v1/admin/shipments/{own.pk}/poll")

    assert [s["id"] for s in listed["results"]] == [own.pk]
    assert [s["id"] for s in by_number["results"]] == [other.pk]
    assert foreign.status_code == 404 and foreign_poll.status_code == 404
    assert polled.status_code == 200
    assert polled.json()["status"] == "delivered"
    assert ("M2",) not in fake.queries


def test_a_carrier_down_on_re_poll_is_a_503_and_changes_nothing(fake, staff_api):
    shipment = ship("fake", tracking_number="D1")
    fake.down = True

    response = staff_api.post(f"/api/v1/admin/shipments/{shipment.pk}/poll")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "carrier_unavailable"
    shipment.refresh_from_db()
    assert shipment.last_polled_at is None


def test_buyers_and_anonymous_callers_have_no_admin_shipments(fake, api_client, merchants):
    from tests.support import bearer_client, make_user

    assert api_client.get("/api/v1/admin/shipments").status_code == 401
    assert bearer_client(make_user()).get("/api/v1/admin/shipments").status_code == 403


def test_the_poll_task_skips_a_carrier_that_is_down(fake):
    ship("fake", tracking_number="S1")
    fake.down = True

    assert tasks.poll_tracking() == 0
    assert Shipment.objects.get(tracking_number="S1").last_polled_at is None


def test_the_admin_lists_shipments_read_only_and_polls_them_through_the_service(fake):
    from django.test import Client

    from shared.audit.models import AuditRecord
    from tests.support import make_user

    shipment = ship("fake", tracking_number="A1")
    fake.add_route("A1", "picked_up", T0)
    admin_user = make_user(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin_user)

    listing = client.get("/admin/logistics/shipment/?q=A1")
    page = client.get(f"/admin/logistics/shipment/{shipment.pk}/change/")
    polled = client.post(
        "/admin/logistics/shipment/",
        {"action": "poll_now", "_selected_action": [shipment.pk]},
    )

    assert listing.status_code == 200 and b"A1" in listing.content
    assert page.status_code == 200
    assert client.get("/admin/logistics/shipment/add/").status_code == 403
    assert polled.status_code == 302
    shipment.refresh_from_db()
    assert shipment.status == "in_transit"
    assert AuditRecord.objects.filter(model="shipment", action="poll").count() == 1


def test_a_return_parcel_is_tracked_apart_from_the_orders_parcels(fake):
    from contexts.logistics import api
    from shared.errors import Conflict

    ship("fake", order_no="O9", tracking_number="OUT1")
    first = api.return_parcel_register(
        reference="aftersales:AS1",
        order_no="O9",
        merchant_id=1,
        buyer_id=7,
        carrier_code="fake",
        tracking_number="BACK1",
        lines={11: 1},
    )
    again = api.return_parcel_register(
        reference="aftersales:AS1",
        order_no="O9",
        merchant_id=1,
        buyer_id=7,
        carrier_code="FAKE",
        tracking_number=" BACK1 ",
        lines={11: 1},
    )
    assert again.id == first.id
    with pytest.raises(Conflict) as other:
        api.return_parcel_register(
            reference="aftersales:AS1",
            order_no="O9",
            merchant_id=1,
            buyer_id=7,
            carrier_code="fake",
            tracking_number="BACK2",
            lines={11: 1},
        )
    assert other.value.code == "return_parcel_registered"
    # Not one of the order's: not listed, and the order's units are all still to ship.
    assert [s.tracking_number for s in api.shipments_for_order(order_no="O9")] == ["OUT1"]
    assert services.shipments.shipped_quantities("O9") == {11: 2, 12: 1}

    fake.add_route("BACK1", "delivered", T0)
    assert services.tracking_record(shipment_id=first.id, events=fake.route_query(["BACK1"])) == 1
    types = list(
        OutboxEvent.objects.filter(aggregate_id=str(first.id)).values_list("event_type", flat=True)
    )
    assert types == ["logistics.return_parcel.tracked.v1", "logistics.return_parcel.delivered.v1"]


def _register_return(number: str, *, order_no: str = "O9", reference: str = "aftersales:AS1"):
    from contexts.logistics import api

    return api.return_parcel_register(
        reference=reference,
        order_no=order_no,
        merchant_id=1,
        buyer_id=7,
        carrier_code="fake",
        tracking_number=number,
        lines={11: 1},
    )


def test_a_return_registration_never_blocks_the_merchants_outbound_parcel(fake):
    """A buyer registers a number first; the merchant's parcel with that number still ships
    (numbers are unique per purpose), and a push for the number reaches both parcels."""
    back = _register_return("SHARED1")

    out = ship("fake", order_no="O10", tracking_number="SHARED1")

    assert (out.purpose, out.tracking_number) == ("outbound", "SHARED1")
    fake.supports_push = True
    push = {
        "secret": fake.secret,
        "events": [{"number": "SHARED1", "kind": "in_transit", "at": T0.isoformat()}],
    }
    services.push_receive(carrier_code="fake", headers={}, body=json.dumps(push).encode())
    assert {s.status for s in Shipment.objects.filter(pk__in=[back.id, out.pk])} == {"in_transit"}


def test_a_return_cannot_reuse_a_number_already_on_an_outbound_parcel(fake):
    from shared.errors import Conflict

    ship("fake", order_no="O11", tracking_number="OUT11")

    with pytest.raises(Conflict) as taken:
        _register_return("OUT11")

    assert taken.value.code == "tracking_number_taken"
    assert not Shipment.objects.filter(purpose=Shipment.RETURN).exists()
    # Two returns with one number stay refused too.
    _register_return("BACK5")
    with pytest.raises(Conflict) as twice:
        _register_return("BACK5", order_no="O12", reference="aftersales:AS2")
    assert twice.value.code == "tracking_number_taken"


def test_a_return_parcel_takes_no_outbound_parcel_number(fake):
    _register_return("BACK9", order_no="O13")

    ship("fake", order_no="O13")

    assert [w.reference for w in fake.waybills] == ["O13-1"]
