"""Settlement's read queries. Merchants see their own shops' rows (settlement.read over the
shop), platform staff every shop's; another shop's statement answers 404."""

from __future__ import annotations

from django.db.models import QuerySet

from contexts.settlement.models import (
    CommissionRule,
    Payout,
    ReconciliationMismatch,
    SettlementLine,
    Statement,
)
from shared.auth import Principal
from shared.errors import NotFound


def _statement_missing() -> NotFound:
    return NotFound("Statement not found.")


def statements_for(
    *, principal: Principal, merchant_id: int | None = None, state: str = ""
) -> QuerySet[Statement]:
    rows = principal.filter(Statement.objects.select_related("payout"), "settlement.read")
    if merchant_id is not None:
        rows = rows.filter(merchant_id=merchant_id)
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-period_start", "-id")


def statement_get(*, principal: Principal, statement_no: str) -> Statement:
    statement = Statement.objects.select_related("payout").filter(statement_no=statement_no).first()
    if statement is None:
        raise _statement_missing()
    principal.require(
        "settlement.read", merchant_id=statement.merchant_id, not_found=_statement_missing()
    )
    return statement


def statement_lines(*, principal: Principal, statement_no: str) -> QuerySet[SettlementLine]:
    statement = statement_get(principal=principal, statement_no=statement_no)
    return SettlementLine.objects.filter(statement=statement).order_by("id")


def open_lines_for(
    *, principal: Principal, merchant_id: int | None = None
) -> QuerySet[SettlementLine]:
    """Lines on no statement yet (inside their window, or waiting for the next statement)."""
    rows = principal.filter(
        SettlementLine.objects.filter(statement__isnull=True), "settlement.read"
    )
    if merchant_id is not None:
        rows = rows.filter(merchant_id=merchant_id)
    return rows.order_by("settleable_at", "id")


def payouts_for(*, principal: Principal, state: str = "") -> QuerySet[Payout]:
    rows = principal.filter(Payout.objects.select_related("statement"), "settlement.read")
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-id")


def commission_rules(*, principal: Principal) -> QuerySet[CommissionRule]:
    principal.require("settlement.manage")
    return CommissionRule.objects.order_by("merchant_id", "category_id", "id")


def mismatches(*, principal: Principal, resolved: bool | None = None) -> QuerySet:
    principal.require("settlement.manage")
    rows = ReconciliationMismatch.objects.select_related("statement")
    if resolved is not None:
        rows = rows.filter(resolved=resolved)
    return rows.order_by("-id")
