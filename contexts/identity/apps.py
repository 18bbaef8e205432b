"""Identity: accounts, credentials, sessions (JWT), profiles and addresses."""

from django.apps import AppConfig
from django.db import transaction


def _forget_user_state(sender, instance, **kwargs) -> None:
    # Stateless authentication (shared.rest.authentication) caches whether an account is
    # active; any write to the row (admin, services, deletion) drops that answer once it commits.
    from shared.auth import forget_user_state

    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "is_active" not in update_fields:
        return  # a sign-in's last_login, a profile edit: the account's state did not change
    user_id = instance.pk
    transaction.on_commit(lambda: forget_user_state(user_id))


class IdentityConfig(AppConfig):
    name = "contexts.identity"
    label = "identity"
    verbose_name = "Identity"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from contexts.identity.models import User

        post_save.connect(_forget_user_state, sender=User, dispatch_uid="identity.user_state")
        post_delete.connect(_forget_user_state, sender=User, dispatch_uid="identity.user_state_d")
