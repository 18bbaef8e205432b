"""Demo flash sales: a session selling now (two hours) and one starting in three hours, each with
one SKU of every demo shop at half price."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from contexts.catalog import api as catalog_api
from contexts.flashsale import services
from contexts.flashsale.domain import SessionStatus
from contexts.flashsale.models import FlashSession
from shared.auth import SYSTEM
from shared.money import quantize

DEMO_NAMES = ("Demo flash sale: now", "Demo flash sale: tonight")
DEMO_UNITS = 10


def demo_flash_sales_create(*, sku_ids_by_merchant: Mapping[int, Iterable[int]]) -> int:
    """Create and schedule the demo sessions unless demo sessions are still on (idempotent).
    Returns how many sessions were created."""
    live = FlashSession.objects.filter(
        name__in=DEMO_NAMES,
        status__in=(SessionStatus.DRAFT, SessionStatus.SCHEDULED),
        ends_at__gt=timezone.now(),
    )
    if live.exists():
        return 0
    firsts = [sorted(ids)[0] for _, ids in sorted(sku_ids_by_merchant.items()) if ids]
    skus = catalog_api.get_skus(sku_ids=firsts)
    now = timezone.now()
    created = 0
    for name, (starts, hours), offset in zip(
        DEMO_NAMES, ((timedelta(minutes=-5), 2), (timedelta(hours=3), 1)), (0, 1), strict=True
    ):
        session = services.session_create(
            name=name,
            starts_at=now + starts,
            ends_at=now + starts + timedelta(hours=hours),
            principal=SYSTEM,
        )
        for sku_id in firsts:
            sku = skus.get(sku_id)
            if sku is None or not sku.purchasable:
                continue
            services.item_add(
                session_id=session.pk,
                sku_id=sku_id,
                flash_price=max(quantize(sku.price / 2), Decimal("0.01")),
                flash_stock=DEMO_UNITS // (offset + 1),
                per_user_limit=2,
                principal=SYSTEM,
            )
        services.session_schedule(session_id=session.pk, principal=SYSTEM)
        created += 1
    services.items_load_due()
    return created
