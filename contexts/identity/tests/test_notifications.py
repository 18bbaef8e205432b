"""The Django mail adapter of identity's Notifier port."""

from __future__ import annotations

import logging

import pytest
from django.core import mail

from contexts.identity.adapters.mail import DjangoMailNotifier

RESET = {"template": "password_reset_code", "context": {"code": "123456", "ttl_minutes": 15}}


def test_email_is_sent_with_the_code():
    mail.outbox.clear()

    DjangoMailNotifier().notification_send(channel="email", to="someone@example.com", **RESET)

    [message] = mail.outbox
    assert message.to == ["someone@example.com"]
    assert "123456" in message.body
    assert "15 minutes" in message.body


def test_sms_is_logged_without_the_code_outside_debug(caplog, settings):
    settings.DEBUG = False
    mail.outbox.clear()

    with caplog.at_level(logging.INFO, logger="contexts.identity.adapters.mail"):
        DjangoMailNotifier().notification_send(channel="sms", to="13800138000", **RESET)

    [record] = [r for r in caplog.records if r.name == "contexts.identity.adapters.mail"]
    assert record.to == "13800138000"
    assert "123456" not in record.body
    assert mail.outbox == []


@pytest.mark.parametrize(
    "changes", [{"template": "nope"}, {"channel": "pigeon", "template": "password_reset_code"}]
)
def test_unknown_template_or_channel_fails_loudly(changes):
    values = {"channel": "email", "to": "a@example.com", **RESET, **changes}
    with pytest.raises(LookupError):
        DjangoMailNotifier().notification_send(**values)
