"""The relay: fans committed outbox rows out to the subscribed handlers, runs each handler
delivery with retries, backoff and dead-lettering, and (apart, in `ship_once`) copies the rows to
the external broker through the EVENTS_PUBLISHER port.

Rows are claimed with `SELECT ... FOR UPDATE SKIP LOCKED`, so any number of relays (beat tasks,
`manage.py relay_events` loops, post-commit passes) can run at once without claiming the same row.
On SQLite, which has no row locks, the IMMEDIATE transaction mode serialises the passes instead.
"""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from shared.events import bus
from shared.events.base import DomainEvent, event_class_for
from shared.events.models import EventDelivery, InboxRecord, OutboxEvent
from shared.events.ports import EventPublisher, OutboundEvent
from shared.ports import adapter

logger = logging.getLogger(__name__)

# A dispatched delivery task that has not finished after this long is assumed lost and dispatched
# again (the inbox keeps a late duplicate from running the handler twice).
DELIVERY_LEASE = timedelta(minutes=5)
# A shipping pass that died while sending leaves its rows to the next pass after this long.
SHIP_LEASE = timedelta(minutes=2)


def claim(queryset: QuerySet) -> QuerySet:
    """Lock the selected rows, skipping those another relay holds."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset.select_for_update()


def backoff(attempts: int) -> timedelta:
    """Exponential backoff: base, 2x, 4x ... capped at one hour."""
    seconds = settings.EVENTS_BACKOFF_SECONDS * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, 3600))


def relay_once(batch_size: int | None = None) -> int:
    """One in-process pass: fan committed outbox rows out to their handlers and dispatch due
    deliveries. Never calls the external publisher. Returns how many outbox rows it fanned out."""
    batch_size = batch_size or settings.EVENTS_RELAY_BATCH_SIZE
    handled = _fan_out_outbox_rows(batch_size)
    _redispatch_due_deliveries(batch_size)
    return handled


def _fan_out_outbox_rows(batch_size: int) -> int:
    now = timezone.now()
    has_publisher = bool(settings.EVENTS_PUBLISHER)
    with transaction.atomic():
        rows = list(
            claim(OutboxEvent.objects.filter(deliveries_created=False).order_by("id"))[:batch_size]
        )
        if not rows:
            return 0
        deliveries: list[EventDelivery] = []
        for row in rows:
            row.deliveries_created = True
            if not has_publisher:  # no external copy to make: the row is done
                row.status = OutboxEvent.Status.PUBLISHED
                row.published_at = now
            deliveries.extend(
                EventDelivery(event=row, handler=sub.name, next_attempt_at=now + DELIVERY_LEASE)
                for sub in bus.subscriptions_for(row.event_type)
            )
        OutboxEvent.objects.bulk_update(rows, ["deliveries_created", "status", "published_at"])
        EventDelivery.objects.bulk_create(deliveries)
        delivery_ids = list(
            EventDelivery.objects.filter(event__in=rows).order_by("id").values_list("id", flat=True)
        )
        if delivery_ids:
            transaction.on_commit(lambda: _dispatch(delivery_ids))
    return len(rows)


def handler_replay(*, name: str, batch_size: int | None = None) -> int:
    """Give the handler subscribed as `name` the stored events of its type that it never received
    (it was subscribed after they were fanned out): one delivery each, dispatched like any other.

    This is how a new projection is filled from the events still in the outbox (retention:
    EVENTS_RETENTION_DAYS). An event that already has a delivery for this handler is skipped, so
    replaying twice creates nothing the second time, and the inbox still runs a handler at most
    once per event. Unknown handler names raise LookupError. Returns the deliveries created."""
    subscription = bus.subscription_named(name)
    if subscription is None:
        raise LookupError(f"no event handler is subscribed as {name!r}")
    batch_size = batch_size or settings.EVENTS_RELAY_BATCH_SIZE
    created = 0
    after_id = 0
    while True:
        with transaction.atomic():
            rows = list(
                claim(
                    OutboxEvent.objects.filter(
                        event_type=subscription.event_type, deliveries_created=True, pk__gt=after_id
                    )
                    .exclude(deliveries__handler=name)
                    .order_by("id")
                )[:batch_size]
            )
            if not rows:
                return created
            after_id = rows[-1].pk
            now = timezone.now()
            EventDelivery.objects.bulk_create(
                [
                    EventDelivery(event=row, handler=name, next_attempt_at=now + DELIVERY_LEASE)
                    for row in rows
                ],
                ignore_conflicts=True,  # a delivery made meanwhile by another replay stays the one
            )
            delivery_ids = list(
                EventDelivery.objects.filter(
                    event__in=rows, handler=name, status=EventDelivery.Status.PENDING, attempts=0
                ).values_list("id", flat=True)
            )
            created += len(rows)
            if delivery_ids:
                transaction.on_commit(lambda ids=delivery_ids: _dispatch(ids))


def ship_once(batch_size: int | None = None) -> int:
    """One pass of the external copy: send due pending rows through the EVENTS_PUBLISHER port.

    Runs apart from the fan-out (its own beat task and thread of `relay_events`). Rows are leased
    in a short transaction and sent outside it, so a hanging broker holds no row lock; a failure
    backs off per row and dead-letters after EVENTS_MAX_ATTEMPTS. Returns the rows it tried.
    """
    batch_size = batch_size or settings.EVENTS_RELAY_BATCH_SIZE
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            claim(
                OutboxEvent.objects.filter(
                    status=OutboxEvent.Status.PENDING,
                    deliveries_created=True,
                    available_at__lte=now,
                ).order_by("id")
            )[:batch_size]
        )
        if not rows:
            return 0
        # A lease: another pass skips these rows while this one waits on the broker.
        OutboxEvent.objects.filter(pk__in=[r.pk for r in rows]).update(
            available_at=now + SHIP_LEASE
        )
    if settings.EVENTS_PUBLISHER:
        publisher: EventPublisher = adapter("EVENTS_PUBLISHER")
        failed = publisher.events_send(events=[outbound_event(row) for row in rows])
    else:
        failed = {}
    now = timezone.now()
    for row in rows:
        if row.event_id in failed:
            _record_failure(row, failed[row.event_id], now)
        else:
            row.status = OutboxEvent.Status.PUBLISHED
            row.published_at = now
            row.last_error = ""
            row.available_at = now
    with transaction.atomic():
        OutboxEvent.objects.bulk_update(
            rows, ["status", "published_at", "attempts", "available_at", "last_error"]
        )
    return len(rows)


def outbound_event(row: OutboxEvent) -> OutboundEvent:
    return OutboundEvent(
        event_id=row.event_id,
        event_type=row.event_type,
        aggregate_id=row.aggregate_id,
        aggregate_version=row.aggregate_version,
        occurred_at=row.occurred_at,
        payload=row.payload,
    )


def _record_failure(row: OutboxEvent, error: str, now) -> None:
    row.attempts += 1
    row.last_error = error[-4000:]
    if row.attempts >= settings.EVENTS_MAX_ATTEMPTS:
        row.status = OutboxEvent.Status.DEAD
        logger.error("outbox event dead-lettered", extra={"event_id": str(row.event_id)})
    else:
        row.available_at = now + backoff(row.attempts)


def _redispatch_due_deliveries(batch_size: int) -> None:
    now = timezone.now()
    with transaction.atomic():
        due = list(
            claim(
                EventDelivery.objects.filter(
                    status=EventDelivery.Status.PENDING, next_attempt_at__lte=now
                ).order_by("id")
            )[:batch_size]
        )
        for delivery in due:
            delivery.next_attempt_at = now + DELIVERY_LEASE
        EventDelivery.objects.bulk_update(due, ["next_attempt_at"])
        ids = [d.pk for d in due]
        if ids:
            transaction.on_commit(lambda: _dispatch(ids))


def _dispatch(delivery_ids: list[int]) -> None:
    from shared.events.tasks import deliver_event

    for delivery_id in delivery_ids:
        try:
            deliver_event.delay(delivery_id)
        except Exception:  # broker down: the lease runs out and the relay dispatches it again
            logger.warning("could not dispatch event delivery %s", delivery_id, exc_info=True)


def event_from_row(row: OutboxEvent) -> DomainEvent:
    event_class = event_class_for(row.event_type)
    if event_class is None:
        raise LookupError(f"unknown event type {row.event_type}")
    return event_class.from_payload(
        event_id=row.event_id,
        occurred_at=row.occurred_at,
        aggregate_version=row.aggregate_version,
        payload=row.payload,
    )


def deliver(delivery_id: int) -> str:
    """Run one handler for one event, at most once (inbox), retrying later on failure.

    The handler's own writes, the inbox row and the delivery's status commit together.
    Returns the resulting status (or "skipped" when another worker holds or finished it).
    """
    try:
        return _deliver(delivery_id)
    except DatabaseError as exc:
        # The database aborted the whole transaction (a deadlock inside the handler, a lost
        # connection): count the attempt in a fresh one so backoff and dead-lettering still apply.
        with transaction.atomic():
            delivery = claim(EventDelivery.objects.filter(pk=delivery_id, status="pending")).first()
            if delivery is None:
                return "skipped"
            _delivery_failed(delivery, exc, timezone.now())
            delivery.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
            return delivery.status


def _deliver(delivery_id: int) -> str:
    with transaction.atomic():
        # Lock the delivery row alone: joining the event here would lock the outbox row too and
        # make the event's other handlers skip it until their lease runs out.
        delivery = claim(
            EventDelivery.objects.filter(pk=delivery_id, status=EventDelivery.Status.PENDING)
        ).first()
        if delivery is None:
            return "skipped"
        delivery.event = OutboxEvent.objects.get(pk=delivery.event_id)
        now = timezone.now()
        subscription = bus.subscription_named(delivery.handler)
        try:
            if subscription is None:
                raise LookupError(f"no handler named {delivery.handler} is subscribed")
            event = event_from_row(delivery.event)
            with transaction.atomic():
                InboxRecord.objects.create(handler=delivery.handler, event_id=event.event_id)
                subscription.func(event)
        except IntegrityError as exc:
            if InboxRecord.objects.filter(
                handler=delivery.handler, event_id=delivery.event.event_id
            ).exists():
                delivery.status = EventDelivery.Status.DONE  # processed before: nothing to do
                delivery.done_at = now
            else:
                _delivery_failed(delivery, exc, now)
        except OperationalError:
            raise  # the transaction is gone; deliver() records the attempt in a new one
        except Exception as exc:
            _delivery_failed(delivery, exc, now)
        else:
            delivery.status = EventDelivery.Status.DONE
            delivery.done_at = now
            delivery.last_error = ""
        delivery.save(
            update_fields=["status", "attempts", "next_attempt_at", "last_error", "done_at"]
        )
        return delivery.status


def _delivery_failed(delivery: EventDelivery, exc: Exception, now) -> None:
    delivery.attempts += 1
    delivery.last_error = "".join(traceback.format_exception(exc))[-4000:]
    if delivery.attempts >= settings.EVENTS_MAX_ATTEMPTS:
        delivery.status = EventDelivery.Status.DEAD
        logger.error(
            "event delivery dead-lettered",
            extra={"handler": delivery.handler, "event_id": str(delivery.event.event_id)},
        )
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
        logger.warning(
            "event handler failed, will retry",
            extra={"handler": delivery.handler, "attempt": delivery.attempts},
        )


def requeue(*, outbox_ids=(), delivery_ids=()) -> None:
    """Give dead-lettered rows a fresh start (admin action)."""
    now = timezone.now()
    with transaction.atomic():
        OutboxEvent.objects.filter(pk__in=outbox_ids).exclude(
            status=OutboxEvent.Status.PUBLISHED
        ).update(status=OutboxEvent.Status.PENDING, attempts=0, available_at=now)
        EventDelivery.objects.filter(pk__in=delivery_ids).exclude(
            status=EventDelivery.Status.DONE
        ).update(status=EventDelivery.Status.PENDING, attempts=0, next_attempt_at=now)


def purge_processed(*, older_than_days: int | None = None, batch_size: int = 5000) -> int:
    """Delete what the bus no longer needs: published outbox rows whose deliveries are all done,
    and inbox records, once older than EVENTS_RETENTION_DAYS. Dead letters and anything still
    pending stay for the admin. Returns the number of outbox rows deleted."""
    days = settings.EVENTS_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    while True:
        ids = list(
            OutboxEvent.objects.filter(status=OutboxEvent.Status.PUBLISHED, published_at__lt=cutoff)
            .exclude(
                deliveries__status__in=[EventDelivery.Status.PENDING, EventDelivery.Status.DEAD]
            )
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        with transaction.atomic():
            EventDelivery.objects.filter(event_id__in=ids).delete()
            deleted += OutboxEvent.objects.filter(pk__in=ids).delete()[0]
    InboxRecord.objects.filter(processed_at__lt=cutoff).delete()
    return deleted
