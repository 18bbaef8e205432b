"""Helpers of subscription's tests: paying an invoice through payments' real endpoints and
the sandbox's signed callback; signing an agreement the same way."""

from __future__ import annotations

import uuid

from contexts.payments import api as payments_api
from contexts.payments.models import Payment
from shared.events.models import EventDelivery
from shared.events.relay import deliver, relay_once


def relay() -> None:
    """Deliver the outbox to the handlers now (in a test's never-committed transaction the
    after-commit relay and dispatch never run), and check every handler took its event:
    ordering's, for one, ignores payments of kind subscription instead of failing on them."""
    for _ in range(5):
        relay_once()
        pending = list(
            EventDelivery.objects.filter(status=EventDelivery.Status.PENDING).values_list(
                "pk", flat=True
            )
        )
        if not pending:
            break
        for delivery_id in pending:
            deliver(delivery_id)
    failed = EventDelivery.objects.exclude(status=EventDelivery.Status.DONE)
    assert list(failed.values_list("handler", "last_error")) == []


def open_invoice_payment(client, invoice_no: str) -> dict:
    """The buyer opens the invoice's payment page: a pending payment of kind subscription at
    the sandbox (its body: payment_no, and the pay page in client.data.url)."""
    response = client.post(
        f"/api/v1/payables/subscription/{invoice_no}/payments",
        {"provider": "sandbox", "channel": "page"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
    )
    assert response.status_code == 201, response.json()
    return response.json()


def pay_invoice(client, invoice_no: str, capture) -> str:
    """Pay the invoice as its buyer: a payment of kind subscription at the sandbox, then the
    sandbox's pay page, whose signed callback settles it. Answers the payment number."""
    payment = open_invoice_payment(client, invoice_no)
    with capture(execute=True):
        assert client.post(payment["client"]["data"]["url"]).status_code == 202
    relay()
    assert Payment.objects.get(payment_no=payment["payment_no"]).state == "succeeded"
    return payment["payment_no"]


def sign_agreement(client, agreement: payments_api.AgreementInfo, capture) -> None:
    with capture(execute=True):
        response = client.post(agreement.sign_url)
    assert response.status_code == 202, response.json()
    relay()
