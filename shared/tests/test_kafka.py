"""The Kafka copy of events against the Kafka-compatible broker the test script starts (Tansu),
and against a broker that hangs."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from shared.events import bus as event_bus
from shared.events import publish, subscribe
from shared.events.models import OutboxEvent
from shared.events.relay import relay_once, ship_once
from shared.tests.test_events import ParcelWeighed

BOOTSTRAP = os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS")
KAFKA_PUBLISHER = "shared.events.adapters.kafka.KafkaEventPublisher"
pytestmark = [
    pytest.mark.kafka,
    pytest.mark.skipif(not BOOTSTRAP, reason="TEST_KAFKA_BOOTSTRAP_SERVERS not set"),
]


@pytest.fixture
def kafka_settings(settings):
    settings.KAFKA_BOOTSTRAP_SERVERS = BOOTSTRAP
    settings.EVENTS_PUBLISHER = KAFKA_PUBLISHER
    settings.EVENTS_RELAY_ON_COMMIT = False
    return settings


def consume(topic: str, wanted: set[str]) -> dict[str, tuple[str, dict, dict]]:
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=BOOTSTRAP,
        group_id=f"tests-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=2000,
        heartbeat_interval_ms=500,
        consumer_timeout_ms=15000,
    )
    received = {}
    try:
        for message in consumer:
            body = json.loads(message.value)
            if body["event_id"] in wanted:
                received[body["event_id"]] = (message.key.decode(), body, dict(message.headers))
            if len(received) == len(wanted):
                break
    finally:
        consumer.close()
    return received


@pytest.mark.django_db(transaction=True)
def test_relay_publishes_each_event_to_its_topic_keyed_by_aggregate(kafka_settings):
    events = [ParcelWeighed(parcel_id=n, weight_kg=Decimal(f"{n}.50")) for n in (101, 102, 101)]
    with transaction.atomic():
        for event in events:
            publish(event)
    assert relay_once() == 3
    assert OutboxEvent.objects.filter(status="pending").count() == 3  # fanned out, not shipped
    assert ship_once() == 3
    assert OutboxEvent.objects.filter(status="published").count() == 3

    received = consume(ParcelWeighed.event_type, {str(e.event_id) for e in events})

    assert set(received) == {str(e.event_id) for e in events}
    for event in events:
        key, body, headers = received[str(event.event_id)]
        assert key == str(event.parcel_id)
        assert body["event_type"] == "tests.parcel.weighed.v1"
        assert body["payload"]["weight_kg"] == str(event.weight_kg)
        assert headers["event_type"] == b"tests.parcel.weighed.v1"
    versions = [received[str(e.event_id)][1]["aggregate_version"] for e in events]
    assert versions == [1, 1, 2]  # parcel 101's second event is its version 2


@pytest.mark.django_db(transaction=True)
def test_unreachable_broker_leaves_rows_pending_for_retry(kafka_settings):
    kafka_settings.KAFKA_BOOTSTRAP_SERVERS = "127.0.0.1:1"
    kafka_settings.KAFKA_MAX_BLOCK_MS = 1000
    with transaction.atomic():
        publish(ParcelWeighed(parcel_id=9, weight_kg=Decimal("1")))
    relay_once()
    ship_once()
    row = OutboxEvent.objects.get()
    assert row.status == OutboxEvent.Status.PENDING
    assert row.attempts == 1
    assert "kafka" in row.last_error.lower() or "broker" in row.last_error.lower()


@pytest.mark.django_db(transaction=True)
def test_handlers_do_not_wait_for_a_hanging_broker_and_the_copy_ships_once_it_is_back(
    kafka_settings,
):
    # A broker that accepts connections (the kernel's backlog) and never answers a byte.
    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(64)
    kafka_settings.KAFKA_BOOTSTRAP_SERVERS = f"127.0.0.1:{hanging.getsockname()[1]}"
    kafka_settings.KAFKA_MAX_BLOCK_MS = 4000
    kafka_settings.EVENTS_RELAY_ON_COMMIT = True  # the post-commit path (eager in tests)
    handled_at: dict[uuid.UUID, float] = {}
    subscribe(
        ParcelWeighed,
        lambda event: handled_at.setdefault(event.event_id, time.monotonic()),
        name="tests.hanging_broker",
    )
    stop = threading.Event()
    ship_durations: list[float] = []

    def shipper() -> None:  # the beat task / relay_events thread, stuck on the broker
        try:
            while not stop.is_set():
                started = time.monotonic()
                if ship_once():
                    ship_durations.append(time.monotonic() - started)
                OutboxEvent.objects.update(available_at=timezone.now())  # no backoff: keep hanging
                stop.wait(0.05)
        finally:
            connection.close()

    try:
        with transaction.atomic():
            publish(ParcelWeighed(parcel_id=1, weight_kg=Decimal("1")))
        thread = threading.Thread(target=shipper)
        thread.start()
        time.sleep(0.5)  # the shipper is now waiting on the hanging broker
        latencies = []
        events = []
        for n in range(2, 22):
            event = ParcelWeighed(parcel_id=n, weight_kg=Decimal("1"))
            started = time.monotonic()
            with transaction.atomic():
                publish(event)
            events.append(event)
            latencies.append(handled_at[event.event_id] - started)
        stop.set()
        thread.join(30)
    finally:
        event_bus.unsubscribe(ParcelWeighed, "tests.hanging_broker")
        hanging.close()

    assert max(latencies) < 1.0, latencies  # every handler ran right after its commit
    assert ship_durations and min(ship_durations) >= 3.5  # the broker really hung each pass
    assert OutboxEvent.objects.filter(status="published").count() == 0
    assert OutboxEvent.objects.filter(attempts__gte=1).exists()

    # The broker is back: the pending copies ship on the next pass.
    kafka_settings.KAFKA_BOOTSTRAP_SERVERS = BOOTSTRAP
    OutboxEvent.objects.update(available_at=timezone.now())
    while ship_once():
        pass
    assert OutboxEvent.objects.exclude(status="published").count() == 0
    received = consume(ParcelWeighed.event_type, {str(e.event_id) for e in events})
    assert set(received) == {str(e.event_id) for e in events}
