"""identity's stand-in delivery of notification.send.v1 requests."""

from __future__ import annotations

import logging

import pytest
from django.core import mail

from contexts.identity.events import NotificationSendRequested
from contexts.identity.handlers import notification_send_deliver
from shared.events.bus import subscriptions_for


def request(**changes) -> NotificationSendRequested:
    values = {
        "recipient_user_id": 7,
        "channel": "email",
        "to": "someone@example.com",
        "template": "password_reset_code",
        "context": {"code": "123456", "ttl_minutes": 15},
    }
    return NotificationSendRequested(**{**values, **changes})


def test_the_handler_is_subscribed():
    names = [s.name for s in subscriptions_for("notification.send.v1")]

    assert "contexts.identity.handlers.notification_send_deliver" in names


def test_email_is_sent_with_the_code():
    mail.outbox.clear()

    notification_send_deliver(request())

    [message] = mail.outbox
    assert message.to == ["someone@example.com"]
    assert "123456" in message.body
    assert "15 minutes" in message.body


def test_sms_is_logged_without_the_code_outside_debug(caplog, settings):
    settings.DEBUG = False
    mail.outbox.clear()

    with caplog.at_level(logging.INFO, logger="contexts.identity.handlers"):
        notification_send_deliver(request(channel="sms", to="13800138000"))

    [record] = [r for r in caplog.records if r.name == "contexts.identity.handlers"]
    assert record.to == "13800138000"
    assert "123456" not in record.body
    assert mail.outbox == []


@pytest.mark.parametrize("changes", [{"template": "nope"}, {"channel": "pigeon"}])
def test_unknown_template_or_channel_fails_loudly(changes):
    with pytest.raises(LookupError):
        notification_send_deliver(request(**changes))


def test_the_event_survives_the_outbox_round_trip():
    event = request()

    restored = NotificationSendRequested.from_payload(
        event_id=event.event_id, occurred_at=event.occurred_at, payload=event.payload()
    )

    assert restored == event
    assert event.aggregate_id == "7"
