"""Notifier over Django's email backend; SMS (no gateway yet) goes to the log."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import send_mail

logger = logging.getLogger(__name__)

# template -> (subject, body); bodies are str.format templates over the context.
TEMPLATES: dict[str, tuple[str, str]] = {
    "password_reset_code": (
        "Your password reset code",
        "Your password reset code is {code}. It expires in {ttl_minutes} minutes.\n"
        "If you did not ask to reset your password, ignore this message.",
    ),
}


class DjangoMailNotifier:
    def notification_send(
        self, *, channel: str, to: str, template: str, context: dict[str, Any]
    ) -> None:
        """Email through Django's mail backend; SMS to the log, its body (the code) shown only
        in DEBUG. An unknown template or channel raises LookupError."""
        if template not in TEMPLATES:
            raise LookupError(f"unknown notification template {template!r}")
        subject, body_template = TEMPLATES[template]
        body = body_template.format(**context)
        if channel == "email":
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
        elif channel == "sms":
            logger.info(
                "sms notification",
                extra={
                    "to": to,
                    "template": template,
                    "body": body if settings.DEBUG else "<hidden outside DEBUG>",
                },
            )
        else:
            raise LookupError(f"unknown notification channel {channel!r}")
