"""Celery wrappers around catalog services (not scheduled by default: run after a bulk stock
load, or add "catalog.stock_resync" to ecommerce/schedule.py for a nightly reconciliation)."""

from celery import shared_task

from contexts.catalog.services import stock


@shared_task(name="catalog.stock_resync", ignore_result=True)
def stock_resync() -> int:
    """Copy inventory's availability of every live SKU into the catalog's stock mirror."""
    return stock.sku_stock_resync()
