"""Beat tasks (scheduled in ecommerce/schedule.py)."""

from celery import shared_task

from contexts.logistics import services


@shared_task(name="logistics.poll_tracking")
def poll_tracking() -> int:
    """Ask carriers about parcels due for polling; returns how many route events were new."""
    return services.shipments_poll_due()
