"""The reconciliation check: a statement's trades against payments (faked through
payments.api.get_payment); each mismatch recorded once, the check safe to re-run."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.payments import api as payments_api
from contexts.settlement import services, tasks
from contexts.settlement.models import ReconciliationMismatch
from contexts.settlement.tests.support import approved_statement

pytestmark = pytest.mark.django_db
D = Decimal


def payment(payment_no: str, amount: str, refunds=()) -> payments_api.PaymentInfo:
    return payments_api.PaymentInfo(
        payment_no=payment_no,
        trade_no="T",
        buyer_id=7,
        provider="sandbox",
        state="succeeded",
        amount=D(amount),
        paid_at=None,
        refund_reason="",
        refunds=tuple(
            payments_api.RefundInfo(refund_no=f"R{n}", amount=D(a), state="succeeded", reason="")
            for n, a in enumerate(refunds)
        ),
    )


def test_a_statement_that_agrees_with_payments_records_nothing(orders, monkeypatch):
    statement = approved_statement(orders, amounts=("100.00",))
    line = statement.lines.get()
    monkeypatch.setattr(
        payments_api, "get_payment", {line.payment_no: payment(line.payment_no, "100.00")}.get
    )
    assert tasks.reconcile() == 0
    statement.refresh_from_db()
    assert statement.reconciled_at is not None
    assert not ReconciliationMismatch.objects.exists()


def test_mismatches_are_recorded_once(orders, monkeypatch):
    statement = approved_statement(orders, amounts=("100.00", "30.00"))
    first, second = statement.lines.order_by("id")
    # The first trade: paid 90.00 only, and a refund of 5.00 settlement never heard of; the
    # second trade: no payment at all.
    monkeypatch.setattr(
        payments_api,
        "get_payment",
        {first.payment_no: payment(first.payment_no, "90.00", refunds=("5.00",))}.get,
    )
    assert services.statements_reconcile() == 3
    assert services.statements_reconcile(all_statements=True) == 3  # re-run: the same three
    found = {(m.trade_no, m.kind): (m.ours, m.theirs) for m in ReconciliationMismatch.objects.all()}
    assert found == {
        (first.trade_no, "paid_exceeds_payment"): (D("100.00"), D("90.00")),
        (first.trade_no, "refunds_differ"): (D("0.00"), D("5.00")),
        (second.trade_no, "payment_missing"): (D("30.00"), D("0.00")),
    }
