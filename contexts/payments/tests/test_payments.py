"""Paying a trade: the amount comes from the trade, the key makes creation idempotent, only
the owner sees and pays, and the sandbox's signed callback settles the payment."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.payments.models import Payment, SandboxTransaction
from contexts.payments.tests.conftest import client_for, make_user
from contexts.payments.tests.support import counts, error_code, events, pay_request

pytestmark = pytest.mark.django_db

SUCCEEDED = "payments.payment.succeeded.v1"


def test_the_amount_is_the_trades_payable_amount_and_the_client_gets_a_url(
    trades, buyer, buyer_api
):
    trade = trades.add(buyer_id=buyer.pk, amount="59.90")

    response = pay_request(buyer_api, trade.trade_no, amount="0.01")  # unknown field

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    response = pay_request(buyer_api, trade.trade_no)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "59.90"
    assert body["state"] == "pending"
    assert body["client"] == {
        "kind": "url",
        "data": {"url": f"/api/v1/payments/sandbox/{body['payment_no']}/pay", "method": "POST"},
    }
    assert SandboxTransaction.objects.get(number=body["payment_no"]).amount == Decimal("59.90")


def test_the_same_key_replays_and_another_body_with_it_is_a_conflict(trades, buyer, buyer_api):
    trade = trades.add(buyer_id=buyer.pk)
    first = pay_request(buyer_api, trade.trade_no, key="k1")
    again = pay_request(buyer_api, trade.trade_no, key="k1")
    other = pay_request(buyer_api, trade.trade_no, key="k1", channel="app")

    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["payment_no"] == first.json()["payment_no"]
    assert other.status_code == 409
    assert error_code(other) == "idempotency_key_reused"
    assert Payment.objects.count() == 1


def test_the_key_is_required(trades, buyer, buyer_api):
    trade = trades.add(buyer_id=buyer.pk)
    response = buyer_api.post(
        f"/api/v1/trades/{trade.trade_no}/payments",
        {"provider": "sandbox", "channel": "page"},
        format="json",
    )
    assert response.status_code == 400
    assert error_code(response) == "idempotency_key_required"


def test_another_buyers_trade_is_not_found_and_a_paid_trade_not_payable(trades, buyer, buyer_api):
    theirs = trades.add(buyer_id=buyer.pk + 1000)
    paid = trades.add(buyer_id=buyer.pk, status="paid")

    assert error_code(pay_request(buyer_api, theirs.trade_no)) == "not_found"
    assert error_code(pay_request(buyer_api, "T-nope")) == "not_found"
    response = pay_request(buyer_api, paid.trade_no)
    assert response.status_code == 409
    assert error_code(response) == "trade_not_payable"
    assert counts()["payments"] == 0


def test_a_provider_that_is_not_enabled_is_refused(trades, buyer, buyer_api):
    trade = trades.add(buyer_id=buyer.pk)
    response = pay_request(buyer_api, trade.trade_no, provider="alipay")
    assert response.status_code == 400
    assert response.json()["error"]["details"]["fields"]["provider"]


def test_only_the_owner_sees_a_payment(trades, buyer, buyer_api):
    trade = trades.add(buyer_id=buyer.pk)
    payment_no = pay_request(buyer_api, trade.trade_no).json()["payment_no"]

    assert buyer_api.get(f"/api/v1/payments/{payment_no}").status_code == 200
    other = client_for(make_user())
    assert other.get(f"/api/v1/payments/{payment_no}").status_code == 404
    assert other.post(f"/api/v1/payments/sandbox/{payment_no}/pay").status_code == 404


def test_the_sandbox_pay_endpoint_settles_through_the_signed_callback(
    trades, buyer, buyer_api, django_capture_on_commit_callbacks
):
    trade = trades.add(buyer_id=buyer.pk, amount="19.99")
    payment_no = pay_request(buyer_api, trade.trade_no).json()["payment_no"]

    with django_capture_on_commit_callbacks(execute=True):
        response = buyer_api.post(f"/api/v1/payments/sandbox/{payment_no}/pay")

    assert response.status_code == 202
    detail = buyer_api.get(f"/api/v1/payments/{payment_no}").json()
    assert detail["state"] == "succeeded"
    assert detail["client"] is None
    assert events(SUCCEEDED) == [
        {
            "payment_no": payment_no,
            "trade_no": trade.trade_no,
            "buyer_id": buyer.pk,
            "provider": "sandbox",
            "amount": "19.99",
            "kind": "trade",
            "source_ref": trade.trade_no,
        }
    ]
    again = buyer_api.post(f"/api/v1/payments/sandbox/{payment_no}/pay")
    assert again.status_code == 409
    assert error_code(again) == "payment_not_pending"


def test_the_sandbox_pay_endpoint_is_gone_when_the_sandbox_is_disabled(
    trades, buyer, buyer_api, settings
):
    trade = trades.add(buyer_id=buyer.pk)
    payment_no = pay_request(buyer_api, trade.trade_no).json()["payment_no"]
    settings.PAYMENTS_PROVIDERS = ["alipay"]

    response = buyer_api.post(f"/api/v1/payments/sandbox/{payment_no}/pay")

    assert response.status_code == 404
    assert Payment.objects.get().state == "pending"
