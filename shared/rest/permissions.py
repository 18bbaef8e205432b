"""DRF permission classes over shared.auth: an endpoint names the permission it needs."""

from __future__ import annotations

from functools import cache

from rest_framework.permissions import BasePermission

from shared.auth import principal_of


@cache
def HasPermission(permission: str) -> type[BasePermission]:
    """A permission class letting through callers who hold `permission` over at least one shop
    (or every shop); services then check the shop of the resource."""

    class _HasPermission(BasePermission):
        message = f"This needs the permission {permission!r}."

        def has_permission(self, request, view) -> bool:
            return principal_of(request).can(permission)

    _HasPermission.__name__ = f"HasPermission[{permission}]"
    return _HasPermission
