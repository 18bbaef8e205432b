"""Kafka publishing for the relay, when KAFKA_BOOTSTRAP_SERVERS is set.

One topic per event type, named by the type itself (`ordering.order.placed.v1`), keyed by the
aggregate id so one aggregate's events stay ordered in one partition. The seed's topic names map
to these types in SEED_TOPICS.
"""

from __future__ import annotations

import json
import logging
import os
import threading

from django.conf import settings

logger = logging.getLogger(__name__)

SEED_TOPICS = {
    "order.created": "ordering.order.placed.v1",
    "order.paid": "ordering.order.paid.v1",
    "inventory.changed": "inventory.stock.changed.v1",
    "notification.send": "notification.send.v1",
    "user.registered": "identity.user.registered.v1",
}

_lock = threading.Lock()
_producer = {"pid": None, "instance": None}


def enabled() -> bool:
    return bool(settings.KAFKA_BOOTSTRAP_SERVERS)


def producer():
    from kafka import KafkaProducer

    with _lock:
        if _producer["pid"] != os.getpid() or _producer["instance"] is None:
            _producer["instance"] = KafkaProducer(
                bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS.split(","),
                acks="all",
                retries=3,
                linger_ms=5,
                request_timeout_ms=10_000,
                max_block_ms=settings.KAFKA_MAX_BLOCK_MS,
                bootstrap_timeout_ms=settings.KAFKA_MAX_BLOCK_MS,
            )
            _producer["pid"] = os.getpid()
        return _producer["instance"]


def reset_producer() -> None:
    with _lock:
        if _producer["instance"] is not None:
            try:
                _producer["instance"].close(timeout=2)
            except Exception:
                logger.debug("closing the Kafka producer failed", exc_info=True)
        _producer.update(pid=None, instance=None)


def message_for(row) -> dict:
    return {
        "event_id": str(row.event_id),
        "event_type": row.event_type,
        "aggregate_id": row.aggregate_id,
        "occurred_at": row.occurred_at.isoformat(),
        "payload": row.payload,
    }


def publish_rows(rows) -> dict[int, str]:
    """Send every row and wait for the broker's acknowledgement.

    Returns {row pk: error} for the rows that failed (they are retried by the relay).
    """
    if not enabled() or not rows:
        return {}
    try:
        client = producer()
    except Exception as exc:
        logger.warning("Kafka unavailable", exc_info=True)
        return {row.pk: f"kafka unavailable: {exc!r}" for row in rows}
    futures = {}
    failed: dict[int, str] = {}
    for row in rows:
        try:
            futures[row.pk] = client.send(
                row.event_type,
                key=(row.aggregate_id or str(row.event_id)).encode(),
                value=json.dumps(message_for(row), separators=(",", ":")).encode(),
                headers=[
                    ("event_type", row.event_type.encode()),
                    ("event_id", str(row.event_id).encode()),
                ],
            )
        except Exception as exc:
            failed[row.pk] = repr(exc)
    try:
        client.flush(timeout=15)
    except Exception as exc:  # unacknowledged sends are retried by the relay with backoff
        logger.warning("Kafka flush failed", exc_info=True)
        reset_producer()
        failed.update({pk: f"kafka flush failed: {exc!r}" for pk in futures if pk not in failed})
        return failed
    for pk, future in futures.items():
        try:
            future.get(timeout=15)
        except Exception as exc:
            failed[pk] = repr(exc)
    return failed
