"""Statements made the short way for payout, reconciliation and API tests."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from contexts.settlement import services
from contexts.settlement.models import MerchantProfile, Statement
from shared.auth import SYSTEM


def approved_statement(
    orders, *, merchant_id: int = 1, amounts=("100.00",), approve: bool = True, account="shop"
) -> Statement:
    """A daily statement of 30 November with one order line per amount (5 % commission)."""
    MerchantProfile.objects.update_or_create(
        merchant_id=merchant_id,
        defaults={"cycle": "daily", "payee_provider": "sandbox", "payee_account": account},
    )
    when = datetime(2026, 11, 1, 12, tzinfo=timezone.get_default_timezone())
    for amount in amounts:
        order = orders.add(merchant_id=merchant_id, lines=[(201, amount, amount)])
        services.line_for_completed_order(order_no=order.order_no, completed_at=when)
    [statement] = services.statements_issue_due(today=date(2026, 12, 1), merchant_id=merchant_id)
    if approve:
        services.statement_approve(principal=SYSTEM, statement_no=statement.statement_no)
    statement.refresh_from_db()
    return statement
