"""Coupons: templates, claims atomic against their limits, redeemable codes, and the "coupons"
pricing step (suggest, hold at placement, use on payment, return on cancel or full refund)."""

from django.apps import AppConfig


class CouponsConfig(AppConfig):
    name = "contexts.coupons"
    label = "coupons"
    verbose_name = "Coupons"
    default_auto_field = "django.db.models.BigAutoField"
