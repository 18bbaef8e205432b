"""Kafka publishing against the Kafka-compatible broker the test script starts (Tansu)."""

from __future__ import annotations

import json
import os
import uuid
from decimal import Decimal

import pytest
from django.db import transaction

from shared.events import kafka, publish
from shared.events.models import OutboxEvent
from shared.events.relay import relay_once
from shared.tests.test_events import ParcelWeighed

BOOTSTRAP = os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS")
pytestmark = [
    pytest.mark.kafka,
    pytest.mark.skipif(not BOOTSTRAP, reason="TEST_KAFKA_BOOTSTRAP_SERVERS not set"),
]


@pytest.fixture
def kafka_settings(settings):
    settings.KAFKA_BOOTSTRAP_SERVERS = BOOTSTRAP
    settings.EVENTS_RELAY_ON_COMMIT = False
    kafka.reset_producer()
    yield settings
    kafka.reset_producer()


@pytest.mark.django_db(transaction=True)
def test_relay_publishes_each_event_to_its_topic_keyed_by_aggregate(kafka_settings):
    from kafka import KafkaConsumer

    events = [ParcelWeighed(parcel_id=n, weight_kg=Decimal(f"{n}.50")) for n in (101, 102, 101)]
    with transaction.atomic():
        for event in events:
            publish(event)
    assert relay_once() == 3
    assert OutboxEvent.objects.filter(status="published").count() == 3

    consumer = KafkaConsumer(
        ParcelWeighed.event_type,
        bootstrap_servers=BOOTSTRAP,
        group_id=f"tests-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=2000,
        heartbeat_interval_ms=500,
        consumer_timeout_ms=15000,
    )
    wanted = {str(e.event_id) for e in events}
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

    assert set(received) == wanted
    for event in events:
        key, body, headers = received[str(event.event_id)]
        assert key == str(event.parcel_id)
        assert body["event_type"] == "tests.parcel.weighed.v1"
        assert body["payload"]["weight_kg"] == str(event.weight_kg)
        assert headers["event_type"] == b"tests.parcel.weighed.v1"


@pytest.mark.django_db(transaction=True)
def test_unreachable_broker_leaves_rows_pending_for_retry(settings):
    settings.KAFKA_BOOTSTRAP_SERVERS = "127.0.0.1:1"
    settings.KAFKA_MAX_BLOCK_MS = 1000
    settings.EVENTS_RELAY_ON_COMMIT = False
    kafka.reset_producer()
    try:
        with transaction.atomic():
            publish(ParcelWeighed(parcel_id=9, weight_kg=Decimal("1")))
        relay_once()
        row = OutboxEvent.objects.get()
        assert row.status == OutboxEvent.Status.PENDING
        assert row.attempts == 1
        assert "kafka" in row.last_error.lower() or "broker" in row.last_error.lower()
    finally:
        kafka.reset_producer()
