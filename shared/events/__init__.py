"""The event bus: versioned domain events, a transactional outbox, a relay, idempotent handlers.

    publish(event)                     # inside the caller's transaction.atomic()
    subscribe(EventClass, handler)     # in a context's AppConfig.ready()

Delivery is at-least-once; every handler runs at most once per event thanks to the inbox.
"""

from shared.events.base import DomainEvent, event_class_for
from shared.events.bus import aggregates_lock, publish, subscribe

__all__ = ["DomainEvent", "aggregates_lock", "event_class_for", "publish", "subscribe"]
