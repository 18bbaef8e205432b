"""Identity: accounts, credentials, sessions (JWT), profiles and addresses."""

from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "contexts.identity"
    label = "identity"
    verbose_name = "Identity"
