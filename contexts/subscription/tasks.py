"""Subscription's Celery tasks (beat entries in ecommerce/schedule.py)."""

from __future__ import annotations

from celery import shared_task

from contexts.subscription import services


@shared_task(name="subscription.renewals_run")
def renewals_run() -> dict[str, int]:
    """Bill ended periods, charge due renewals, expire lapsed memberships (safe to re-run)."""
    run = services.renewals_run()
    return {
        "billed": len(run.billed),
        "charged": len(run.charged),
        "failed": len(run.failed),
        "expired": len(run.expired),
    }


@shared_task(name="subscription.expire_pending")
def expire_pending() -> int:
    """Expire pending memberships whose first invoice went unpaid too long (safe to re-run)."""
    return len(services.pending_expire())
