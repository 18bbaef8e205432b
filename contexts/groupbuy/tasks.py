"""Celery tasks: the beat job that ends groups at their deadline (ecommerce/schedule.py). A thin
wrapper around an idempotent service, safe to run again or concurrently."""

from __future__ import annotations

from celery import shared_task

from contexts.groupbuy import services


@shared_task(name="groupbuy.expire_groups")
def expire_groups() -> dict[str, int]:
    """Fail (refund, cancel) or auto-fill every open group past its deadline."""
    return services.groups_expire_due()
