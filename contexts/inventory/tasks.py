"""Celery tasks (thin wrappers; the schedule is in ecommerce/schedule.py)."""

from celery import shared_task

from contexts.inventory import services


@shared_task(name="inventory.release_expired_reservations")
def release_expired_reservations() -> int:
    """Release held reservations past their expiry; safe to overlap with itself (SKIP LOCKED)."""
    return services.reservations_release_expired()


@shared_task(name="inventory.catalog_stock_resync", ignore_result=True)
def catalog_stock_resync() -> int:
    """Reconcile the catalog's stock mirror with inventory's availability of every live SKU; a
    mirrored figure newer than the one read (a stock change applied meanwhile) is kept."""
    return services.catalog_stock_resync()
