"""Demo settlement setup: every demo shop settled daily to a sandbox payee account, and a
category of the first shop's products charged 8 % instead of the shop's catalog rate (so a
statement shows a category override next to the default commission)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from contexts.catalog import api as catalog_api
from contexts.settlement import services
from contexts.settlement.models import CommissionRule, MerchantProfile
from shared.auth import SYSTEM

DEMO_CATEGORY_RATE = Decimal("0.0800")


def demo_settlement_create(*, sku_ids_by_merchant: Mapping[int, Sequence[int]]) -> int:
    """Create the profiles and the rule once (re-running creates nothing); how many rows were
    created now."""
    created = 0
    for merchant_id in sorted(sku_ids_by_merchant):
        if MerchantProfile.objects.filter(merchant_id=merchant_id).exists():
            continue
        services.merchant_profile_save(
            principal=SYSTEM,
            merchant_id=merchant_id,
            cycle="daily",
            payee_provider="sandbox",
            payee_account=f"shop-{merchant_id}@sandbox",
            payee_name=f"Shop {merchant_id}",
        )
        created += 1
    first = next((ids for _, ids in sorted(sku_ids_by_merchant.items()) if ids), ())
    skus = catalog_api.get_skus(sku_ids=list(first)[:1])
    category_id = next((s.category_id for s in skus.values()), None)
    if (
        category_id is not None
        and not CommissionRule.objects.filter(merchant_id=None, category_id=category_id).exists()
    ):
        services.commission_rule_save(
            principal=SYSTEM,
            merchant_id=None,
            category_id=category_id,
            rate=DEMO_CATEGORY_RATE,
            note="demo: a category override",
        )
        created += 1
    return created
