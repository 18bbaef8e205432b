"""shared.auth's tenancy port over catalog's shops: a user owns a shop (`owner_user_id`) or is
on its staff (MerchantStaff)."""

from __future__ import annotations

from collections.abc import Mapping

from contexts.catalog import selectors


class CatalogTenancy:
    def merchant_roles(self, *, user_id: int) -> Mapping[int, str]:
        return selectors.merchant_roles_of(user_id=user_id)
