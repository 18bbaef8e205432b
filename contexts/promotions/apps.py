"""Promotions: time-boxed marketing activities of the platform and of shops (spend-X-save-Y,
percent off, special prices, buy-N-get-M, gifts, free shipping) applied by the "promotions"
pricing step to the cart, the checkout preview and placement alike."""

from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "contexts.promotions"
    label = "promotions"
    verbose_name = "Promotions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from contexts.ordering import api as ordering_api
        from contexts.promotions.api import PromotionsStep

        ordering_api.replace_pricing_step("promotions", PromotionsStep())
