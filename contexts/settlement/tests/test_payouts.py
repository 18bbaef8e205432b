"""Payouts: an approved statement paid once through payments' transfer (the real payments
context and its sandbox provider), also when pay-outs race; failures and retries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.payments import api as payments_api
from contexts.settlement import handlers, services, tasks
from contexts.settlement.models import Payout, Statement
from contexts.settlement.tests.support import approved_statement
from shared.auth import SYSTEM
from shared.errors import AppError
from shared.events.models import OutboxEvent
from shared.testing import run_concurrently

D = Decimal


@pytest.mark.django_db
def test_an_approved_statement_is_paid_out_and_marked_paid(orders):
    statement = approved_statement(orders, amounts=("100.00", "20.00"))
    payout = services.payout_start(principal=SYSTEM, statement_no=statement.statement_no)
    assert (payout.state, payout.amount) == ("paid", D("114.00"))
    statement.refresh_from_db()
    assert statement.state == "paid" and statement.paid_at is not None
    assert OutboxEvent.objects.filter(event_type="settlement.payout.paid.v1").count() == 1
    # Paying again answers the same payout, no second transfer.
    again = services.payout_start(principal=SYSTEM, statement_no=statement.statement_no)
    assert again.pk == payout.pk and Payout.objects.count() == 1


@pytest.mark.django_db
def test_only_an_approved_statement_with_money_to_pay_is_paid_out(orders):
    issued = approved_statement(orders, approve=False)
    with pytest.raises(AppError) as refused:
        services.payout_start(principal=SYSTEM, statement_no=issued.statement_no)
    assert refused.value.code == "statement_not_approved"
    assert not Payout.objects.exists()


@pytest.mark.django_db
def test_a_failed_transfer_fails_the_payout_and_a_retry_is_a_new_attempt(orders):
    # The sandbox refuses the payee "FAIL".
    statement = approved_statement(orders, account="FAIL")
    failed = services.payout_start(principal=SYSTEM, statement_no=statement.statement_no)
    assert (failed.state, failed.failure_code) == ("failed", "PAYEE_NOT_EXIST")
    assert Statement.objects.get(pk=statement.pk).state == "approved"
    failed.payee_account = "shop-fixed"
    failed.save(update_fields=["payee_account"])
    paid = services.payout_retry(principal=SYSTEM, payout_no=failed.payout_no)
    assert (paid.state, paid.attempts) == ("paid", 2)
    assert paid.transfer_no != failed.transfer_no
    with pytest.raises(AppError) as refused:
        services.payout_retry(principal=SYSTEM, payout_no=paid.payout_no)
    assert refused.value.code == "payout_not_retryable"


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_concurrent_pay_outs_of_one_statement_make_one_payout_and_one_transfer(orders, monkeypatch):
    statement = approved_statement(orders, amounts=("50.00",))
    transfers = []
    real_transfer = payments_api.transfer

    def counted(**kwargs):
        answer = real_transfer(**kwargs)
        transfers.append(answer.transfer_no)
        return answer

    monkeypatch.setattr(payments_api, "transfer", counted)

    results = run_concurrently(
        8,
        lambda n: services.payout_start(principal=SYSTEM, statement_no=statement.statement_no),
    )

    payouts = [r for r in results if isinstance(r, Payout)]
    assert len(payouts) == 8, results  # every caller answered with the payout, none failed
    assert {p.pk for p in payouts} == {Payout.objects.get().pk}
    # Every call that reached payments got the one transfer; the provider's book has one.
    assert len(set(transfers)) == 1
    assert Payout.objects.get().state == "paid"
    assert Statement.objects.get(pk=statement.pk).state == "paid"
    # (payments' own test proves one transfer per key reaches the provider once under races.)


@pytest.mark.django_db
def test_a_payout_left_processing_is_sent_again_under_the_same_key(orders, monkeypatch):
    statement = approved_statement(orders)
    real_transfer = payments_api.transfer
    keys = []

    def provider_down_once(**kwargs):
        keys.append(kwargs["idempotency_key"])
        if len(keys) == 1:  # what payments answers when the provider could not be reached
            return payments_api.TransferInfo(
                transfer_no="X1",
                provider="sandbox",
                amount=kwargs["amount"],
                state="requested",
                provider_ref="",
                failure_code="timeout",
            )
        return real_transfer(**kwargs)

    monkeypatch.setattr(payments_api, "transfer", provider_down_once)
    payout = services.payout_start(principal=SYSTEM, statement_no=statement.statement_no)
    assert payout.state == "processing"
    assert tasks.resend_payouts() == 0  # too recent: its request may still be running
    Payout.objects.filter(pk=payout.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    assert tasks.resend_payouts() == 1
    assert Payout.objects.get(pk=payout.pk).state == "paid"
    assert keys[0] == keys[1]  # the same transfer, never a second one
    assert tasks.resend_payouts() == 0


def _sandbox():
    from shared.ports import adapter

    return adapter("PAYMENTS_PROVIDER_SANDBOX")


def _processing_payout(orders) -> tuple[Statement, Payout]:
    """An approved statement whose payout the sandbox accepted as processing (finished later
    by settle_transfer)."""
    statement = approved_statement(orders, amounts=("100.00",))
    sandbox = _sandbox()
    sandbox.transfer_outcome = "processing"
    try:
        payout = services.payout_start(principal=SYSTEM, statement_no=statement.statement_no)
    finally:
        sandbox.transfer_outcome = "succeeded"
    return statement, payout


def _transfer_event(event_type: str, transfer_no: str):
    from contexts.payments.events import TransferFailed, TransferSucceeded

    row = OutboxEvent.objects.get(event_type=event_type, payload__transfer_no=transfer_no)
    cls = TransferSucceeded if event_type.endswith("succeeded.v1") else TransferFailed
    fields = {k: v for k, v in row.payload.items() if k in cls.__dataclass_fields__}
    fields["amount"] = D(fields["amount"])
    return cls(**fields)


@pytest.mark.django_db
def test_a_payout_the_provider_finishes_later_follows_payments_transfer_event(orders):
    statement, payout = _processing_payout(orders)
    assert payout.state == "processing" and payout.transfer_no
    _sandbox().settle_transfer(transfer_no=payout.transfer_no, state="succeeded")
    assert payments_api.get_transfer(payout.transfer_no).state == "processing"
    assert payments_api.query_transfer(payout.transfer_no).state == "succeeded"
    event = _transfer_event("payments.transfer.succeeded.v1", payout.transfer_no)
    for _ in range(2):  # delivered twice: paid once
        handlers.transfer_succeeded_payout_paid(event)
    payout.refresh_from_db()
    assert payout.state == "paid"
    assert Statement.objects.get(pk=statement.pk).state == "paid"
    assert OutboxEvent.objects.filter(event_type="settlement.payout.paid.v1").count() == 1


@pytest.mark.django_db
def test_a_transfer_refused_later_fails_the_payout_and_stale_attempts_are_ignored(orders):
    _, payout = _processing_payout(orders)
    _sandbox().settle_transfer(transfer_no=payout.transfer_no, state="failed")
    assert payments_api.query_transfer(payout.transfer_no).state == "failed"
    event = _transfer_event("payments.transfer.failed.v1", payout.transfer_no)
    handlers.transfer_failed_payout_failed(event)
    payout.refresh_from_db()
    assert (payout.state, payout.failure_code) == ("failed", "PAYEE_NOT_EXIST")
    assert OutboxEvent.objects.filter(event_type="settlement.payout.failed.v1").count() == 1
    retried = services.payout_retry(principal=SYSTEM, payout_no=payout.payout_no)
    assert (retried.state, retried.attempts) == ("paid", 2)
    handlers.transfer_failed_payout_failed(event)  # the first attempt's event, again
    assert Payout.objects.get(pk=payout.pk).state == "paid"


@pytest.mark.django_db
def test_a_partially_split_payout_is_never_retried(orders):
    statement = approved_statement(orders, amounts=("100.00",), approve=True)
    payout = services.payout_start(principal=SYSTEM, statement_no=statement.statement_no)
    Payout.objects.filter(pk=payout.pk).update(state="failed", failure_code="PARTIALLY_SPLIT")
    with pytest.raises(AppError) as refused:
        services.payout_retry(principal=SYSTEM, payout_no=payout.payout_no)
    assert refused.value.code == "payout_not_retryable"


@pytest.mark.django_db
def test_the_payout_names_the_payments_of_its_lines(orders, monkeypatch):
    statement = approved_statement(orders, amounts=("100.00", "20.00"))
    seen = {}
    real_transfer = payments_api.transfer

    def spy(**kwargs):
        seen.update(kwargs)
        return real_transfer(**kwargs)

    monkeypatch.setattr(payments_api, "transfer", spy)
    services.payout_start(principal=SYSTEM, statement_no=statement.statement_no)
    lines = {line.payment_no: line.net_amount for line in statement.lines.all()}
    assert dict(seen["sources"]) == lines and sum(lines.values()) == D("114.00")
