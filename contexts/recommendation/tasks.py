"""Celery tasks of recommendation (beat entries in ecommerce/schedule.py)."""

from __future__ import annotations

from celery import shared_task

from contexts.recommendation import services


@shared_task(name="recommendation.rebuild")
def rebuild() -> dict[str, int]:
    """The offline rebuild: graph, trending and every product's lists from the catalog and the
    signal ledger (safe to re-run: each run starts empty and replays the same ledger)."""
    return services.rebuild()


@shared_task(name="recommendation.refresh_stale")
def refresh_stale() -> int:
    """Recompute the product lists that views and cart adds marked stale."""
    return services.stale_lists_refresh()
