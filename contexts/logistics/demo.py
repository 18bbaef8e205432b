"""Demo freight templates: one default per demo shop."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from contexts.logistics import services
from contexts.logistics.models import FreightTemplate
from shared.auth import SYSTEM


def demo_freight_templates_create(*, merchant_ids: Iterable[int]) -> int:
    """Give each shop without a template a default one: by piece, 8.00 for the first item,
    2.00 each additional, free from 99.00, Xinjiang/Tibet (650000/540000) at 20.00 + 5.00.
    Idempotent; returns how many templates were created."""
    created = 0
    for merchant_id in merchant_ids:
        if FreightTemplate.objects.filter(merchant_id=merchant_id).exists():
            continue
        services.freight_template_create(
            principal=SYSTEM,
            merchant_id=merchant_id,
            name="Standard delivery",
            charge_by="piece",
            first_unit=1,
            first_fee=Decimal("8.00"),
            additional_unit=1,
            additional_fee=Decimal("2.00"),
            free_shipping_threshold=Decimal("99.00"),
            is_default=True,
            rules=[
                {
                    "province_codes": ["650000", "540000"],
                    "first_fee": Decimal("20.00"),
                    "additional_fee": Decimal("5.00"),
                }
            ],
        )
        created += 1
    return created
