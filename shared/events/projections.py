"""Projections (read models fed by events) apply an aggregate's events in version order.

    rows = Sku.objects.filter(pk=event.sku_id)
    version_apply(rows, version=event.aggregate_version, version_field="stock_version",
                  values={"available_stock": ...})

Events can arrive late, twice or out of order (retries, parallel workers); the version the outbox
assigned in the publishing transaction says which is newer, unlike `occurred_at`, which is taken
before commit.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet


def version_apply(
    rows: QuerySet, *, version: int, version_field: str, values: dict[str, Any]
) -> bool:
    """Write `values` and `version` to the rows whose stored version is older, in one
    conditional UPDATE (atomic against a concurrent apply). Returns whether anything changed:
    False when a same or newer version is already applied."""
    updated = rows.filter(**{f"{version_field}__lt": version}).update(
        **values, **{version_field: version}
    )
    return updated > 0
