"""Callbacks: the sandbox signs exactly as a provider would; anything that does not verify or
does not match our payment is refused and logged (without body or key) and never marks it
paid; the same callback delivered 5 times, in sequence or at once, acts once."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from rest_framework.test import APIClient

from contexts.payments.adapters.sandbox import sign_fields
from contexts.payments.models import NotificationReceipt, Payment, SandboxTransaction
from contexts.payments.tests.conftest import client_for, make_user
from contexts.payments.tests.support import events, notify, pay_request, sandbox
from shared.testing import run_concurrently

SUCCEEDED = "payments.payment.succeeded.v1"
HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def pending(trades, buyer, buyer_api) -> Payment:
    trade = trades.add(buyer_id=buyer.pk, amount="88.80")
    payment_no = pay_request(buyer_api, trade.trade_no).json()["payment_no"]
    return Payment.objects.get(payment_no=payment_no)


def paid_fields(payment_no: str, **changes) -> dict[str, str]:
    """The sandbox's book says paid; the fields its callback carries (with `changes`)."""
    row = SandboxTransaction.objects.get(number=payment_no)
    fields = sandbox().payment_fields(row, status="TRADE_SUCCESS")
    fields.update(changes)
    return fields


def signed(fields: dict[str, str]) -> bytes:
    return sandbox().signed_callback(fields)[1]


def assert_refused(response, payment_no: str) -> None:
    assert response.status_code == 200
    assert response.content == b"fail"
    assert Payment.objects.get(payment_no=payment_no).state == "pending"
    assert events(SUCCEEDED) == []


def assert_logged_without_secrets(caplog, check: str, body: bytes) -> None:
    refusals = [r for r in caplog.records if r.getMessage() == "payment callback refused"]
    assert [r.check for r in refusals] == [check]
    sign = dict(parse_qsl(body.decode()))["sign"]
    for record in caplog.records:
        text = str(record.__dict__)
        assert sign not in text and "TRADE_SUCCESS" not in text


@pytest.mark.django_db
def test_a_signed_callback_marks_the_payment_succeeded_once(pending):
    body = signed(paid_fields(pending.payment_no))

    response = notify(APIClient(), body, HEADERS)

    assert (response.status_code, response.content) == (200, b"success")
    payment = Payment.objects.get(pk=pending.pk)
    assert payment.state == "succeeded"
    assert payment.paid_amount == payment.amount
    assert payment.provider_ref.startswith("SBX")
    assert len(events(SUCCEEDED)) == 1
    # A redelivery of the very same callback: ok, and nothing happens again.
    assert notify(APIClient(), body, HEADERS).content == b"success"
    assert len(events(SUCCEEDED)) == 1
    assert NotificationReceipt.objects.count() == 1


@pytest.mark.django_db
def test_a_tampered_body_is_refused(pending, caplog):
    body = signed(paid_fields(pending.payment_no))
    tampered = body.replace(b"total_amount=88.80", b"total_amount=0.01")
    assert tampered != body

    with caplog.at_level(logging.INFO):
        response = notify(APIClient(), tampered, HEADERS)

    assert_refused(response, pending.payment_no)
    assert_logged_without_secrets(caplog, "signature does not verify", body)


@pytest.mark.django_db
def test_a_callback_signed_with_another_key_is_refused(pending, caplog):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body = sign_fields(paid_fields(pending.payment_no), other_key)

    with caplog.at_level(logging.INFO):
        response = notify(APIClient(), body, HEADERS)

    assert_refused(response, pending.payment_no)
    assert_logged_without_secrets(caplog, "signature does not verify", body)


@pytest.mark.django_db
def test_a_signed_callback_with_another_amount_is_refused(pending, caplog):
    body = signed(paid_fields(pending.payment_no, total_amount="88.79"))

    with caplog.at_level(logging.INFO):
        response = notify(APIClient(), body, HEADERS)

    assert_refused(response, pending.payment_no)
    assert_logged_without_secrets(caplog, "amount_mismatch", body)


@pytest.mark.django_db
def test_a_signed_callback_for_an_unknown_payment_or_another_app_is_refused(pending, caplog):
    unknown = signed(paid_fields(pending.payment_no, out_trade_no="P-unknown"))
    other_app = signed(paid_fields(pending.payment_no, app_id="someone-else"))

    with caplog.at_level(logging.INFO):
        first = notify(APIClient(), unknown, HEADERS)
    assert_refused(first, pending.payment_no)
    assert_logged_without_secrets(caplog, "unknown_payment", unknown)
    caplog.clear()
    with caplog.at_level(logging.INFO):
        second = notify(APIClient(), other_app, HEADERS)
    assert_refused(second, pending.payment_no)
    assert_logged_without_secrets(caplog, "app_id is not ours", other_app)


@pytest.mark.django_db
def test_a_replayed_nonce_with_another_body_is_refused(pending, trades, buyer, buyer_api, caplog):
    first = paid_fields(pending.payment_no)
    assert notify(APIClient(), signed(first), HEADERS).content == b"success"
    # The same notify_id, validly signed, now claiming another pending payment is paid.
    trade = trades.add(buyer_id=buyer.pk, amount="88.80")
    other_no = pay_request(buyer_api, trade.trade_no).json()["payment_no"]
    replay = signed({**paid_fields(other_no), "notify_id": first["notify_id"]})

    with caplog.at_level(logging.INFO):
        response = notify(APIClient(), replay, HEADERS)

    assert response.content == b"fail"
    assert Payment.objects.get(payment_no=other_no).state == "pending"
    assert len(events(SUCCEEDED)) == 1
    assert_logged_without_secrets(caplog, "nonce_replayed", replay)


@pytest.mark.django_db
def test_garbage_and_unknown_providers(pending):
    client = APIClient()
    assert notify(client, b"").content == b"fail"
    assert notify(client, b"\xff\xfe").content == b"fail"
    assert notify(client, urlencode({"a": "b"}).encode()).content == b"fail"
    response = notify(client, b"x=1", provider="paypal")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Payment.objects.get(pk=pending.pk).state == "pending"


@pytest.mark.django_db
def test_the_same_callback_five_times_in_sequence_acts_once(pending):
    body = signed(paid_fields(pending.payment_no))

    answers = [notify(APIClient(), body, HEADERS).content for _ in range(5)]

    assert answers == [b"success"] * 5
    assert Payment.objects.get(pk=pending.pk).state == "succeeded"
    assert len(events(SUCCEEDED)) == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_the_same_callback_five_times_at_once_acts_once(trades, settings):
    settings.EVENTS_RELAY_ON_COMMIT = False
    buyer = make_user()
    trade = trades.add(buyer_id=buyer.pk, amount="88.80")
    payment_no = pay_request(client_for(buyer), trade.trade_no).json()["payment_no"]
    body = signed(paid_fields(payment_no))

    answers = run_concurrently(5, lambda n: notify(APIClient(), body, HEADERS))

    assert [a.content for a in answers] == [b"success"] * 5, answers
    assert Payment.objects.get(payment_no=payment_no).state == "succeeded"
    assert len(events(SUCCEEDED)) == 1
    assert NotificationReceipt.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_sandbox_pays_through_our_callback_endpoint_over_http(
    trades, settings, live_server, caplog
):
    """With PAYMENTS_NOTIFY_BASE_URL set (a demo server behind any BASE_URL) the sandbox's signed
    callback travels over HTTP to the callback endpoint, as a real provider's would."""
    settings.PAYMENTS_NOTIFY_BASE_URL = live_server.url
    settings.EVENTS_RELAY_ON_COMMIT = False
    buyer = make_user()
    trade = trades.add(buyer_id=buyer.pk, amount="88.80")
    api = client_for(buyer)
    payment_no = pay_request(api, trade.trade_no).json()["payment_no"]

    with caplog.at_level(logging.INFO, logger="contexts.payments.services.sandbox"):
        answer = api.post(f"/api/v1/payments/sandbox/{payment_no}/pay", {}, format="json")

    assert answer.status_code == 202, answer.content
    delivered = [r for r in caplog.records if r.getMessage() == "sandbox callback delivered"]
    assert [r.status for r in delivered] == [200]
    assert Payment.objects.get(payment_no=payment_no).state == "succeeded"
    assert NotificationReceipt.objects.count() == 1
    assert len(events(SUCCEEDED)) == 1


@pytest.mark.django_db(transaction=True)
def test_a_sandbox_callback_that_cannot_be_delivered_leaves_the_payment_pending(
    trades, settings, caplog
):
    settings.PAYMENTS_NOTIFY_BASE_URL = "http://127.0.0.1:9"  # nothing listens: refused at once
    buyer = make_user()
    trade = trades.add(buyer_id=buyer.pk, amount="88.80")
    api = client_for(buyer)
    payment_no = pay_request(api, trade.trade_no).json()["payment_no"]

    answer = api.post(f"/api/v1/payments/sandbox/{payment_no}/pay", {}, format="json")

    assert answer.status_code == 202
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        "sandbox callback not delivered"
    ]
    # Still pending: reconciliation settles it from the sandbox's book later.
    assert Payment.objects.get(payment_no=payment_no).state == "pending"
    assert events(SUCCEEDED) == []
