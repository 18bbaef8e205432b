"""The event bus against the real database: outbox in the caller's transaction, relay with
SKIP LOCKED, retries with backoff, dead letters, at-most-once handling through the inbox."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import ClassVar

import pytest
from django.db import connection, transaction
from django.utils import timezone

from shared.events import DomainEvent, publish, subscribe
from shared.events import bus as event_bus
from shared.events.adapters.memory import InMemoryEventPublisher
from shared.events.models import EventDelivery, InboxRecord, OutboxEvent
from shared.events.relay import deliver, event_from_row, relay_once, requeue, ship_once
from shared.ports import use_adapter


@dataclass(frozen=True, kw_only=True)
class ParcelWeighed(DomainEvent):
    event_type: ClassVar[str] = "tests.parcel.weighed.v1"
    aggregate: ClassVar[str] = "parcel_id"

    parcel_id: int
    weight_kg: Decimal
    labels: tuple[str, ...] = ()


class Recorder:
    """Handlers that remember what they saw; `fail_for` makes them raise for given parcels."""

    def __init__(self):
        self.lock = threading.Lock()
        self.seen: Counter = Counter()
        self.fail_for: dict[int, int] = {}

    def __call__(self, event: ParcelWeighed) -> None:
        with self.lock:
            remaining = self.fail_for.get(event.parcel_id, 0)
            if remaining:
                self.fail_for[event.parcel_id] = remaining - 1
                raise RuntimeError(f"scale offline for parcel {event.parcel_id}")
            self.seen[event.event_id] += 1


@pytest.fixture
def recorder():
    rec = Recorder()
    subscribe(ParcelWeighed, rec, name="tests.recorder")
    yield rec
    event_bus.unsubscribe(ParcelWeighed, "tests.recorder")


def weigh(parcel_id: int, weight: str = "1.25") -> ParcelWeighed:
    event = ParcelWeighed(parcel_id=parcel_id, weight_kg=Decimal(weight), labels=("fragile",))
    with transaction.atomic():
        publish(event)
    return event


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match=r"inside transaction\.atomic"):
        publish(ParcelWeighed(parcel_id=1, weight_kg=Decimal("1")))
    assert OutboxEvent.objects.count() == 0


def test_event_round_trips_through_the_outbox_row(db):
    event = ParcelWeighed(parcel_id=7, weight_kg=Decimal("2.50"), labels=("a", "b"))
    with transaction.atomic():
        publish(event)
    row = OutboxEvent.objects.get(event_id=event.event_id)
    assert row.aggregate_id == "7"
    assert row.payload == {"parcel_id": 7, "weight_kg": "2.50", "labels": ["a", "b"]}
    assert event_from_row(row) == dataclasses.replace(event, aggregate_version=1)


@pytest.mark.django_db(transaction=True)
def test_committed_event_is_delivered_once_after_commit(recorder, settings):
    settings.EVENTS_RELAY_ON_COMMIT = True
    event = weigh(1)
    # Eager Celery: the post-commit relay pass has already delivered it in-process.
    assert recorder.seen[event.event_id] == 1
    row = OutboxEvent.objects.get(event_id=event.event_id)
    assert row.status == OutboxEvent.Status.PUBLISHED
    delivery = EventDelivery.objects.get(event=row)
    assert delivery.status == EventDelivery.Status.DONE
    assert InboxRecord.objects.filter(handler="tests.recorder", event_id=event.event_id).exists()
    relay_once()
    assert recorder.seen[event.event_id] == 1


@pytest.mark.django_db(transaction=True)
def test_event_of_a_rolled_back_transaction_is_never_delivered(recorder, settings):
    settings.EVENTS_RELAY_ON_COMMIT = True

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        publish(ParcelWeighed(parcel_id=2, weight_kg=Decimal("1")))
        raise Boom
    relay_once()
    assert OutboxEvent.objects.count() == 0
    assert not recorder.seen


@pytest.mark.django_db(transaction=True)
def test_failing_handler_is_retried_with_backoff_and_does_not_block_others(recorder, settings):
    settings.EVENTS_RELAY_ON_COMMIT = False
    settings.EVENTS_BACKOFF_SECONDS = 30
    recorder.fail_for = {10: 1}
    bad, good = weigh(10), weigh(11)
    relay_once()
    assert recorder.seen[good.event_id] == 1
    assert recorder.seen[bad.event_id] == 0
    failed = EventDelivery.objects.get(event__event_id=bad.event_id)
    assert failed.status == EventDelivery.Status.PENDING
    assert failed.attempts == 1
    assert "scale offline" in failed.last_error
    assert failed.next_attempt_at > timezone.now() + timedelta(seconds=25)
    assert not InboxRecord.objects.filter(event_id=bad.event_id).exists()

    relay_once()  # not due yet: nothing happens
    assert recorder.seen[bad.event_id] == 0

    EventDelivery.objects.filter(pk=failed.pk).update(next_attempt_at=timezone.now())
    relay_once()
    assert recorder.seen[bad.event_id] == 1
    failed.refresh_from_db()
    assert failed.status == EventDelivery.Status.DONE


@pytest.mark.django_db(transaction=True)
def test_handler_that_keeps_failing_is_dead_lettered_and_can_be_requeued(recorder, settings):
    settings.EVENTS_RELAY_ON_COMMIT = False
    settings.EVENTS_MAX_ATTEMPTS = 3
    recorder.fail_for = {20: 3}
    event = weigh(20)
    relay_once()
    delivery = EventDelivery.objects.get(event__event_id=event.event_id)
    for _ in range(2):
        EventDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        relay_once()
    delivery.refresh_from_db()
    assert delivery.status == EventDelivery.Status.DEAD
    assert delivery.attempts == 3
    assert recorder.seen[event.event_id] == 0

    requeue(delivery_ids=[delivery.pk])
    relay_once()
    delivery.refresh_from_db()
    assert delivery.status == EventDelivery.Status.DONE
    assert recorder.seen[event.event_id] == 1


@pytest.mark.django_db(transaction=True)
def test_a_delivery_dispatched_twice_runs_the_handler_once(recorder, settings):
    settings.EVENTS_RELAY_ON_COMMIT = False
    event = weigh(30)
    relay_once()
    delivery = EventDelivery.objects.get(event__event_id=event.event_id)
    # A lost-then-found task: the row is pending again but the inbox remembers the event.
    EventDelivery.objects.filter(pk=delivery.pk).update(status=EventDelivery.Status.PENDING)
    assert deliver(delivery.pk) == EventDelivery.Status.DONE
    assert recorder.seen[event.event_id] == 1


@pytest.mark.django_db(transaction=True)
def test_unknown_handler_is_dead_lettered_after_retries(settings):
    settings.EVENTS_RELAY_ON_COMMIT = False
    settings.EVENTS_MAX_ATTEMPTS = 1
    event = weigh(40)
    relay_once()  # no subscriber: published, no delivery
    row = OutboxEvent.objects.get(event_id=event.event_id)
    assert row.status == OutboxEvent.Status.PUBLISHED
    delivery = EventDelivery.objects.create(event=row, handler="tests.gone")
    assert deliver(delivery.pk) == EventDelivery.Status.DEAD


@pytest.mark.django_db(transaction=True)
def test_broker_failure_keeps_only_the_kafka_copy_pending_with_backoff(recorder, settings):
    settings.EVENTS_RELAY_ON_COMMIT = False
    settings.EVENTS_MAX_ATTEMPTS = 2
    settings.EVENTS_PUBLISHER = "shared.events.adapters.memory.InMemoryEventPublisher"
    broker = InMemoryEventPublisher()
    broker.failing = "broker down"
    with use_adapter("EVENTS_PUBLISHER", broker):
        event = weigh(50)
        relay_once()
        # The fan-out pass never calls the publisher: handlers ran, the copy waits.
        assert (broker.calls, recorder.seen[event.event_id]) == (0, 1)
        assert ship_once() == 1
        row = OutboxEvent.objects.get(event_id=event.event_id)
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "broker down")
        assert row.available_at > timezone.now()
        assert ship_once() == 0  # backing off: the broker is not called again yet
        assert broker.calls == 1
        OutboxEvent.objects.filter(pk=row.pk).update(available_at=timezone.now())
        ship_once()
        row.refresh_from_db()
        assert row.status == OutboxEvent.Status.DEAD  # only the Kafka copy is dead-lettered
        broker.failing = ""
        requeue(outbox_ids=[row.pk])
        ship_once()
    row.refresh_from_db()
    assert row.status == OutboxEvent.Status.PUBLISHED
    assert [sent.event_id for sent in broker.sent] == [event.event_id]
    assert broker.sent[0].aggregate_version == 1
    assert recorder.seen[event.event_id] == 1
    assert EventDelivery.objects.filter(event=row).count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_relays_never_deliver_an_event_twice(recorder, settings):
    settings.EVENTS_RELAY_ON_COMMIT = False
    settings.EVENTS_RELAY_BATCH_SIZE = 7
    with transaction.atomic():
        events = [ParcelWeighed(parcel_id=i, weight_kg=Decimal("1")) for i in range(300)]
        for event in events:
            publish(event)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def relay_until_empty():
        try:
            start.wait()
            idle = 0
            while idle < 3:
                idle = idle + 1 if relay_once() == 0 else 0
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=relay_until_empty) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert len(recorder.seen) == 300
    assert set(recorder.seen.values()) == {1}
    assert OutboxEvent.objects.filter(status="published").count() == 300
    assert EventDelivery.objects.filter(status="done").count() == 300
    assert InboxRecord.objects.count() == 300


@dataclass(frozen=True)
class Line:
    sku_id: int
    price: Decimal


@dataclass(frozen=True, kw_only=True)
class BasketPriced(DomainEvent):
    event_type: ClassVar[str] = "tests.basket.priced.v1"
    aggregate: ClassVar[str] = "basket_id"

    basket_id: str
    lines: tuple[Line, ...]
    note: str | None = None


def test_nested_dataclasses_round_trip(db):
    event = BasketPriced(basket_id="B1", lines=(Line(sku_id=1, price=Decimal("9.90")),))
    with transaction.atomic():
        publish(event)
    row = OutboxEvent.objects.get(event_id=event.event_id)
    assert row.payload["lines"] == [{"sku_id": 1, "price": "9.90"}]
    assert event_from_row(row) == dataclasses.replace(event, aggregate_version=1)


def test_event_types_are_unique():
    with pytest.raises(TypeError, match="already taken"):

        @dataclass(frozen=True, kw_only=True)
        class Impostor(DomainEvent):
            event_type: ClassVar[str] = "tests.basket.priced.v1"


@pytest.mark.django_db(transaction=True)
def test_two_handlers_of_one_event_run_side_by_side(settings):
    """A handler at work must not hold up the event's other handlers."""
    settings.EVENTS_RELAY_ON_COMMIT = False
    results = {}

    def second(event):
        results["second"] = True

    def first(event):
        delivery_id = EventDelivery.objects.get(handler="tests.second").pk
        worker = threading.Thread(
            target=lambda: (results.setdefault("other", deliver(delivery_id)), connection.close())
        )
        worker.start()
        worker.join(30)

    subscribe(ParcelWeighed, first, name="tests.first")
    subscribe(ParcelWeighed, second, name="tests.second")
    try:
        weigh(60)
        relay_once()
    finally:
        event_bus.unsubscribe(ParcelWeighed, "tests.first")
        event_bus.unsubscribe(ParcelWeighed, "tests.second")
    assert results == {"other": "done", "second": True}


@pytest.mark.django_db(transaction=True)
def test_a_database_error_in_a_handler_counts_as_a_failed_attempt(settings):
    from django.db import OperationalError

    settings.EVENTS_RELAY_ON_COMMIT = False

    def deadlocked(event):
        raise OperationalError(1213, "Deadlock found when trying to get lock")

    subscribe(ParcelWeighed, deadlocked, name="tests.deadlocked")
    try:
        event = weigh(61)
        relay_once()
    finally:
        event_bus.unsubscribe(ParcelWeighed, "tests.deadlocked")
    delivery = EventDelivery.objects.get(event__event_id=event.event_id)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "Deadlock" in delivery.last_error
    assert not InboxRecord.objects.filter(event_id=event.event_id).exists()


@pytest.mark.django_db(transaction=True)
def test_old_delivered_events_are_purged_and_dead_letters_kept(recorder, settings):
    from datetime import timedelta as td

    from shared.events.tasks import purge_processed

    settings.EVENTS_RELAY_ON_COMMIT = False
    settings.EVENTS_MAX_ATTEMPTS = 1
    recorder.fail_for = {71: 1}
    done, dead, fresh = weigh(70), weigh(71), weigh(72)
    relay_once()
    old = timezone.now() - td(days=settings.EVENTS_RETENTION_DAYS + 1)
    OutboxEvent.objects.filter(event_id__in=[done.event_id, dead.event_id]).update(published_at=old)
    InboxRecord.objects.filter(event_id=done.event_id).update(processed_at=old)

    assert purge_processed() == 1
    left = set(OutboxEvent.objects.values_list("event_id", flat=True))
    assert left == {dead.event_id, fresh.event_id}
    assert not InboxRecord.objects.filter(event_id=done.event_id).exists()
    assert InboxRecord.objects.filter(event_id=fresh.event_id).exists()


@pytest.mark.django_db(transaction=True)
def test_a_handler_subscribed_later_is_filled_from_the_outbox_once(recorder, settings):
    settings.EVENTS_RELAY_ON_COMMIT = False
    before = [weigh(30), weigh(31)]
    relay_once()  # fanned out while only the recorder listened
    late = Recorder()
    subscribe(ParcelWeighed, late, name="tests.late_projection")
    try:
        assert relay_replay("tests.late_projection") == 2
        assert {e.event_id: late.seen[e.event_id] for e in before} == {
            e.event_id: 1 for e in before
        }
        assert relay_replay("tests.late_projection") == 0  # nothing it has not received
        after = weigh(32)
        relay_once()
        assert late.seen[after.event_id] == 1
        assert relay_replay("tests.late_projection") == 0
        assert sum(late.seen.values()) == 3
        assert {e.event_id: recorder.seen[e.event_id] for e in before} == {
            e.event_id: 1 for e in before
        }  # the others are not delivered again
    finally:
        event_bus.unsubscribe(ParcelWeighed, "tests.late_projection")
    with pytest.raises(LookupError):
        relay_replay("tests.no_such_handler")


def relay_replay(name: str) -> int:
    from shared.events.relay import handler_replay

    return handler_replay(name=name)


@pytest.mark.django_db
def test_replaying_an_unknown_handler_is_a_clear_command_error():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match=r"tests\.no_such_handler"):
        call_command("replay_events", handler="tests.no_such_handler")
