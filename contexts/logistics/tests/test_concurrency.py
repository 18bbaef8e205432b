"""One default template per merchant under concurrent writers, and one copy of each route event
under concurrent pushes (real threads, MariaDB)."""

from __future__ import annotations

import pytest

from contexts.logistics import services
from contexts.logistics.models import FreightTemplate
from contexts.logistics.tests.conftest import make_template
from shared.auth import SYSTEM
from shared.testing import run_concurrently

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def test_concurrent_default_switches_leave_exactly_one_default():
    templates = [make_template(name=f"T{i}") for i in range(6)]

    results = run_concurrently(
        6,
        lambda i: services.freight_template_update(
            principal=SYSTEM, template_id=templates[i].pk, data={"is_default": True}
        ),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert FreightTemplate.objects.filter(merchant_id=1, is_default=True).count() == 1


def test_concurrent_default_creations_leave_at_most_one_default():
    make_template(name="Existing", is_default=True)

    results = run_concurrently(6, lambda i: make_template(name=f"New {i}", is_default=True))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert FreightTemplate.objects.filter(merchant_id=1, is_default=True).count() == 1


def test_first_templates_created_as_default_at_once_conflict_instead_of_doubling():
    results = run_concurrently(4, lambda i: make_template(name=f"First {i}", is_default=True))

    errors = [r for r in results if isinstance(r, Exception)]
    assert all(getattr(e, "code", None) == "freight_template_default_conflict" for e in errors), (
        errors
    )
    assert FreightTemplate.objects.filter(merchant_id=1, is_default=True).count() == 1


def test_the_same_push_delivered_five_times_at_once_stores_each_event_once():
    import json
    from datetime import UTC, datetime

    from django.test import override_settings

    from contexts.logistics.adapters.memory import InMemoryCarrier
    from contexts.logistics.models import TrackingEvent
    from shared.events.models import OutboxEvent
    from shared.ports import use_adapter

    carrier = InMemoryCarrier("fake", supports_push=True)
    at = datetime(2026, 5, 1, 8, 0, tzinfo=UTC).isoformat()
    body = json.dumps(
        {
            "secret": carrier.secret,
            "events": [
                {"number": "C1", "at": at, "kind": "picked_up"},
                {"number": "C1", "at": at.replace("08:00", "09:00"), "kind": "delivered"},
            ],
        }
    ).encode()
    with (
        override_settings(LOGISTICS_CARRIERS=["fake"]),
        use_adapter("LOGISTICS_CARRIER_FAKE", carrier),
    ):
        shipment = services.shipment_create(
            order_no="O1",
            merchant_id=1,
            buyer_id=7,
            ordered={11: 1},
            lines=None,
            carrier_code="fake",
            tracking_number="C1",
        )
        results = run_concurrently(
            5, lambda i: services.push_receive(carrier_code="fake", headers={}, body=body)
        )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 2
    assert OutboxEvent.objects.filter(event_type="logistics.shipment.delivered.v1").count() == 1
    assert OutboxEvent.objects.filter(event_type="logistics.tracking.updated.v1").count() == 1
