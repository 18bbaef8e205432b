"""Coupons' commands, split by business concept: templates, claims, codes, checkout (the
pricing step's hold/confirm/release and refunds), expiry."""

from contexts.coupons.services.claims import coupon_claim, coupon_issue, template_claim_check
from contexts.coupons.services.templates import (
    TemplateDraft,
    template_create,
    template_not_found,
    template_update,
)

__all__ = [
    "TemplateDraft",
    "coupon_claim",
    "coupon_issue",
    "template_claim_check",
    "template_create",
    "template_not_found",
    "template_update",
]
