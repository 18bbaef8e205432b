"""Identity: accounts, credentials, sessions (JWT), profiles and addresses."""

from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "contexts.identity"
    label = "identity"
    verbose_name = "Identity"

    def ready(self) -> None:
        from contexts.identity import handlers
        from contexts.identity.events import NotificationSendRequested
        from shared.events import subscribe

        # Temporary: the notification context will own this event (see handlers.py).
        subscribe(NotificationSendRequested, handlers.notification_send_deliver)
