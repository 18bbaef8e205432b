"""Celery wrappers around the relay."""

from celery import shared_task

from shared.events import relay


@shared_task(name="events.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    return relay.relay_once()


@shared_task(name="events.ship_outbox", ignore_result=True)
def ship_outbox() -> int:
    return relay.ship_once()


@shared_task(name="events.deliver", ignore_result=True)
def deliver_event(delivery_id: int) -> str:
    return relay.deliver(delivery_id)


@shared_task(name="events.purge_processed", ignore_result=True)
def purge_processed() -> int:
    return relay.purge_processed()
