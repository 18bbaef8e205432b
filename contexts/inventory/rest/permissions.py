"""Who may use inventory's admin endpoints: platform staff (is_staff) on every warehouse, and a
merchant's staff (catalog decides who that is) on the warehouses of the shops they manage."""

from __future__ import annotations

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from contexts.catalog import api as catalog_api


def merchant_scope(request: Request) -> frozenset[int] | None:
    """None for platform staff (no restriction); otherwise the merchant ids the user manages."""
    if request.user.is_staff:
        return None
    if not hasattr(request, "_inventory_merchant_ids"):
        request._inventory_merchant_ids = frozenset(
            catalog_api.merchant_ids_managed_by(user_id=request.user.pk)
        )
    return request._inventory_merchant_ids


class IsStaffOrMerchantStaff(BasePermission):
    """Object-level checks (another shop's warehouse -> 404) happen in services/selectors
    through the scope this permission computes."""

    message = "Only platform staff or a merchant's staff may manage stock."

    def has_permission(self, request: Request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        scope = merchant_scope(request)
        return scope is None or bool(scope)
