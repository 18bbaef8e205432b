"""Refunds: partial refunds up to what was paid, idempotent by key, never more than paid under
concurrency (the payment row is locked), results by answer, callback or query, retries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from contexts.payments import services
from contexts.payments.models import Refund, SandboxTransaction
from contexts.payments.ports import ProviderError
from contexts.payments.tests.conftest import client_for, make_user
from contexts.payments.tests.support import (
    error_code,
    events,
    notify,
    paid_payment,
    refund_request,
    sandbox,
)
from shared.testing import run_concurrently

REFUNDED = "payments.refund.succeeded.v1"
FAILED = "payments.refund.failed.v1"


@pytest.fixture
def paid(trades, buyer, buyer_api) -> str:
    trade = trades.add(buyer_id=buyer.pk, amount="100.00")
    return paid_payment(buyer_api, trade.trade_no)


@pytest.mark.django_db
def test_partial_refunds_up_to_what_was_paid(paid, staff_api, buyer_api):
    first = refund_request(staff_api, paid, "30.00", reason="one cup broken")
    second = refund_request(staff_api, paid, "70.00")
    third = refund_request(staff_api, paid, "0.01")

    assert first.status_code == 201, first.json()
    assert first.json()["state"] == "succeeded"  # the sandbox refunds at once
    assert second.json()["state"] == "succeeded"
    assert third.status_code == 422
    assert error_code(third) == "refund_exceeds_paid"
    assert third.json()["error"]["details"]["refundable"] == "0.00"
    assert [e["amount"] for e in events(REFUNDED)] == ["30.00", "70.00"]
    refunds = buyer_api.get(f"/api/v1/payments/{paid}").json()["refunds"]
    assert [(r["amount"], r["reason"]) for r in refunds] == [
        ("30.00", "one cup broken"),
        ("70.00", "ok"),
    ]


@pytest.mark.django_db
def test_refunds_need_the_permission_a_key_and_a_succeeded_payment(
    paid, staff_api, buyer_api, trades, buyer
):
    assert refund_request(buyer_api, paid, "1.00").status_code == 403
    assert refund_request(APIClient(), paid, "1.00").status_code == 401
    no_key = staff_api.post(
        f"/api/v1/admin/payments/{paid}/refunds", {"amount": "1.00", "reason": "x"}, format="json"
    )
    assert error_code(no_key) == "idempotency_key_required"
    assert error_code(refund_request(staff_api, paid, "0.00")) == "validation_error"
    assert error_code(refund_request(staff_api, "P-nope", "1.00")) == "not_found"
    trade = trades.add(buyer_id=buyer.pk)
    from contexts.payments.tests.support import pay_request

    pending = pay_request(buyer_api, trade.trade_no).json()["payment_no"]
    assert error_code(refund_request(staff_api, pending, "1.00")) == "payment_not_refundable"
    assert Refund.objects.count() == 0


@pytest.mark.django_db
def test_the_same_key_refunds_once(paid, staff_api):
    first = refund_request(staff_api, paid, "10.00", key="r1")
    again = refund_request(staff_api, paid, "10.00", key="r1")
    other = refund_request(staff_api, paid, "20.00", key="r1")

    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["refund_no"] == first.json()["refund_no"]
    assert error_code(other) == "idempotency_key_reused"
    assert Refund.objects.count() == 1
    assert SandboxTransaction.objects.filter(kind="refund").count() == 1


def _paid_100_and_staff(trades) -> tuple[str, object]:
    """A payment of 100.00 by a new buyer, and a staff account to refund it."""
    buyer = make_user()
    paid = paid_payment(client_for(buyer), trades.add(buyer_id=buyer.pk, amount="100.00").trade_no)
    return paid, make_user(is_staff=True)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_requests_refund_once(trades, settings):
    settings.EVENTS_RELAY_ON_COMMIT = False
    paid, staff = _paid_100_and_staff(trades)

    answers = run_concurrently(
        6, lambda n: refund_request(client_for(staff), paid, "40.00", key="same")
    )

    assert all(a.status_code == 201 for a in answers), [a.json() for a in answers]
    assert len({a.json()["refund_no"] for a in answers}) == 1
    assert Refund.objects.count() == 1
    assert SandboxTransaction.objects.filter(kind="refund").count() == 1
    assert len(events(REFUNDED)) == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_different_requests_never_exceed_what_was_paid(trades, settings):
    settings.EVENTS_RELAY_ON_COMMIT = False
    paid, staff = _paid_100_and_staff(trades)

    answers = run_concurrently(8, lambda n: refund_request(client_for(staff), paid, "30.00"))

    codes = sorted(a.status_code for a in answers)
    assert codes == [201] * 3 + [422] * 5, [a.json() for a in answers]
    total = sum(Refund.objects.exclude(state="failed").values_list("amount", flat=True))
    assert total == Decimal("90.00")


@pytest.mark.django_db
def test_a_processing_refund_is_settled_by_its_callback(paid, staff_api):
    sandbox().refund_outcome = "processing"
    try:
        refund_no = refund_request(staff_api, paid, "25.00").json()["refund_no"]
    finally:
        sandbox().refund_outcome = "succeeded"
    assert Refund.objects.get(refund_no=refund_no).state == "processing"
    sandbox().settle_refund(refund_no=refund_no, state="succeeded")
    headers, body = sandbox().refund_callback(refund_no=refund_no)

    assert notify(APIClient(), body, headers).content == b"success"
    assert notify(APIClient(), body, headers).content == b"success"  # redelivered

    assert Refund.objects.get(refund_no=refund_no).state == "succeeded"
    assert len(events(REFUNDED)) == 1


@pytest.mark.django_db
def test_a_failed_refund_can_be_retried(paid, staff_api, monkeypatch):
    def refuse(**kwargs):
        raise ProviderError("refund: account frozen", code="ACCOUNT_FROZEN", permanent=True)

    monkeypatch.setattr(sandbox(), "refund_start", refuse)
    failed = refund_request(staff_api, paid, "50.00").json()
    assert (failed["state"], failed["failure_code"]) == ("failed", "ACCOUNT_FROZEN")
    assert [e["failure_reason"] for e in events(FAILED)] == ["ACCOUNT_FROZEN"]
    # A failed refund does not count: the whole payment can still be refunded meanwhile ...
    monkeypatch.undo()
    retried = staff_api.post(f"/api/v1/admin/refunds/{failed['refund_no']}/retry")

    assert retried.status_code == 200, retried.json()
    assert retried.json()["state"] == "succeeded"
    assert retried.json()["attempts"] == 2
    again = staff_api.post(f"/api/v1/admin/refunds/{failed['refund_no']}/retry")
    assert error_code(again) == "refund_not_retryable"


@pytest.mark.django_db
def test_a_retry_may_not_exceed_what_is_left(paid, staff_api, monkeypatch):
    def refuse(**kwargs):
        raise ProviderError("refund refused", code="X", permanent=True)

    monkeypatch.setattr(sandbox(), "refund_start", refuse)
    failed = refund_request(staff_api, paid, "60.00").json()
    monkeypatch.undo()
    assert refund_request(staff_api, paid, "60.00").json()["state"] == "succeeded"

    retried = staff_api.post(f"/api/v1/admin/refunds/{failed['refund_no']}/retry")

    assert error_code(retried) == "refund_exceeds_paid"
    assert Refund.objects.get(refund_no=failed["refund_no"]).state == "failed"


@pytest.mark.django_db
def test_a_refund_the_provider_cannot_take_now_stays_requested_for_reconciliation(
    paid, staff_api, monkeypatch, settings
):
    def down(**kwargs):
        raise ProviderError("refund: timeout", code="timeout")

    monkeypatch.setattr(sandbox(), "refund_start", down)
    refund_no = refund_request(staff_api, paid, "10.00").json()["refund_no"]
    assert Refund.objects.get(refund_no=refund_no).state == "requested"
    monkeypatch.undo()
    settings.PAYMENTS_RECONCILE_AFTER_MINUTES = 0

    counts = services.payments_reconcile()

    assert counts["refunds_settled"] == 1
    assert Refund.objects.get(refund_no=refund_no).state == "succeeded"


@pytest.mark.django_db
def test_staff_search_payments_and_refunds(paid, staff_api, buyer_api):
    refund_no = refund_request(staff_api, paid, "5.00").json()["refund_no"]

    by_refund = staff_api.get("/api/v1/admin/payments", {"q": refund_no}).json()
    assert [p["payment_no"] for p in by_refund["results"]] == [paid]
    assert staff_api.get("/api/v1/admin/payments", {"state": "pending"}).json()["count"] == 0
    refunds = staff_api.get("/api/v1/admin/refunds", {"q": paid}).json()["results"]
    assert [(r["refund_no"], r["payment_no"]) for r in refunds] == [(refund_no, paid)]
    assert staff_api.get(f"/api/v1/admin/payments/{paid}").json()["provider_ref"]
    assert buyer_api.get("/api/v1/admin/payments").status_code == 403
    assert buyer_api.get("/api/v1/admin/refunds").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_another_context_refunds_a_trade_once_per_key_and_never_past_what_was_paid(
    trades, settings
):
    from contexts.payments import api as payments_api
    from shared.errors import BusinessRuleViolation, Conflict, NotFound

    settings.EVENTS_RELAY_ON_COMMIT = False
    buyer = make_user()
    trade = trades.add(buyer_id=buyer.pk, amount="100.00")
    paid_payment(client_for(buyer), trade.trade_no)

    part = payments_api.refund_trade(
        trade_no=trade.trade_no, amount=Decimal("30.00"), reason="return", idempotency_key="as:1"
    )
    again = payments_api.refund_trade(
        trade_no=trade.trade_no, amount=Decimal("30.00"), reason="return", idempotency_key="as:1"
    )
    with pytest.raises(Conflict):
        payments_api.refund_trade(
            trade_no=trade.trade_no,
            amount=Decimal("31.00"),
            reason="return",
            idempotency_key="as:1",
        )
    with pytest.raises(BusinessRuleViolation):
        payments_api.refund_trade(
            trade_no=trade.trade_no, amount=Decimal("70.01"), reason="x", idempotency_key="as:2"
        )
    rest = payments_api.refund_trade(
        trade_no=trade.trade_no, amount=None, reason="group failed", idempotency_key="gb:1"
    )
    nothing_left = payments_api.refund_trade(
        trade_no=trade.trade_no, amount=None, reason="group failed", idempotency_key="gb:2"
    )
    with pytest.raises(NotFound):
        payments_api.refund_trade(
            trade_no="T-unknown", amount=None, reason="x", idempotency_key="gb:3"
        )

    assert part.refund_no == again.refund_no
    assert part.state == "requested"  # sent to the provider once the caller commits
    assert rest.amount == Decimal("70.00")
    assert nothing_left is None
    assert [r.state for r in Refund.objects.order_by("pk")] == ["succeeded", "succeeded"]
    assert SandboxTransaction.objects.filter(kind="refund").count() == 2
    assert [e["amount"] for e in events(REFUNDED)] == ["30.00", "70.00"]
