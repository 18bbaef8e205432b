"""Celery tasks of search (beat entries in ecommerce/schedule.py)."""

from __future__ import annotations

from celery import shared_task

from contexts.search import services


@shared_task(name="search.reindex")
def reindex() -> dict[str, int]:
    """Rebuild the product and order indices nightly: catches up with changes that reach the
    catalog without an event (inventory's nightly stock-mirror resync, the catalog's own
    handlers that ran after search's)."""
    return {
        "products": services.products_reindex(),
        "orders": services.orders_reindex(),
    }
