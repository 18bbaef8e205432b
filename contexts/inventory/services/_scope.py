"""Which warehouse a caller may act on, through their principal: another shop's warehouse is
not revealed (404)."""

from __future__ import annotations

from django.db.models import QuerySet

from contexts.inventory.models import Warehouse
from shared.auth import Principal
from shared.errors import NotFound


def warehouse_scoped(
    warehouse_id: int, principal: Principal, permission: str, *, queryset: QuerySet | None = None
) -> Warehouse:
    """The warehouse, or 404 when it does not exist or belongs to a shop over which the
    principal does not hold `permission`."""
    warehouse = (
        (queryset if queryset is not None else Warehouse.objects).filter(pk=warehouse_id).first()
    )
    not_found = NotFound("Warehouse not found.", code="warehouse_not_found")
    if warehouse is None:
        raise not_found
    principal.require(permission, merchant_id=warehouse.merchant_id, not_found=not_found)
    return warehouse
