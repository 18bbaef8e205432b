"""Celery tasks (thin wrappers; the schedule is in ecommerce/schedule.py)."""

from celery import shared_task

from contexts.inventory import services


@shared_task(name="inventory.release_expired_reservations")
def release_expired_reservations() -> int:
    """Release held reservations past their expiry; safe to overlap with itself (SKIP LOCKED)."""
    return services.reservations_release_expired()
