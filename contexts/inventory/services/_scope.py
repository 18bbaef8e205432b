"""Which warehouses a caller may act on: platform staff all, merchant staff their shops' only."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import QuerySet

from contexts.inventory.models import Warehouse
from shared.errors import NotFound, PermissionDenied


def merchant_allowed(merchant_id: int, merchant_ids: Collection[int] | None) -> bool:
    """`merchant_ids` None means platform staff (every merchant)."""
    return merchant_ids is None or merchant_id in merchant_ids


def merchant_check(merchant_id: int, merchant_ids: Collection[int] | None) -> None:
    if not merchant_allowed(merchant_id, merchant_ids):
        raise PermissionDenied("You do not manage this merchant.", code="not_merchant_staff")


def warehouse_scoped(
    warehouse_id: int, merchant_ids: Collection[int] | None, *, queryset: QuerySet | None = None
) -> Warehouse:
    """The warehouse, or 404 when it does not exist or belongs to a shop the caller does not
    manage (another shop's warehouse is not revealed)."""
    warehouse = (
        (queryset if queryset is not None else Warehouse.objects).filter(pk=warehouse_id).first()
    )
    if warehouse is None or not merchant_allowed(warehouse.merchant_id, merchant_ids):
        raise NotFound("Warehouse not found.", code="warehouse_not_found")
    return warehouse
