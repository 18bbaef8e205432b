"""EventPublisher over Kafka (settings.KAFKA_BOOTSTRAP_SERVERS).

One topic per event type, named by the type itself (`ordering.order.placed.v1`), keyed by the
aggregate id so one aggregate's events stay ordered in one partition. The seed's topic names map
to these types in SEED_TOPICS. Every wait on the broker is bounded by KAFKA_MAX_BLOCK_MS
(metadata, bootstrap) and KAFKA_SEND_TIMEOUT_SECONDS (acknowledgements).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Sequence

from django.conf import settings

from shared.events.ports import OutboundEvent

logger = logging.getLogger(__name__)

SEED_TOPICS = {
    "order.created": "ordering.order.placed.v1",
    "order.paid": "ordering.order.paid.v1",
    "inventory.changed": "inventory.stock.changed.v1",
    "user.registered": "identity.user.registered.v1",
}


class KafkaEventPublisher:
    def __init__(self) -> None:
        self.bootstrap_servers = settings.KAFKA_BOOTSTRAP_SERVERS.split(",")
        self.max_block_ms = settings.KAFKA_MAX_BLOCK_MS
        self.send_timeout = settings.KAFKA_SEND_TIMEOUT_SECONDS
        self._lock = threading.Lock()
        self._producer = None

    def _client(self):
        from kafka import KafkaProducer

        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(
                    bootstrap_servers=self.bootstrap_servers,
                    acks="all",
                    retries=3,
                    linger_ms=5,
                    request_timeout_ms=self.send_timeout * 1000,
                    max_block_ms=self.max_block_ms,
                    bootstrap_timeout_ms=self.max_block_ms,
                )
            return self._producer

    def _reset(self) -> None:
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            try:
                producer.close(timeout=1)
            except Exception:
                logger.debug("closing the Kafka producer failed", exc_info=True)

    def events_send(self, *, events: Sequence[OutboundEvent]) -> dict[uuid.UUID, str]:
        if not events:
            return {}
        try:
            client = self._client()
        except Exception as exc:
            logger.warning("Kafka unavailable: %r", exc)
            return {event.event_id: f"kafka unavailable: {exc!r}" for event in events}
        futures = {}
        failed: dict[uuid.UUID, str] = {}
        for event in events:
            try:
                futures[event.event_id] = client.send(
                    event.event_type,
                    key=(event.aggregate_id or str(event.event_id)).encode(),
                    value=json.dumps(event.message(), separators=(",", ":")).encode(),
                    headers=[
                        ("event_type", event.event_type.encode()),
                        ("event_id", str(event.event_id).encode()),
                    ],
                )
            except Exception as exc:
                failed[event.event_id] = repr(exc)
        try:
            client.flush(timeout=self.send_timeout)
        except Exception as exc:  # unacknowledged sends are retried by the relay with backoff
            logger.warning("Kafka flush failed: %r", exc)
            self._reset()
            failed.update({k: f"kafka flush failed: {exc!r}" for k in futures if k not in failed})
            return failed
        for event_id, future in futures.items():
            try:
                future.get(timeout=self.send_timeout)
            except Exception as exc:
                failed[event_id] = repr(exc)
        return failed
