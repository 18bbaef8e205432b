from django.apps import AppConfig


class PricingStepAppConfig(AppConfig):
    name = "tests.pricing_step_app"
    label = "pricing_step_app"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from contexts.ordering import api as ordering_api
        from tests.pricing_step_app.steps import REBATE_STEP, RebateStep

        # Only ordering's public api: exactly what a real context does from its ready().
        ordering_api.register_pricing_step(REBATE_STEP, RebateStep(), before="points")
