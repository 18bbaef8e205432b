"""Project-level commands: demo data (idempotent) and the relay loop."""

from __future__ import annotations

import io
import logging

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from shared.logging import RequestIdFilter
from shared.request_context import reset_request_id, set_request_id


# Transactional: the demo pays through the sandbox and relays the committed events (after-sales'
# order is paid, shipped and received before its requests are made).
@pytest.mark.django_db(transaction=True)
def test_load_demo_data_is_idempotent():
    out = io.StringIO()
    call_command("load_demo_data", "--users", "3", stdout=out)
    call_command("load_demo_data", "--users", "3", stdout=out)
    users = get_user_model().objects
    assert users.filter(is_staff=True, email="admin@example.com").count() == 1
    assert users.filter(email__startswith="buyer").count() == 3
    assert "demo data ready" in out.getvalue()
    from contexts.promotions.models import Activity

    kinds = sorted(Activity.objects.values_list("rule_kind", flat=True))
    assert kinds == ["free_shipping", "gift", "special_price", "spend_off", "spend_percent"]
    from contexts.aftersales.models import AftersalesRequest, Ticket

    # The after-sales queue shows requests in several states, made once.
    assert sorted(AftersalesRequest.objects.values_list("kind", "status")) == [
        ("refund_only", "refunded"),
        ("repair", "rejected"),
        ("return_refund", "approved"),
        ("return_refund", "requested"),
    ]
    assert list(Ticket.objects.values_list("status", "request__status")) == [("open", "requested")]


@pytest.mark.django_db(transaction=True)
def test_relay_events_once_relays_pending_rows(settings):
    from decimal import Decimal

    from django.db import transaction

    from shared.events import publish
    from shared.events.models import OutboxEvent
    from shared.tests.test_events import ParcelWeighed

    settings.EVENTS_RELAY_ON_COMMIT = False
    with transaction.atomic():
        publish(ParcelWeighed(parcel_id=1, weight_kg=Decimal("1")))
    out = io.StringIO()
    call_command("relay_events", "--once", stdout=out)
    assert "relayed 1 event(s)" in out.getvalue()
    assert OutboxEvent.objects.get().status == OutboxEvent.Status.PUBLISHED


def test_log_records_carry_the_request_id():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    token = set_request_id("req-9")
    try:
        RequestIdFilter().filter(record)
    finally:
        reset_request_id(token)
    assert record.request_id == "req-9"
    RequestIdFilter().filter(record)
    assert record.request_id == "-"


@pytest.mark.django_db(transaction=True)
def test_relay_loop_survives_a_failing_pass_and_stops_on_sigterm(monkeypatch):
    import os
    import signal
    import threading

    from shared.events.management.commands import relay_events

    calls = {"n": 0}

    def flaky_pass():
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("database went away")
        if calls["n"] == 3:
            os.kill(os.getpid(), signal.SIGTERM)
        return 0

    monkeypatch.setattr(relay_events, "relay_once", flaky_pass)
    monkeypatch.setattr(relay_events, "ship_once", lambda: 0)  # the Kafka-copy thread idles
    assert threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM)
    try:
        call_command("relay_events", "--interval", "0")
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    assert calls["n"] == 3
