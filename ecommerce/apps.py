from django.apps import AppConfig


class EcommerceConfig(AppConfig):
    """The composition root: project-wide commands (demo data) that span contexts."""

    name = "ecommerce"
    verbose_name = "E-commerce platform"
