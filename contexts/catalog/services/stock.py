"""The catalog's mirror of inventory availability: `Sku.available_stock`.

Kept current by the inventory.stock.changed.v1 handler; `sku_stock_resync` is the full
reconciliation (after a bulk stock load, or if events were lost). The catalog is upstream of
inventory and never calls it: inventory runs the reconciliation (`inventory.catalog_stock_resync`)
and hands in the function that reads its figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone
from tqdm import tqdm

from contexts.catalog.models import Sku
from contexts.catalog.services._common import storefront_changed, storefront_wide_change
from shared.events.projections import version_apply

RESYNC_BATCH = 5000


def _not_newer_than(as_of: datetime) -> Q:
    """Rows whose mirrored figure is no later than `as_of` (or was never set)."""
    return Q(stock_updated_at__isnull=True) | Q(stock_updated_at__lte=as_of)


def sku_stock_apply(*, sku_id: int, available: int, version: int) -> bool:
    """Record a SKU's availability as reported by inventory's StockChanged of this aggregate
    `version`. A version at or below the one already applied is ignored (versions follow
    inventory's commit order, unlike `occurred_at`), so events delivered late, twice or out of
    order never roll the figure back. Returns whether the row changed.

    The product page shows the figure: its cached copies are dropped on every change; lists
    only show "in stock", so theirs only when the SKU runs out or comes back."""
    available = max(available, 0)
    with transaction.atomic():
        # Locked until commit, so the old figure is the one this update replaces (not one a
        # concurrent change is replacing at the same time) when judging whether it flipped.
        row = (
            Sku.objects.select_for_update()
            .filter(pk=sku_id)
            .values_list("spu_id", "available_stock")
            .first()
        )
        applied = version_apply(
            Sku.objects.filter(pk=sku_id),
            version=version,
            version_field="stock_version",
            values={"available_stock": available, "stock_updated_at": timezone.now()},
        )
        if applied and row is not None:
            spu_id, before = row
            storefront_changed([spu_id], listings=(before > 0) != (available > 0))
    return applied


def sku_stock_resync(
    *,
    availability_of: Callable[[list[int]], Mapping[int, int]],
    sku_ids: Iterable[int] | None = None,
    batch_size: int = RESYNC_BATCH,
    progress: bool = False,
) -> int:
    """Copy the availability that `availability_of(batch)` reports (inventory's figures; a SKU
    missing from the answer has none) of these SKUs (all live SKUs when None) into the mirror,
    one read and one conditional update per batch. Returns how many SKUs were synced.

    Each batch's figures are stamped with the time taken BEFORE they are read, and, as in
    `sku_stock_apply`, a row already holding a later report is left alone: a stock change
    applied while the batch is in flight is newer than what was read, and must survive it."""
    ids = (
        list(sku_ids)
        if sku_ids is not None
        else list(Sku.objects.live().order_by("pk").values_list("pk", flat=True))
    )
    bar = tqdm(total=len(ids), desc="catalog stock", unit="sku", disable=not progress)
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        as_of = timezone.now()
        availability = availability_of(batch)
        figures = {sku_id: max(availability.get(sku_id, 0), 0) for sku_id in batch}
        Sku.objects.filter(pk__in=batch).filter(_not_newer_than(as_of)).update(
            available_stock=Case(
                *(When(pk=sku_id, then=Value(n)) for sku_id, n in figures.items()),
                output_field=IntegerField(),
            ),
            stock_updated_at=as_of,
        )
        bar.update(len(batch))
    bar.close()
    storefront_wide_change()
    return len(ids)
