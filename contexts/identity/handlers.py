"""Identity's reactions to events.

`notification_send_deliver` is a stand-in: until a notification context exists, identity
delivers its own `notification.send.v1` requests. When that context arrives it subscribes to the
event itself and this subscription (in apps.py) must be removed, or messages go out twice.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail

from contexts.identity.events import NotificationSendRequested

logger = logging.getLogger(__name__)

# template -> (subject, body); bodies are str.format templates over the event's context.
TEMPLATES: dict[str, tuple[str, str]] = {
    "password_reset_code": (
        "Your password reset code",
        "Your password reset code is {code}. It expires in {ttl_minutes} minutes.\n"
        "If you did not ask to reset your password, ignore this message.",
    ),
}


def notification_send_deliver(event: NotificationSendRequested) -> None:
    """Deliver one notification: email through Django's mail backend, SMS to the log.

    Runs at most once per event (the bus's inbox), so a retry never sends a second email.
    An unknown template or channel raises, so the delivery is retried and then dead-lettered
    where staff can see it, instead of being dropped silently.
    """
    if event.template not in TEMPLATES:
        raise LookupError(f"unknown notification template {event.template!r}")
    subject, body_template = TEMPLATES[event.template]
    body = body_template.format(**event.context)
    if event.channel == "email":
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [event.to])
    elif event.channel == "sms":
        # No SMS gateway yet. Outside DEBUG the body (which holds the code) stays out of logs.
        logger.info(
            "sms notification",
            extra={
                "to": event.to,
                "template": event.template,
                "body": body if settings.DEBUG else "<hidden outside DEBUG>",
            },
        )
    else:
        raise LookupError(f"unknown notification channel {event.channel!r}")
