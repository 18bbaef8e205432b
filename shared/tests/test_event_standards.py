"""The events standard: stable handler names, per-aggregate versions in commit order,
projections that ignore stale events. (No secret in a payload: tests/architecture.)"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from shared.events import bus as event_bus
from shared.events import publish, subscribe
from shared.events.models import EventDelivery, OutboxEvent
from shared.events.relay import deliver, relay_once
from shared.tests.test_events import ParcelWeighed

# --- Stable handler names -------------------------------------------------------------------


def test_a_name_taken_by_another_handler_fails_loudly():
    def first(event):
        pass

    def second(event):
        pass

    subscribe(ParcelWeighed, first, name="tests.taken")
    try:
        with pytest.raises(ImproperlyConfigured, match=r"tests\.taken"):
            subscribe(ParcelWeighed, second, name="tests.taken")
    finally:
        event_bus.unsubscribe(ParcelWeighed, "tests.taken")


def test_every_handler_needs_an_explicit_name():
    with pytest.raises(TypeError):
        subscribe(ParcelWeighed, lambda event: None)  # type: ignore[call-arg]


@pytest.mark.django_db(transaction=True)
def test_a_pending_delivery_runs_after_its_function_is_renamed(settings):
    settings.EVENTS_RELAY_ON_COMMIT = False
    seen = []

    def weigh_v1(event):
        seen.append(("v1", event.parcel_id))

    def weigh_renamed_in_a_later_release(event):
        seen.append(("renamed", event.parcel_id))

    subscribe(ParcelWeighed, weigh_v1, name="tests.parcel_weigh")
    with transaction.atomic():
        publish(ParcelWeighed(parcel_id=3, weight_kg=Decimal("1")))
    relay_once()  # delivery created; its task is dispatched (eagerly) ...
    delivery = EventDelivery.objects.get(handler="tests.parcel_weigh")
    EventDelivery.objects.filter(pk=delivery.pk).update(status="pending")  # ... and was lost
    seen.clear()
    # A new release: the function is renamed, registered under the same name.
    event_bus.unsubscribe(ParcelWeighed, "tests.parcel_weigh")
    subscribe(ParcelWeighed, weigh_renamed_in_a_later_release, name="tests.parcel_weigh")
    try:
        from shared.events.models import InboxRecord

        InboxRecord.objects.filter(handler="tests.parcel_weigh").delete()
        assert deliver(delivery.pk) == "done"
    finally:
        event_bus.unsubscribe(ParcelWeighed, "tests.parcel_weigh")
    assert seen == [("renamed", 3)]


# --- Aggregate versions ---------------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_publishers_give_one_aggregate_gapless_distinct_versions(settings):
    from shared.testing import run_concurrently

    settings.EVENTS_RELAY_ON_COMMIT = False
    with transaction.atomic():  # the aggregate exists (its first event), as it usually does
        publish(ParcelWeighed(parcel_id=77, weight_kg=Decimal(99)))

    def weigh(n: int) -> None:
        with transaction.atomic():
            publish(ParcelWeighed(parcel_id=77, weight_kg=Decimal(n)))
            publish(ParcelWeighed(parcel_id=1000 + n, weight_kg=Decimal(n)))

    results = run_concurrently(12, weigh)

    assert not [r for r in results if isinstance(r, Exception)], results
    rows = OutboxEvent.objects.filter(aggregate_id="77").order_by("aggregate_version")
    assert [r.aggregate_version for r in rows] == list(range(1, 14))
    assert sorted(int(Decimal(r.payload["weight_kg"])) for r in rows) == [*range(12), 99]
    others = OutboxEvent.objects.exclude(aggregate_id="77")
    assert set(others.values_list("aggregate_version", flat=True)) == {1}


@pytest.mark.django_db
def test_a_projection_ignores_a_stale_or_repeated_version():
    from shared.events.models import AggregateSequence
    from shared.events.projections import version_apply

    row = AggregateSequence.objects.create(stream="tests.projection", aggregate_id="1", version=0)
    rows = AggregateSequence.objects.filter(pk=row.pk)

    assert version_apply(rows, version=2, version_field="version", values={"stream": "two"})
    assert not version_apply(rows, version=1, version_field="version", values={"stream": "one"})
    assert not version_apply(rows, version=2, version_field="version", values={"stream": "dup"})
    row.refresh_from_db()
    assert (row.version, row.stream) == (2, "two")
