"""Logistics' PUBLIC facade (freight part): what checkout calls to price shipping."""

from __future__ import annotations

from collections.abc import Sequence

from contexts.logistics import domain, selectors
from contexts.logistics.data import FreightItem, FreightQuote
from shared.money import ZERO

__all__ = ["FreightItem", "FreightQuote", "quote_freight"]


def quote_freight(
    *, merchant_id: int, province_code: str, items: Sequence[FreightItem]
) -> FreightQuote:
    """Freight for one merchant group using the merchant's default template. A merchant
    without a default template does not deliver (deliverable=False, reason "no_template"):
    checkout refuses the group rather than ship it free.

    The group is one shipment: pieces and weights (weight_grams x quantity) add up, and the
    free-shipping threshold is compared with the sum of the items' amounts (at or above it:
    free). A province the template does not deliver to gives deliverable=False."""
    template = selectors.default_freight_template(merchant_id=merchant_id)
    charge = domain.freight_charge(
        selectors.freight_plan(template) if template is not None else None,
        province_code=province_code,
        quantity=sum(item.quantity for item in items),
        weight_grams=sum(item.weight_grams * item.quantity for item in items),
        amount=sum((item.amount for item in items), ZERO),
    )
    return FreightQuote(
        merchant_id=merchant_id,
        amount=charge.amount,
        deliverable=charge.deliverable,
        template_id=template.pk if template is not None else None,
        reason=charge.reason,
    )
