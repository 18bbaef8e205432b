"""Notifier over Django's email backend (like identity's): group completed / failed messages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail

# template -> (subject, body); bodies are str.format templates over the context.
TEMPLATES: dict[str, tuple[str, str]] = {
    "group_completed": (
        "Your group buy is complete",
        "Group {group_no} ({activity}) is full: your order {order_no} will be shipped.",
    ),
    "group_failed": (
        "Your group buy did not fill",
        "Group {group_no} ({activity}) did not fill before its deadline. "
        "Order {order_no}: {outcome}.",
    ),
}


class DjangoMailNotifier:
    def notification_send(
        self, *, channel: str, to: str, template: str, context: dict[str, Any]
    ) -> None:
        """Email through Django's mail backend; an unknown template or channel raises
        LookupError."""
        if template not in TEMPLATES:
            raise LookupError(f"unknown notification template {template!r}")
        if channel != "email":
            raise LookupError(f"unknown notification channel {channel!r}")
        subject, body = TEMPLATES[template]
        send_mail(subject, body.format(**context), settings.DEFAULT_FROM_EMAIL, [to])
