"""publish() and subscribe(): the only two calls contexts make on the bus."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import F

from shared.events.base import DomainEvent
from shared.request_context import current_request_id

logger = logging.getLogger(__name__)

Handler = Callable[[DomainEvent], None]


@dataclass(frozen=True)
class Subscription:
    name: str
    event_type: str
    func: Handler


_subscriptions: dict[str, dict[str, Subscription]] = {}


def subscribe(event_class: type[DomainEvent], func: Handler, *, name: str) -> None:
    """Register `func` under `name` for every future event of `event_class` (AppConfig.ready()).

    Deliveries and the inbox are keyed by `name`, not by the function's import path, so a
    renamed or moved function keeps its pending deliveries as long as the name stays. Choose
    `<context>.<what it does>` and never change it. A name taken by another handler raises.
    """
    if not event_class.event_type:
        raise TypeError(f"{event_class} has no event_type")
    if not name or not isinstance(name, str):
        raise TypeError(f"handler {func!r} needs an explicit, stable name")
    taken = subscription_named(name)
    if taken is not None and (taken.func is not func or taken.event_type != event_class.event_type):
        raise ImproperlyConfigured(
            f"event handler name {name!r} is already taken by {taken.func!r} for {taken.event_type}"
        )
    sub = Subscription(name, event_class.event_type, func)
    _subscriptions.setdefault(sub.event_type, {})[sub.name] = sub


def unsubscribe(event_class: type[DomainEvent], name: str) -> None:
    _subscriptions.get(event_class.event_type, {}).pop(name, None)


def subscriptions_for(event_type: str) -> list[Subscription]:
    return list(_subscriptions.get(event_type, {}).values())


def subscription_named(name: str) -> Subscription | None:
    for subs in _subscriptions.values():
        if name in subs:
            return subs[name]
    return None


def publish(event: DomainEvent) -> None:
    """Write the event to the outbox inside the caller's transaction.

    The row commits or rolls back with the state change it describes, so an event of a
    rolled-back change is never delivered and a committed change never loses its event.
    """
    from shared.events.models import OutboxEvent

    if not event.event_type:
        raise TypeError(f"{type(event).__name__} has no event_type")
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("publish() must be called inside transaction.atomic()")
    aggregate_id = event.aggregate_id[:64]
    OutboxEvent.objects.create(
        event_id=event.event_id,
        event_type=event.event_type,
        aggregate_id=aggregate_id,
        aggregate_version=_next_version(event.stream, aggregate_id) if aggregate_id else 0,
        payload=event.payload(),
        occurred_at=event.occurred_at,
        request_id=(current_request_id() or "")[:64],
    )
    if settings.EVENTS_RELAY_ON_COMMIT and not any(
        callback is _relay_soon for _, callback, _ in connection.run_on_commit
    ):
        transaction.on_commit(_relay_soon, robust=True)


def aggregates_lock(*, stream: str, aggregate_ids: Iterable[object]) -> None:
    """Take the version locks of these aggregates now (in sorted order), before reading the
    state an event will describe: every earlier version of them has then committed, so a read
    made after this call (READ COMMITTED, Django's MySQL default) sees all of it. Held until the
    caller's transaction ends; publish() then assigns the next versions."""
    from shared.events.models import AggregateSequence

    ids = sorted({str(a)[:64] for a in aggregate_ids})
    if not ids:
        return
    connection = transaction.get_connection()
    if connection.vendor == "mysql":  # one statement for all of them, rows locked in key order
        table = connection.ops.quote_name(AggregateSequence._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (stream, aggregate_id, version) VALUES "  # noqa: S608 (a model's quoted table name)
                + ", ".join(["(%s, %s, 0)"] * len(ids))
                + " ON DUPLICATE KEY UPDATE version = version",
                [value for aggregate_id in ids for value in (stream, aggregate_id)],
            )
        return
    for aggregate_id in ids:
        _sequence_bump(stream, aggregate_id, by=0)


def _next_version(stream: str, aggregate_id: str) -> int:
    return _sequence_bump(stream, aggregate_id, by=1)


def _sequence_bump(stream: str, aggregate_id: str, *, by: int) -> int:
    """Add `by` to the aggregate's version (creating it at `by`) and return it; the sequence row
    stays locked until the caller's transaction ends."""
    from shared.events.models import AggregateSequence

    connection = transaction.get_connection()
    rows = AggregateSequence.objects.filter(stream=stream, aggregate_id=aggregate_id)
    if connection.vendor == "mysql":
        # An UPDATE of an existing row locks that record only (unique key, READ COMMITTED); an
        # INSERT ... ON DUPLICATE KEY UPDATE waiting on a duplicate takes a gap lock too, which
        # deadlocks (1213) with the lock holder's inserts of other aggregates into that gap, so
        # it is used only to create the row. LAST_INSERT_ID(expr) returns the new version.
        table = connection.ops.quote_name(AggregateSequence._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET version = LAST_INSERT_ID(version + %s) "  # noqa: S608 (a model's quoted table name)
                "WHERE stream = %s AND aggregate_id = %s",
                [by, stream, aggregate_id],
            )
            if cursor.rowcount:
                return int(cursor.lastrowid)
            cursor.execute(
                f"INSERT INTO {table} (stream, aggregate_id, version) VALUES (%s, %s, %s) "  # noqa: S608
                "ON DUPLICATE KEY UPDATE version = LAST_INSERT_ID(version + %s)",
                [stream, aggregate_id, by, by],
            )
            # rowcount 1: inserted (version `by`); 2: updated (insert id = LAST_INSERT_ID(...)).
            return by if cursor.rowcount == 1 else int(cursor.lastrowid)
    if not rows.update(version=F("version") + by):
        try:
            with transaction.atomic():
                AggregateSequence.objects.create(
                    stream=stream, aggregate_id=aggregate_id, version=by
                )
        except IntegrityError:  # created by a concurrent publisher that has now committed
            rows.update(version=F("version") + by)
    return rows.values_list("version", flat=True).get()


def _relay_soon() -> None:
    """After commit, ask for a relay pass now instead of waiting for beat."""
    from shared.events.tasks import relay_outbox

    try:
        relay_outbox.delay()
    except Exception:  # broker down: the beat schedule picks the rows up later
        logger.warning("could not schedule an outbox relay pass", exc_info=True)
