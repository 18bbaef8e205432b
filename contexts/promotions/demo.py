"""Demo activities: a platform spend-X-save-Y, a shop's spend-X-percent-off and gift, a special
price and a free-shipping offer, running for 90 days from the first load."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from contexts.catalog import api as catalog_api
from contexts.promotions import services
from contexts.promotions.models import Activity
from shared.auth import SYSTEM
from shared.money import quantize

PLATFORM_NAME = "Platform: 20 off 200, 40 off 300"


def demo_activities_create(*, sku_ids_by_merchant: Mapping[int, Sequence[int]]) -> int:
    """Idempotent (nothing is added once the platform demo activity exists); returns how many
    activities were created. Shops in id order: the first gets 10% off from 300.00 and a gift
    (its last SKU) from 199.00, the second
    a special price (80%) on its first SKU, the third free shipping from 49.00."""
    if Activity.objects.filter(name=PLATFORM_NAME, merchant_id__isnull=True).exists():
        return 0
    now = timezone.now()
    window = {"starts_at": now - timedelta(minutes=1), "ends_at": now + timedelta(days=90)}
    specs: list[dict] = [
        {
            "merchant_id": None,
            "name": PLATFORM_NAME,
            "rule_kind": "spend_off",
            "rule_params": {
                "tiers": [
                    {"threshold": "200.00", "amount": "20.00"},
                    {"threshold": "300.00", "amount": "40.00"},
                ]
            },
            "priority": 10,
        }
    ]
    merchants = sorted(sku_ids_by_merchant)
    if merchants:
        specs.append(
            {
                "merchant_id": merchants[0],
                "name": "10% off from 300.00",
                "rule_kind": "spend_percent",
                "rule_params": {"tiers": [{"threshold": "300.00", "percent_off": "10"}]},
            }
        )
        if len(sku_ids_by_merchant[merchants[0]]) > 1:
            gift_sku_id = sku_ids_by_merchant[merchants[0]][-1]
            specs.append(
                {
                    "merchant_id": merchants[0],
                    "name": "A free gift from 199.00",
                    "rule_kind": "gift",
                    "rule_params": {
                        "threshold": "199.00",
                        "gift_sku_id": gift_sku_id,
                        "gift_quantity": 1,
                    },
                }
            )
    if len(merchants) > 1 and sku_ids_by_merchant[merchants[1]]:
        sku_id = sku_ids_by_merchant[merchants[1]][0]
        sku = catalog_api.get_skus(sku_ids=[sku_id]).get(sku_id)
        if sku is not None and sku.price > Decimal("0.05"):
            price = quantize(sku.price * Decimal("0.8"))
            specs.append(
                {
                    "merchant_id": merchants[1],
                    "name": "Limited-time price",
                    "rule_kind": "special_price",
                    "rule_params": {"prices": [{"sku_id": sku_id, "price": str(price)}]},
                }
            )
    if len(merchants) > 2:
        specs.append(
            {
                "merchant_id": merchants[2],
                "name": "Free shipping from 49.00",
                "rule_kind": "free_shipping",
                "rule_params": {"threshold": "49.00"},
            }
        )
    for spec in specs:
        services.activity_create(principal=SYSTEM, schedule=True, **window, **spec)
    return len(specs)
