"""The Django mail adapter of group buy's Notifier port."""

from __future__ import annotations

import pytest
from django.core import mail

from contexts.groupbuy.adapters.mail import DjangoMailNotifier

CONTEXT = {"group_no": "G1", "activity": "Tea for two", "order_no": "O1", "outcome": "refunded"}


def test_a_failed_group_is_emailed_with_its_outcome(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    DjangoMailNotifier().notification_send(
        channel="email", to="buyer@example.com", template="group_failed", context=CONTEXT
    )
    (message,) = mail.outbox
    assert message.to == ["buyer@example.com"]
    assert "G1" in message.body and "refunded" in message.body


@pytest.mark.parametrize(("channel", "template"), [("sms", "group_failed"), ("email", "nope")])
def test_unknown_channels_and_templates_are_refused(settings, channel, template):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with pytest.raises(LookupError):
        DjangoMailNotifier().notification_send(
            channel=channel, to="buyer@example.com", template=template, context=CONTEXT
        )
    assert mail.outbox == []
