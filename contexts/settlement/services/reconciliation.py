"""The reconciliation check: a statement's lines against payments. Per trade on it: a
succeeded payment must exist, the orders settled for it must not come to more than was paid,
and the refunds settlement attributed must add up to the payment's succeeded refunds. Each
disagreement is recorded once (ReconciliationMismatch); the check is safe to re-run."""

from __future__ import annotations

from django.db.models import Sum
from django.utils import timezone

from contexts.payments import api as payments_api
from contexts.settlement.domain import LineKind
from contexts.settlement.models import (
    ReconciliationMismatch,
    RefundShare,
    SettlementLine,
    Statement,
)
from shared.money import ZERO

Kind = ReconciliationMismatch.Kind


def statement_reconcile(*, statement: Statement) -> list[ReconciliationMismatch]:
    found = []
    trades = dict(
        statement.lines.exclude(kind=LineKind.CARRIED)
        .values_list("trade_no", "payment_no")
        .distinct()
    )
    for trade_no, payment_no in sorted(trades.items()):
        ours_paid = (
            SettlementLine.objects.filter(trade_no=trade_no, kind=LineKind.ORDER).aggregate(
                total=Sum("paid_amount")
            )["total"]
            or ZERO
        )
        payment = payments_api.get_payment(payment_no) if payment_no else None
        if payment is None or payment.state != "succeeded":
            found.append(_record(statement, trade_no, Kind.PAYMENT_MISSING, ours_paid, ZERO))
            continue
        if ours_paid > payment.amount:
            found.append(
                _record(statement, trade_no, Kind.PAID_EXCEEDS_PAYMENT, ours_paid, payment.amount)
            )
        ours_refunded = (
            RefundShare.objects.filter(trade_no=trade_no).aggregate(total=Sum("amount"))["total"]
            or ZERO
        )
        theirs_refunded = sum((r.amount for r in payment.refunds if r.state == "succeeded"), ZERO)
        if ours_refunded != theirs_refunded:
            found.append(
                _record(statement, trade_no, Kind.REFUNDS_DIFFER, ours_refunded, theirs_refunded)
            )
    Statement.objects.filter(pk=statement.pk).update(reconciled_at=timezone.now())
    return found


def _record(statement, trade_no, kind, ours, theirs) -> ReconciliationMismatch:
    row, _ = ReconciliationMismatch.objects.get_or_create(
        statement=statement,
        trade_no=trade_no,
        kind=kind,
        defaults={"ours": ours, "theirs": theirs},
    )
    return row


def statements_reconcile(*, all_statements: bool = False) -> int:
    """Check the statements not checked yet (every one with `all_statements`); how many
    mismatches were found."""
    statements = Statement.objects.all()
    if not all_statements:
        statements = statements.filter(reconciled_at__isnull=True)
    return sum(len(statement_reconcile(statement=s)) for s in statements.order_by("id"))
