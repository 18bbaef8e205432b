"""Coupons' commands, split by business concept: templates, claims, codes, checkout (the
pricing step's hold/confirm/release and refunds), expiry."""

from contexts.coupons.services.checkout import (
    CouponOption,
    CouponStep,
    cart_coupon_options,
    coupon_options,
    coupons_confirm,
    coupons_hold,
    coupons_release,
    coupons_return_for_refund,
    templates_covering_sku,
)
from contexts.coupons.services.claims import coupon_claim, coupon_issue, template_claim_check
from contexts.coupons.services.codes import (
    code_batch_create,
    code_batch_generate,
    coupon_redeem,
)
from contexts.coupons.services.expiry import coupons_expire
from contexts.coupons.services.templates import (
    TemplateDraft,
    template_create,
    template_not_found,
    template_update,
)

__all__ = [
    "CouponOption",
    "CouponStep",
    "TemplateDraft",
    "cart_coupon_options",
    "code_batch_create",
    "code_batch_generate",
    "coupon_claim",
    "coupon_issue",
    "coupon_options",
    "coupon_redeem",
    "coupons_confirm",
    "coupons_expire",
    "coupons_hold",
    "coupons_release",
    "coupons_return_for_refund",
    "template_claim_check",
    "template_create",
    "template_not_found",
    "template_update",
    "templates_covering_sku",
]
