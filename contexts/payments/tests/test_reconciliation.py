"""The circuit breaker on payment creation, reconciliation of pending payments, the daily bill
check, and the admin pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.payments import services
from contexts.payments.adapters.memory import InMemoryProvider
from contexts.payments.models import BillMismatch, Payment, SandboxTransaction
from contexts.payments.ports import BillTotals, ProviderError
from contexts.payments.tests.support import counts, error_code, events, pay_request, sandbox
from shared.ports import use_adapter

pytestmark = pytest.mark.django_db


@pytest.fixture
def memory(settings):
    settings.PAYMENTS_PROVIDERS = ["sandbox", "memory"]
    with use_adapter("PAYMENTS_PROVIDER_MEMORY", InMemoryProvider()) as provider:
        yield provider


def test_a_provider_that_times_out_is_a_503_and_nothing_is_written(
    memory, trades, buyer, buyer_api
):
    trade = trades.add(buyer_id=buyer.pk)
    memory.failure = ProviderError("payment_start: timed out", code="timeout")

    response = pay_request(buyer_api, trade.trade_no, provider="memory", channel="native")

    assert response.status_code == 503
    assert error_code(response) == "payment_provider_unavailable"
    assert counts() == {"payments": 0, "refunds": 0, "events": 0}


def test_an_open_breaker_fails_fast_with_503_and_closes_after_its_timeout(
    memory, trades, buyer, buyer_api, settings
):
    settings.PAYMENTS_BREAKER_FAIL_MAX = 3
    settings.PAYMENTS_BREAKER_RESET_SECONDS = 60
    trade = trades.add(buyer_id=buyer.pk)
    memory.failure = ProviderError("payment_start: 502", code="bad_gateway")
    for _ in range(3):
        pay_request(buyer_api, trade.trade_no, provider="memory", channel="native")
    calls = len(memory.calls)
    memory.failure = None  # the provider is back, but the breaker is open

    response = pay_request(buyer_api, trade.trade_no, provider="memory", channel="native")

    assert error_code(response) == "payment_provider_unavailable"
    assert len(memory.calls) == calls  # not even tried
    assert Payment.objects.count() == 0
    # The sandbox has its own breaker.
    assert pay_request(buyer_api, trade.trade_no).status_code == 201
    breaker = services.providers.breaker_for("memory")
    breaker._state_storage.opened_at = timezone.now() - timedelta(seconds=61)  # time passes
    ok = pay_request(buyer_api, trade.trade_no, provider="memory", channel="native")
    assert ok.status_code == 201, ok.json()
    assert ok.json()["client"]["kind"] == "code_url"


def test_a_permanent_refusal_is_a_422_and_does_not_open_the_breaker(
    memory, trades, buyer, buyer_api, settings
):
    settings.PAYMENTS_BREAKER_FAIL_MAX = 2
    trade = trades.add(buyer_id=buyer.pk)
    memory.failure = ProviderError("payment_start: INVALID_PARAM", code="INVALID", permanent=True)
    for _ in range(3):
        response = pay_request(buyer_api, trade.trade_no, provider="memory", channel="native")
        assert error_code(response) == "payment_provider_refused"
    assert len(memory.calls) == 3


def test_reconciliation_settles_an_overdue_pending_payment_through_the_callback_path(
    memory, trades, buyer, buyer_api, settings
):
    settings.PAYMENTS_RECONCILE_AFTER_MINUTES = 10
    trade = trades.add(buyer_id=buyer.pk, amount="12.30")
    payment_no = pay_request(buyer_api, trade.trade_no, provider="memory", channel="native").json()[
        "payment_no"
    ]
    memory.payments[payment_no] = memory.payments[payment_no].__class__(
        payment_no=payment_no, state="succeeded", amount=Decimal("12.30"), provider_ref="M1"
    )
    assert services.payments_reconcile()["payments"] == 0  # not overdue yet
    Payment.objects.filter(payment_no=payment_no).update(
        created_at=timezone.now() - timedelta(minutes=11)
    )

    result = services.payments_reconcile()
    again = services.payments_reconcile()

    assert result["payments_settled"] == 1
    assert again["payments"] == 0
    payment = Payment.objects.get(payment_no=payment_no)
    assert (payment.state, payment.provider_ref) == ("succeeded", "M1")
    assert len(events("payments.payment.succeeded.v1")) == 1


def test_reconciliation_never_pays_another_amount(memory, trades, buyer, buyer_api, settings):
    settings.PAYMENTS_RECONCILE_AFTER_MINUTES = 0
    trade = trades.add(buyer_id=buyer.pk, amount="12.30")
    payment_no = pay_request(buyer_api, trade.trade_no, provider="memory", channel="native").json()[
        "payment_no"
    ]
    memory.payments[payment_no] = memory.payments[payment_no].__class__(
        payment_no=payment_no, state="succeeded", amount=Decimal("12.29")
    )

    services.payments_reconcile()

    assert Payment.objects.get(payment_no=payment_no).state == "pending"


def test_the_sandbox_book_answers_queries(trades, buyer, buyer_api, settings):
    settings.PAYMENTS_RECONCILE_AFTER_MINUTES = 0
    trade = trades.add(buyer_id=buyer.pk)
    payment_no = pay_request(buyer_api, trade.trade_no).json()["payment_no"]
    sandbox().simulate_payment(payment_no=payment_no)  # the callback got lost

    services.payments_reconcile()

    assert Payment.objects.get(payment_no=payment_no).state == "succeeded"


def test_the_bill_check_records_a_mismatch_and_resolves_it(trades, buyer, buyer_api, staff_api):
    from contexts.payments.tests.support import paid_payment

    payment_no = paid_payment(buyer_api, trades.add(buyer_id=buyer.pk, amount="9.90").trade_no)
    today = timezone.localdate()
    assert services.bill_check(day=today) == 0
    assert BillMismatch.objects.count() == 0
    # The provider's book says another amount was paid.
    SandboxTransaction.objects.filter(number=payment_no).update(amount=Decimal("9.00"))

    assert services.bill_check(day=today) == 1

    mismatch = BillMismatch.objects.get()
    assert (mismatch.provider, mismatch.kind, mismatch.resolved) == ("sandbox", "payments", False)
    assert (mismatch.our_amount, mismatch.their_amount) == (Decimal("9.90"), Decimal("9.00"))
    listed = staff_api.get("/api/v1/admin/payment-bill-mismatches", {"resolved": "false"}).json()
    assert [(m["kind"], m["our_amount"], m["their_amount"]) for m in listed["results"]] == [
        ("payments", "9.90", "9.00")
    ]
    SandboxTransaction.objects.filter(number=payment_no).update(amount=Decimal("9.90"))
    assert services.bill_check(day=today) == 0
    assert BillMismatch.objects.get().resolved is True


def test_a_bill_from_another_provider_can_disagree_on_refunds(memory):
    day = timezone.localdate()
    memory.bill = BillTotals(
        day=day,
        payment_count=0,
        payment_amount=Decimal("0.00"),
        refund_count=1,
        refund_amount=Decimal("5.00"),
    )

    assert services.bill_check(day=day) == 1
    assert BillMismatch.objects.get().kind == "refunds"


def test_the_admin_pages_and_actions(trades, buyer, buyer_api, admin_client):
    from contexts.payments.tests.support import paid_payment

    payment_no = paid_payment(buyer_api, trades.add(buyer_id=buyer.pk).trade_no)
    payment = Payment.objects.get(payment_no=payment_no)
    for url in (
        "/admin/payments/payment/",
        f"/admin/payments/payment/{payment.pk}/change/",
        "/admin/payments/refund/",
        "/admin/payments/billmismatch/",
        "/admin/payments/notificationreceipt/",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert b"sign=" not in response.content
    response = admin_client.post(
        "/admin/payments/payment/",
        {"action": "query_now", "_selected_action": [payment.pk]},
        follow=True,
    )
    assert b"1 payment(s) queried." in response.content
