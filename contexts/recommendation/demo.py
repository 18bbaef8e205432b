"""Demo recommendations: the demo catalog is bulk-inserted without events and the demo buyers
have no history, so the first products are taken in (snapshots, similar products) and
purchases and views with a plain structure recorded over them (each shopper buys or views a few
neighbouring products, ids close together), then their lists computed. Signal keys are fixed, so
running it again adds nothing. A large demo catalog (the benchmark's) gets recommendations on
its first DEMO_PRODUCTS products only; `manage.py recommendation_rebuild` covers them all."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from contexts.catalog import api as catalog_api
from contexts.recommendation import services
from contexts.recommendation.models import Signal

DEMO_PRODUCTS = 200


def demo_recommendations_build(*, buyer_ids: list[int]) -> int:
    """Record demo purchases and views for `buyer_ids` (and anonymous demo shoppers) and compute
    the lists. Returns the number of signals recorded."""
    listed = catalog_api.listed_product_ids(limit=DEMO_PRODUCTS)
    if len(listed) < 4:
        return 0
    for start in range(0, len(listed), services.BATCH):
        services.products_sync(spu_ids=listed[start : start + services.BATCH], similar=False)
    for start in range(0, len(listed), services.BATCH):
        services.similar_refresh(spu_ids=listed[start : start + services.BATCH])
    rng = random.Random(12)  # noqa: S311 - demo baskets, not secrets
    now = timezone.now()
    taken = 0
    # Shoppers beyond the demo buyers make the co-purchase structure visible on every page.
    shoppers = [f"u:{b}" for b in buyer_ids] + [f"v:demo-shopper-{n:04d}" for n in range(200)]
    for n, shopper in enumerate(shoppers):
        start = rng.randrange(0, max(len(listed) - 4, 1)) // 4 * 4
        cluster = listed[start : start + 4]
        basket = rng.sample(cluster, k=min(len(cluster), rng.randint(2, 3)))
        at = now - timedelta(hours=rng.randint(0, 72))
        kind = Signal.Kind.PURCHASE if shopper.startswith("u:") or n % 2 else Signal.Kind.VIEW
        taken += services.signal_take(
            key=f"demo:{shopper}", kind=kind, user_key=shopper, spu_ids=basket, at=at
        )
    for start in range(0, len(listed), services.BATCH):
        services.product_lists_refresh(spu_ids=listed[start : start + services.BATCH])
    return taken
