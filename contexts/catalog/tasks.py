"""Celery wrappers around catalog services. `catalog.stock_resync` is scheduled nightly (04:30,
ecommerce/schedule.py) as a reconciliation of the stock mirror; run it by hand after a bulk
stock load."""

from celery import shared_task

from contexts.catalog.services import stock


@shared_task(name="catalog.stock_resync", ignore_result=True)
def stock_resync() -> int:
    """Copy inventory's availability of every live SKU into the catalog's stock mirror; a
    figure newer than the one read (a stock change applied meanwhile) is kept."""
    return stock.sku_stock_resync()
